//! Client side of SCRAM-SHA-256 from a ClientKey and ServerKey instead of a password:
//! how a user whose password only the server knows (`auth_query` with a SCRAM
//! verifier) logs into the server with the keys its own client proved (PgBouncer's
//! SCRAM pass-through). Without channel binding.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::random_bytes;
use super::scram::{hmac, ScramError};
use crate::auth::constant_time_eq;

/// The keys a client proved in a SCRAM exchange with the router.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramKeys {
    /// `HMAC(SaltedPassword, "Client Key")`.
    pub client_key: [u8; 32],
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: [u8; 32],
}

impl std::fmt::Debug for ScramKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScramKeys { .. }")
    }
}

/// One exchange with a server.
#[derive(Debug)]
pub struct ScramKeyClient {
    keys: ScramKeys,
    client_first_bare: String,
    nonce: String,
    auth_message: Option<String>,
}

impl ScramKeyClient {
    /// Starts an exchange; returns the client-first message.
    pub fn new(keys: ScramKeys) -> (ScramKeyClient, String) {
        let nonce = STANDARD.encode(random_bytes::<18>());
        let client_first_bare = format!("n=,r={nonce}");
        let first = format!("n,,{client_first_bare}");
        let client = ScramKeyClient {
            keys,
            client_first_bare,
            nonce,
            auth_message: None,
        };
        (client, first)
    }

    /// Reads the server-first message; returns the client-final message.
    pub fn update(&mut self, server_first: &[u8]) -> Result<String, ScramError> {
        let text = std::str::from_utf8(server_first).map_err(|_| ScramError::Malformed("utf-8"))?;
        let nonce = text
            .split(',')
            .find_map(|a| a.strip_prefix("r="))
            .ok_or(ScramError::Malformed("server nonce"))?;
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(ScramError::Malformed("server nonce"));
        }
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{text},{without_proof}", self.client_first_bare);
        let stored_key: [u8; 32] = Sha256::digest(self.keys.client_key).into();
        let signature = hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = self
            .keys
            .client_key
            .iter()
            .zip(signature)
            .map(|(k, s)| k ^ s)
            .collect();
        self.auth_message = Some(auth_message);
        Ok(format!("{without_proof},p={}", STANDARD.encode(proof)))
    }

    /// Checks the server-final message (the server proves it knows the verifier).
    pub fn finish(&self, server_final: &[u8]) -> Result<(), ScramError> {
        let text = std::str::from_utf8(server_final).map_err(|_| ScramError::Malformed("utf-8"))?;
        let verifier = text
            .strip_prefix("v=")
            .and_then(|v| STANDARD.decode(v).ok())
            .ok_or(ScramError::Malformed("server signature"))?;
        let auth_message = self
            .auth_message
            .as_ref()
            .ok_or(ScramError::Malformed("server-final before server-first"))?;
        let expected = hmac(&self.keys.server_key, auth_message.as_bytes());
        if constant_time_eq(&verifier, &expected) {
            Ok(())
        } else {
            Err(ScramError::WrongPassword)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::auth::scram::{ScramSecret, ScramServer};

    #[test]
    fn keys_from_one_exchange_log_into_a_server_with_the_same_verifier() {
        let secret = ScramSecret::from_password("pw", b"salt-salt-salt", 4096);
        // First, a password client proves itself; the router learns its ClientKey.
        let mut client = postgres_protocol::authentication::sasl::ScramSha256::new(
            b"pw",
            postgres_protocol::authentication::sasl::ChannelBinding::unrequested(),
        );
        let (server, first) = ScramServer::start_with_secret(&secret, client.message()).unwrap();
        client.update(first.as_bytes()).unwrap();
        let (_, client_key) = server.finish(client.message()).unwrap();
        let keys = ScramKeys {
            client_key,
            server_key: secret.server_key,
        };
        // Then the keys alone pass another exchange with the same verifier.
        let (mut key_client, first) = ScramKeyClient::new(keys.clone());
        let (server, server_first) =
            ScramServer::start_with_secret(&secret, first.as_bytes()).unwrap();
        let last = key_client.update(server_first.as_bytes()).unwrap();
        let (server_final, _) = server.finish(last.as_bytes()).unwrap();
        key_client.finish(server_final.as_bytes()).unwrap();
        // Wrong keys fail on the server, a wrong server signature on the client.
        let wrong = ScramKeys {
            client_key: [7; 32],
            server_key: keys.server_key,
        };
        let (mut key_client, first) = ScramKeyClient::new(wrong);
        let (server, server_first) =
            ScramServer::start_with_secret(&secret, first.as_bytes()).unwrap();
        let last = key_client.update(server_first.as_bytes()).unwrap();
        assert_eq!(
            server.finish(last.as_bytes()),
            Err(ScramError::WrongPassword)
        );
        assert!(key_client.finish(b"v=AAAA").is_err());
    }
}
