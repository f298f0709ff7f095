//! Server side of SCRAM-SHA-256 (RFC 5802 / 7677) without channel binding, as
//! PostgreSQL speaks it. The verifier is either derived per connection from the
//! configured plaintext password (random salt, 4096 iterations) or the one PostgreSQL
//! stores (`SCRAM-SHA-256$iter:salt$StoredKey:ServerKey`, fetched by `auth_query`); a
//! successful exchange also yields the client's ClientKey, which logs into the server
//! in turn (SCRAM pass-through, see `scram_client`).
//!
//! Passwords are normalised with SASLprep (RFC 4013), as libpq and PostgreSQL do, and
//! used as they are when SASLprep refuses them (as PostgreSQL does). A configured
//! password's verifier is derived once per process (its salt is then fixed, as a stored
//! one is), not at every login.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::{constant_time_eq, random_bytes};

/// The mechanism name.
pub const MECHANISM: &str = "SCRAM-SHA-256";
/// PostgreSQL's default iteration count.
pub const ITERATIONS: u32 = 4096;

/// Why an exchange failed. Malformed messages and wrong proofs both end the login.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScramError {
    /// The client's message does not follow the grammar.
    #[error("malformed SCRAM message: {0}")]
    Malformed(&'static str),
    /// Channel binding was requested; the router has no TLS to bind to.
    #[error("SCRAM channel binding is not supported")]
    ChannelBinding,
    /// The proof does not match the password.
    #[error("password authentication failed")]
    WrongPassword,
}

/// A SCRAM-SHA-256 verifier, as `pg_authid.rolpassword` stores it.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramSecret {
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// The salt.
    pub salt: Vec<u8>,
    /// `H(ClientKey)`.
    pub stored_key: [u8; 32],
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: [u8; 32],
}

impl std::fmt::Debug for ScramSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ScramSecret {{ iterations: {}, .. }}", self.iterations)
    }
}

impl ScramSecret {
    /// Derives the verifier of a plaintext password.
    pub fn from_password(password: &str, salt: &[u8], iterations: u32) -> ScramSecret {
        let salted = hi(&normalize(password), salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        ScramSecret {
            iterations,
            salt: salt.to_vec(),
            stored_key: Sha256::digest(client_key).into(),
            server_key: hmac(&salted, b"Server Key"),
        }
    }

    /// Parses PostgreSQL's `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
    pub fn parse(text: &str) -> Option<ScramSecret> {
        let rest = text.strip_prefix("SCRAM-SHA-256$")?;
        let (params, keys) = rest.split_once('$')?;
        let (iterations, salt) = params.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        let key = |b64: &str| -> Option<[u8; 32]> { STANDARD.decode(b64).ok()?.try_into().ok() };
        Some(ScramSecret {
            iterations: iterations.parse().ok().filter(|&i| i > 0)?,
            salt: STANDARD.decode(salt).ok()?,
            stored_key: key(stored)?,
            server_key: key(server)?,
        })
    }

    /// The verifier of a configured password: derived at its first use with a random
    /// salt, then reused (PBKDF2's 4096 rounds are paid once, not at every login).
    pub fn of_configured(password: &str) -> ScramSecret {
        /// More distinct passwords than this (reloads that changed them) start afresh.
        const MAX_CACHED: usize = 4096;
        static CACHE: LazyLock<Mutex<HashMap<String, ScramSecret>>> =
            LazyLock::new(|| Mutex::new(HashMap::new()));
        if let Some(found) = CACHE
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(password)
        {
            return found.clone();
        }
        let salt: [u8; 16] = random_bytes();
        let secret = ScramSecret::from_password(password, &salt, ITERATIONS);
        let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.entry(password.to_owned()).or_insert(secret).clone()
    }

    /// A verifier no password matches, for a user that does not exist: its salt is
    /// derived from the user name with a key of this process, so repeated attempts see
    /// the same salt, as for a real user (PostgreSQL's `scram_mock_salt`).
    pub fn mock(user: &str) -> ScramSecret {
        static KEY: LazyLock<[u8; 32]> = LazyLock::new(random_bytes);
        let salt = hmac(&*KEY, user.as_bytes());
        ScramSecret {
            iterations: ITERATIONS,
            salt: salt[..16].to_vec(),
            stored_key: random_bytes(),
            server_key: random_bytes(),
        }
    }

    /// Whether a cleartext password matches (for `auth_method = "password"`).
    pub fn matches_password(&self, password: &str) -> bool {
        let derived = ScramSecret::from_password(password, &self.salt, self.iterations);
        constant_time_eq(&derived.stored_key, &self.stored_key)
    }
}

/// One exchange, after the server-first message was produced.
#[derive(Debug)]
pub struct ScramServer {
    stored_key: [u8; 32],
    server_key: [u8; 32],
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
    nonce: String,
}

impl ScramServer {
    /// Reads the client-first message and builds the server-first answer, with the
    /// verifier of the configured `password`.
    pub fn start(password: &str, client_first: &[u8]) -> Result<(ScramServer, String), ScramError> {
        Self::start_with_secret(&ScramSecret::of_configured(password), client_first)
    }

    /// Reads the client-first message and builds the server-first answer, with a
    /// stored verifier.
    pub fn start_with_secret(
        secret: &ScramSecret,
        client_first: &[u8],
    ) -> Result<(ScramServer, String), ScramError> {
        let server_nonce: [u8; 18] = random_bytes();
        let text = std::str::from_utf8(client_first).map_err(|_| ScramError::Malformed("utf-8"))?;
        let (gs2_header, bare) = split_gs2(text)?;
        let client_nonce = bare
            .split(',')
            .find_map(|attr| attr.strip_prefix("r="))
            .filter(|n| !n.is_empty())
            .ok_or(ScramError::Malformed("client nonce"))?;
        let nonce = format!("{client_nonce}{}", STANDARD.encode(server_nonce));
        let server_first = format!(
            "r={nonce},s={},i={}",
            STANDARD.encode(&secret.salt),
            secret.iterations
        );
        let server = ScramServer {
            stored_key: secret.stored_key,
            server_key: secret.server_key,
            gs2_header: gs2_header.to_owned(),
            client_first_bare: bare.to_owned(),
            server_first: server_first.clone(),
            nonce,
        };
        Ok((server, server_first))
    }

    /// Checks the client-final message; on success returns the server-final message
    /// and the ClientKey the client proved it has.
    pub fn finish(&self, client_final: &[u8]) -> Result<(String, [u8; 32]), ScramError> {
        let text = std::str::from_utf8(client_final).map_err(|_| ScramError::Malformed("utf-8"))?;
        let (without_proof, proof) = text
            .rsplit_once(",p=")
            .ok_or(ScramError::Malformed("client proof"))?;
        let mut binding = None;
        let mut nonce = None;
        for attr in without_proof.split(',') {
            if let Some(v) = attr.strip_prefix("c=") {
                binding = Some(v);
            } else if let Some(v) = attr.strip_prefix("r=") {
                nonce = Some(v);
            }
        }
        let binding = binding.ok_or(ScramError::Malformed("channel binding"))?;
        if binding != STANDARD.encode(self.gs2_header.as_bytes()) {
            return Err(ScramError::Malformed("channel binding does not match"));
        }
        if nonce != Some(self.nonce.as_str()) {
            return Err(ScramError::Malformed("nonce does not match"));
        }
        let proof = STANDARD
            .decode(proof)
            .map_err(|_| ScramError::Malformed("proof encoding"))?;
        let auth_message = format!(
            "{},{},{}",
            self.client_first_bare, self.server_first, without_proof
        );
        let signature = hmac(&self.stored_key, auth_message.as_bytes());
        let Ok(proof) = <[u8; 32]>::try_from(proof.as_slice()) else {
            return Err(ScramError::WrongPassword);
        };
        let mut client_key = [0u8; 32];
        for (k, (p, s)) in client_key.iter_mut().zip(proof.iter().zip(signature)) {
            *k = p ^ s;
        }
        let candidate_stored: [u8; 32] = Sha256::digest(client_key).into();
        if !constant_time_eq(&candidate_stored, &self.stored_key) {
            return Err(ScramError::WrongPassword);
        }
        let server_signature = hmac(&self.server_key, auth_message.as_bytes());
        Ok((
            format!("v={}", STANDARD.encode(server_signature)),
            client_key,
        ))
    }
}

/// Splits `gs2-header` (`n,,` / `y,,` with optional `a=authzid`) from the bare message.
fn split_gs2(text: &str) -> Result<(&str, &str), ScramError> {
    let flag = text
        .get(..1)
        .ok_or(ScramError::Malformed("empty message"))?;
    match flag {
        "n" | "y" => {}
        "p" => return Err(ScramError::ChannelBinding),
        _ => return Err(ScramError::Malformed("gs2 header")),
    }
    let first = text.find(',').ok_or(ScramError::Malformed("gs2 header"))?;
    let second = text
        .get(first + 1..)
        .and_then(|rest| rest.find(','))
        .map(|i| first + 1 + i)
        .ok_or(ScramError::Malformed("gs2 header"))?;
    let header = text
        .get(..=second)
        .ok_or(ScramError::Malformed("gs2 header"))?;
    let bare = text
        .get(second + 1..)
        .ok_or(ScramError::Malformed("gs2 header"))?;
    Ok((header, bare))
}

pub(crate) fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here; fall back
    // to an all-zero tag (which never verifies) rather than panic.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        Err(_) => [0; 32],
    }
}

/// PBKDF2-HMAC-SHA-256 with one output block: SCRAM's `Hi()`.
/// SASLprep of a password, or its bytes as they are where SASLprep refuses it
/// (PostgreSQL's `pg_saslprep` fallback).
fn normalize(password: &str) -> Vec<u8> {
    match stringprep::saslprep(password) {
        Ok(prepared) => prepared.into_owned().into_bytes(),
        Err(_) => password.as_bytes().to_vec(),
    }
}

fn hi(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    // Keyed once; each round clones the keyed state instead of hashing the key again.
    let Ok(keyed) = Hmac::<Sha256>::new_from_slice(password) else {
        return [0; 32];
    };
    let round = |data: &[u8]| -> [u8; 32] {
        let mut mac = keyed.clone();
        mac.update(data);
        mac.finalize().into_bytes().into()
    };
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut prev = round(&first);
    let mut out = prev;
    for _ in 1..iterations {
        prev = round(&prev);
        for (o, p) in out.iter_mut().zip(prev) {
            *o ^= p;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};

    fn exchange(server_pw: &str, client_pw: &str) -> Result<(), ScramError> {
        let mut client = ScramSha256::new(client_pw.as_bytes(), ChannelBinding::unrequested());
        let (server, first) = ScramServer::start(server_pw, client.message())?;
        client.update(first.as_bytes()).unwrap();
        let (last, _client_key) = server.finish(client.message())?;
        client.finish(last.as_bytes()).unwrap();
        Ok(())
    }

    #[test]
    fn accepts_right_password_against_rust_postgres_client() {
        exchange("s3cret", "s3cret").unwrap();
        // The same verifier (salt) at every login of a configured password.
        assert_eq!(
            ScramSecret::of_configured("s3cret").salt,
            ScramSecret::of_configured("s3cret").salt
        );
    }

    /// Passwords are SASLprep-normalised on both sides, as libpq and PostgreSQL do: a
    /// no-break space is a space, a soft hyphen is nothing.
    #[test]
    fn passwords_are_saslprepped() {
        exchange("pass\u{a0}word\u{ad}", "pass word").unwrap();
        assert!(ScramSecret::from_password("pass\u{a0}word", b"salt", 4096)
            .matches_password("pass word"));
        // SASLprep refuses unassigned code points: the bytes are used as they are.
        exchange("\u{0221}x", "\u{0221}x").unwrap();
    }

    /// Unknown users get a verifier whose salt does not change between attempts.
    #[test]
    fn mock_verifiers_have_a_stable_salt_per_user() {
        assert_eq!(
            ScramSecret::mock("ghost").salt,
            ScramSecret::mock("ghost").salt
        );
        assert_ne!(
            ScramSecret::mock("ghost").salt,
            ScramSecret::mock("other").salt
        );
        assert_ne!(
            ScramSecret::mock("ghost").stored_key,
            ScramSecret::mock("ghost").stored_key
        );
    }

    #[test]
    fn stored_secrets_parse_and_verify() {
        // What PostgreSQL 15 stores for password 'scrampw' with this salt.
        let derived = ScramSecret::from_password("scrampw", b"0123456789abcdef", 4096);
        let text = format!(
            "SCRAM-SHA-256${}:{}${}:{}",
            derived.iterations,
            STANDARD.encode(&derived.salt),
            STANDARD.encode(derived.stored_key),
            STANDARD.encode(derived.server_key)
        );
        let parsed = ScramSecret::parse(&text).unwrap();
        assert_eq!(parsed, derived);
        assert!(parsed.matches_password("scrampw"));
        assert!(!parsed.matches_password("nope"));
        for bad in [
            "",
            "md5abc",
            "SCRAM-SHA-256$x:y$z:w",
            "SCRAM-SHA-256$0:AAAA$AAAA:AAAA",
        ] {
            assert!(ScramSecret::parse(bad).is_none(), "{bad}");
        }
        // An exchange against the stored verifier yields the ClientKey.
        let mut client = ScramSha256::new(b"scrampw", ChannelBinding::unrequested());
        let (server, first) = ScramServer::start_with_secret(&parsed, client.message()).unwrap();
        client.update(first.as_bytes()).unwrap();
        let (last, client_key) = server.finish(client.message()).unwrap();
        client.finish(last.as_bytes()).unwrap();
        let stored: [u8; 32] = Sha256::digest(client_key).into();
        assert_eq!(stored, parsed.stored_key);
    }

    #[test]
    fn rejects_wrong_password_and_garbage() {
        assert_eq!(exchange("s3cret", "nope"), Err(ScramError::WrongPassword));
        for bad in [
            &b""[..],
            b"x",
            b"n,,",
            b"p=tls-unique,,n=,r=a",
            b"\xff\xfe",
            b"n",
        ] {
            assert!(ScramServer::start("pw", bad).is_err(), "{bad:?}");
        }
        let (server, _) = ScramServer::start("pw", b"n,,n=,r=abc").unwrap();
        for bad in [&b""[..], b"c=biws,r=abc", b"c=biws,r=zzz,p=AAAA", b"p=!!"] {
            assert!(server.finish(bad).is_err(), "{bad:?}");
        }
    }
}
