//! Server side of SCRAM-SHA-256 (RFC 5802 / 7677) without channel binding, as
//! PostgreSQL speaks it: the router proves nothing it does not know, since it derives a
//! fresh verifier (random salt, 4096 iterations) from the configured plaintext password
//! for every connection.
//!
//! The password is used as UTF-8 bytes without SASLprep normalisation; ASCII passwords
//! (the usual case) are unaffected.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
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

/// One exchange, after the server-first message was produced.
#[derive(Debug)]
pub struct ScramServer {
    salted_password: [u8; 32],
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
    nonce: String,
}

impl ScramServer {
    /// Reads the client-first message and builds the server-first answer.
    pub fn start(password: &str, client_first: &[u8]) -> Result<(ScramServer, String), ScramError> {
        let salt: [u8; 16] = random_bytes();
        let server_nonce: [u8; 18] = random_bytes();
        Self::start_with(
            password,
            client_first,
            &salt,
            &STANDARD.encode(server_nonce),
        )
    }

    fn start_with(
        password: &str,
        client_first: &[u8],
        salt: &[u8],
        server_nonce: &str,
    ) -> Result<(ScramServer, String), ScramError> {
        let text = std::str::from_utf8(client_first).map_err(|_| ScramError::Malformed("utf-8"))?;
        let (gs2_header, bare) = split_gs2(text)?;
        let client_nonce = bare
            .split(',')
            .find_map(|attr| attr.strip_prefix("r="))
            .filter(|n| !n.is_empty())
            .ok_or(ScramError::Malformed("client nonce"))?;
        let nonce = format!("{client_nonce}{server_nonce}");
        let server_first = format!("r={nonce},s={},i={ITERATIONS}", STANDARD.encode(salt));
        let server = ScramServer {
            salted_password: hi(password.as_bytes(), salt, ITERATIONS),
            gs2_header: gs2_header.to_owned(),
            client_first_bare: bare.to_owned(),
            server_first: server_first.clone(),
            nonce,
        };
        Ok((server, server_first))
    }

    /// Checks the client-final message; on success returns the server-final message.
    pub fn finish(&self, client_final: &[u8]) -> Result<String, ScramError> {
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
        let client_key = hmac(&self.salted_password, b"Client Key");
        let stored_key: [u8; 32] = Sha256::digest(client_key).into();
        let signature = hmac(&stored_key, auth_message.as_bytes());
        if proof.len() != signature.len() {
            return Err(ScramError::WrongPassword);
        }
        let candidate: Vec<u8> = proof.iter().zip(signature).map(|(p, s)| p ^ s).collect();
        let candidate_stored: [u8; 32] = Sha256::digest(&candidate).into();
        if !constant_time_eq(&candidate_stored, &stored_key) {
            return Err(ScramError::WrongPassword);
        }
        let server_key = hmac(&self.salted_password, b"Server Key");
        let server_signature = hmac(&server_key, auth_message.as_bytes());
        Ok(format!("v={}", STANDARD.encode(server_signature)))
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

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
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
fn hi(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut prev = hmac(password, &first);
    let mut out = prev;
    for _ in 1..iterations {
        prev = hmac(password, &prev);
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
        let last = server.finish(client.message())?;
        client.finish(last.as_bytes()).unwrap();
        Ok(())
    }

    #[test]
    fn accepts_right_password_against_rust_postgres_client() {
        exchange("s3cret", "s3cret").unwrap();
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
