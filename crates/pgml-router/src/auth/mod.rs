//! Password checks towards clients: md5 challenge and server-side SCRAM-SHA-256, both
//! from the plaintext password in the configuration.

pub mod scram;

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
    }
}
