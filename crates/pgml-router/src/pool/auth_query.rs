//! Users configured without `password`: their stored secret comes from `auth_query`,
//! run at every login (as PgBouncer does, so a changed password, `NOLOGIN` or a dropped
//! role applies at once) on one connection per pool kept open as `auth_query_user`,
//! one query at a time (logins cannot make the router open connections); the server
//! login then uses what a client proved (the md5 hash, or the SCRAM keys), learned at
//! each successful client login.

use pgwire::SqlState;
use tracing::{debug, warn};

use super::{lock, Pool};
use crate::auth::scram::ScramSecret;
use crate::auth::{Credential, Secret};
use crate::error::ClientError;
use crate::server::{connect, QueryError, ServerTarget};

/// `$1` (quoted or not) replaced by the user name as a string literal, in one pass (the
/// name itself may contain `$1`); `None` for names that cannot be quoted safely this
/// way.
fn render_query(query: &str, user: &str) -> Option<String> {
    if user.contains(['\\', '\0']) {
        return None;
    }
    let literal = format!("'{}'", user.replace('\'', "''"));
    let mut out = String::with_capacity(query.len() + literal.len());
    let mut rest = query;
    while let Some(at) = rest.find("$1") {
        let next_is_digit = rest[at + 2..].starts_with(|c: char| c.is_ascii_digit());
        if next_is_digit {
            // `$10`, `$12`...: not the parameter.
            out.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            continue;
        }
        let quoted = rest[..at].ends_with('\'') && rest[at + 2..].starts_with('\'');
        if quoted {
            out.push_str(&rest[..at - 1]);
            out.push_str(&literal);
            rest = &rest[at + 3..];
        } else {
            out.push_str(&rest[..at]);
            out.push_str(&literal);
            rest = &rest[at + 2..];
        }
    }
    out.push_str(rest);
    Some(out)
}

impl Pool {
    /// What the client's password is checked against: the configured password, else
    /// what `auth_query` returns now; a user it does not know gets a verifier no
    /// password matches (with a salt that stays the same from one attempt to the next),
    /// so user names cannot be probed.
    pub async fn client_secret(&self, configured: Option<&str>) -> Result<Secret, ClientError> {
        if let Some(password) = configured {
            return Ok(Secret::Plain(password.to_owned()));
        }
        Ok(self
            .fetch_secret()
            .await?
            .unwrap_or_else(|| Secret::Scram(ScramSecret::mock(&self.user))))
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
        let mut held = self.auth_conn.lock().await;
        let mut rows = None;
        // A kept connection may have been closed by the server meanwhile: one retry on
        // a fresh one.
        for _attempt in 0..2 {
            if !held.as_mut().is_some_and(|conn| conn.looks_healthy()) {
                *held = None;
            }
            let conn = match held.as_mut() {
                Some(conn) => conn,
                None => {
                    let target = ServerTarget {
                        user: aq.user.clone(),
                        password: aq.password.clone(),
                        ..self.target().clone()
                    };
                    let credential = Credential::Password(aq.password.clone().unwrap_or_default());
                    let conn = connect(&target, &credential, self.timeouts().connect)
                        .await
                        .map_err(|e| {
                            failed(
                                SqlState::SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                                e.to_string(),
                            )
                        })?;
                    held.insert(conn)
                }
            };
            match conn.query_rows(&sql).await {
                Ok(found) => {
                    rows = Some(found);
                    break;
                }
                Err(QueryError::Server(resp)) => {
                    return Err(failed(
                        resp.code().unwrap_or(SqlState::INTERNAL_ERROR),
                        resp.message().unwrap_or("server error").to_owned(),
                    ))
                }
                Err(QueryError::Broken(why)) => {
                    *held = None;
                    warn!(pool = %self.name(), error = %why, "auth_query connection lost; reconnecting");
                }
            }
        }
        let Some(rows) = rows else {
            return Err(failed(
                SqlState::CONNECTION_FAILURE,
                "the auth_query connection was lost twice".to_owned(),
            ));
        };
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
        // A name containing `$1` is inserted once, not substituted again.
        assert_eq!(
            render_query(q, " OR true --$1").as_deref(),
            Some("SELECT usename, passwd FROM pg_shadow WHERE usename=' OR true --$1'")
        );
        assert_eq!(
            render_query("SELECT f($1, $10)", "x").as_deref(),
            Some("SELECT f('x', $10)")
        );
    }
}
