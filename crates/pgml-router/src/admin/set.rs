//! `SET key = value` (PgBouncer's console command): changes one `[general]` option of
//! the configuration in force, until the next `RELOAD` or restart (which read the file).
//! `SHOW CONFIG` marks the options it can change `changeable = yes`.

use pgwire::SqlState;

use super::Done;
use crate::config::SetError;
use crate::error::ClientError;
use crate::Shared;

/// Runs `SET`; `text` is the whole command.
pub fn run(shared: &Shared, text: &str) -> Result<Done, ClientError> {
    let Some((key, value)) = parse(text) else {
        return Err(ClientError::error(
            SqlState::SYNTAX_ERROR,
            format!("cannot parse \"{text}\"; the form is SET key = value"),
        ));
    };
    let refused = |code, e| {
        Err(ClientError::error(
            code,
            format!("SET {key} failed, configuration unchanged: {e}"),
        ))
    };
    match shared.set_option(&key, &value) {
        Ok(()) => Ok(Done {
            notices: Vec::new(),
            tag: "SET",
        }),
        // PostgreSQL's codes for the same refusals of its own SET.
        Err(e @ SetError::Unknown(_)) => refused(SqlState::UNDEFINED_OBJECT, e),
        Err(e @ SetError::Fixed(_)) => refused(SqlState::CANT_CHANGE_RUNTIME_PARAM, e),
        Err(e @ SetError::Value(_)) => refused(SqlState::INVALID_PARAMETER_VALUE, e),
    }
}

/// `SET key = value` / `SET key TO value`, the value bare or in single quotes ('' for
/// a quote inside); the key in lower case.
fn parse(text: &str) -> Option<(String, String)> {
    let rest = text
        .get(..3)?
        .eq_ignore_ascii_case("SET")
        .then(|| &text[3..])?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    let key_end = rest.find(|c: char| c.is_whitespace() || c == '=')?;
    let (key, rest) = rest.split_at(key_end);
    let rest = rest.trim_start();
    let value = if let Some(v) = rest.strip_prefix('=') {
        v
    } else {
        let to = rest.get(..2)?;
        if !to.eq_ignore_ascii_case("TO") {
            return None;
        }
        rest[2..].strip_prefix(char::is_whitespace)?
    }
    .trim();
    let value = match value.strip_prefix('\'') {
        Some(quoted) => quoted.strip_suffix('\'')?.replace("''", "'"),
        None if value.is_empty() || value.contains(char::is_whitespace) => return None,
        None => value.to_owned(),
    };
    Some((key.to_ascii_lowercase(), value))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_pgbouncer_forms() {
        let kv = |k: &str, v: &str| Some((k.to_owned(), v.to_owned()));
        assert_eq!(
            parse("SET max_client_conn = 50"),
            kv("max_client_conn", "50")
        );
        assert_eq!(parse("set MAX_CLIENT_CONN=50"), kv("max_client_conn", "50"));
        assert_eq!(
            parse("SET query_wait_timeout TO '250'"),
            kv("query_wait_timeout", "250")
        );
        assert_eq!(parse("SET x = 'it''s'"), kv("x", "it's"));
        assert_eq!(parse("SET x = ''"), kv("x", ""));
        for bad in [
            "SET",
            "SET x",
            "SET x =",
            "SETx = 1",
            "SET x = 1 2",
            "SET x = 'open",
            "SET x TO",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
