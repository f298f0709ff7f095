//! Users configured without `password`: their stored secret comes from `auth_query`
//! (run on the pool's server as `auth_query_user`), cached in the pool until a login
//! with it fails; the server login then uses what a client proved (the md5 hash, or
//! the SCRAM keys), learned at each successful client login.

use pgwire::SqlState;
use tracing::{debug, warn};

use super::{lock, Pool};
use crate::auth::{random_bytes, Credential, Secret};
use crate::error::ClientError;
use crate::server::{connect, QueryError, ServerTarget};

/// `$1` (quoted or not) replaced by the user name as a string literal; `None` for
/// names that cannot be quoted safely this way.
fn render_query(query: &str, user: &str) -> Option<String> {
    if user.contains(['\\', '\0']) {
        return None;
    }
    let literal = format!("'{}'", user.replace('\'', "''"));
    Some(query.replace("'$1'", &literal).replace("$1", &literal))
}

/// A secret no password matches: users `auth_query` does not know still get the
/// usual challenge (and fail it), so user names cannot be probed.
fn unmatchable() -> Secret {
    let bytes: [u8; 24] = random_bytes();
    Secret::Plain(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Pool {
    /// What the client's password is checked against: the configured password, else
    /// the (cached) `auth_query` result.
    pub async fn client_secret(&self, configured: Option<&str>) -> Result<Secret, ClientError> {
        if let Some(password) = configured {
            return Ok(Secret::Plain(password.to_owned()));
        }
        if let Some(secret) = lock(&self.auth_cache).clone() {
            return Ok(secret);
        }
        let secret = self.fetch_secret().await?;
        match secret {
            Some(secret) => {
                *lock(&self.auth_cache) = Some(secret.clone());
                Ok(secret)
            }
            None => Ok(unmatchable()),
        }
    }

    /// A login with the cached secret failed: fetch it again next time (the password
    /// may have changed).
    pub fn forget_secret(&self) {
        *lock(&self.auth_cache) = None;
    }

    /// Records how to log into the server as this pool's user (from a client login).
    pub fn learn_credential(&self, credential: Credential) {
        *lock(&self.learned) = Some(credential);
    }

    /// How the pool logs into its server now.
    pub(super) fn credential(&self) -> Result<Credential, ClientError> {
        if let Some(password) = &self.target().password {
            return Ok(Credential::Password(password.clone()));
        }
        lock(&self.learned).clone().ok_or_else(|| {
            ClientError::fatal(
                SqlState::SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                format!(
                    "pool {}: no password for the server login of user \"{}\" yet \
                     (auth_query users: a client must log in first)",
                    self.name(),
                    self.target().user
                ),
            )
        })
    }

    async fn fetch_secret(&self) -> Result<Option<Secret>, ClientError> {
        let Some(aq) = &self.auth_query else {
            return Ok(None);
        };
        let Some(sql) = render_query(&aq.query, &self.user) else {
            return Ok(None);
        };
        let failed = |code: SqlState, why: String| {
            warn!(pool = %self.name(), error = %why, "auth_query failed");
            ClientError::fatal(
                code,
                format!(
                    "pool {}: auth_query as user \"{}\" failed: {why}",
                    self.name(),
                    aq.user
                ),
            )
        };
        let target = ServerTarget {
            user: aq.user.clone(),
            password: aq.password.clone(),
            ..self.target().clone()
        };
        let credential = Credential::Password(aq.password.clone().unwrap_or_default());
        let mut conn = connect(&target, &credential, self.timeouts().connect)
            .await
            .map_err(|e| {
                failed(
                    SqlState::SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                    e.to_string(),
                )
            })?;
        let rows = conn.query_rows(&sql).await.map_err(|e| match e {
            QueryError::Server(resp) => failed(
                resp.code().unwrap_or(SqlState::INTERNAL_ERROR),
                resp.message().unwrap_or("server error").to_owned(),
            ),
            QueryError::Broken(why) => failed(SqlState::CONNECTION_FAILURE, why),
        })?;
        let stored = rows
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().last().flatten());
        debug!(pool = %self.name(), found = stored.is_some(), "auth_query answered");
        Ok(stored.map(|s| Secret::from_stored(&s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_become_quoted_literals() {
        let q = "SELECT usename, passwd FROM pg_shadow WHERE usename='$1'";
        assert_eq!(
            render_query(q, "o'brien").as_deref(),
            Some("SELECT usename, passwd FROM pg_shadow WHERE usename='o''brien'")
        );
        assert_eq!(
            render_query("SELECT get_auth($1)", "bob").as_deref(),
            Some("SELECT get_auth('bob')")
        );
        assert_eq!(render_query(q, "a\\b"), None);
        assert!(matches!(unmatchable(), Secret::Plain(p) if p.len() == 48));
    }
}
