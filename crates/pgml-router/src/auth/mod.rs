//! Password checks towards clients (md5 challenge, server-side SCRAM-SHA-256,
//! cleartext) against a [`Secret`]: the configured plaintext password or what
//! `auth_query` fetched from the server; and the [`Credential`] the router logs into
//! servers with.

pub mod scram;
pub mod scram_client;

use md5::{Digest, Md5};

use self::scram::ScramSecret;
use self::scram_client::ScramKeys;

/// What a client's password is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    /// A plaintext password (the configuration, or an `auth_query` result that is
    /// neither md5 nor SCRAM).
    Plain(String),
    /// PostgreSQL's md5 hash: the 32 hex digits of `md5(password + user)`.
    Md5(String),
    /// PostgreSQL's SCRAM-SHA-256 verifier.
    Scram(ScramSecret),
}

impl Secret {
    /// Reads a password as `pg_authid.rolpassword` stores it.
    pub fn from_stored(text: &str) -> Secret {
        if let Some(hash) = text.strip_prefix("md5") {
            if hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Secret::Md5(hash.to_ascii_lowercase());
            }
        }
        match ScramSecret::parse(text) {
            Some(secret) => Secret::Scram(secret),
            None => Secret::Plain(text.to_owned()),
        }
    }
}

/// How the router logs into a server as a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The plaintext password (any method the server asks for).
    Password(String),
    /// The md5 hash (md5 only): learned from `auth_query`.
    Md5Hash(String),
    /// SCRAM keys (SCRAM only): proved by a client against the `auth_query` verifier.
    ScramKeys(ScramKeys),
}

/// `"md5" + md5(hash + salt)`: the md5 answer from the stored hash of `md5(password +
/// user)` (32 hex digits).
pub fn md5_response_from_hash(hash: &str, salt: [u8; 4]) -> String {
    let mut hasher = Md5::new();
    hasher.update(hash.as_bytes());
    hasher.update(salt);
    format!("md5{}", hex(&hasher.finalize()))
}

/// The hash PostgreSQL stores for md5: hex `md5(password + user)`.
pub fn md5_hash(user: &str, password: &str) -> String {
    let mut hasher = Md5::new();
    hasher.update(password.as_bytes());
    hasher.update(user.as_bytes());
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The md5 answer PostgreSQL expects: `"md5" + md5(md5(password + user) + salt)`.
pub fn md5_response(user: &str, password: &str, salt: [u8; 4]) -> String {
    postgres_protocol::authentication::md5_hash(user.as_bytes(), password.as_bytes(), salt)
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Random bytes for salts, nonces and router-issued cancel keys.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    rand::random::<[u8; N]>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_postgres_format() {
        let r = md5_response("alice", "pw", [1, 2, 3, 4]);
        assert!(r.starts_with("md5"));
        assert_eq!(r.len(), 35);
        assert!(constant_time_eq(r.as_bytes(), r.as_bytes()));
        assert!(!constant_time_eq(b"a", b"ab"));
        assert!(!constant_time_eq(b"ab", b"ac"));
        let hash = md5_hash("alice", "pw");
        assert_eq!(md5_response_from_hash(&hash, [1, 2, 3, 4]), r);
    }

    #[test]
    fn stored_passwords_are_recognised() {
        let hash = md5_hash("alice", "pw");
        assert_eq!(
            Secret::from_stored(&format!("md5{hash}")),
            Secret::Md5(hash.clone())
        );
        assert_eq!(
            Secret::from_stored("md5short"),
            Secret::Plain("md5short".to_owned())
        );
        assert!(matches!(
            Secret::from_stored("SCRAM-SHA-256$4096:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            Secret::Scram(_)
        ));
    }
}
