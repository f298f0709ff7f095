//! Client startup parameters (`application_name`, `client_encoding`, `DateStyle`,
//! `TimeZone`, any GUC) on shared server connections.
//!
//! Each server connection remembers the values it was given. When a client is
//! attached to one whose values differ from what the client asked for at startup, the
//! router first runs one `SELECT set_config(...)` on it. Values a client changes later
//! with `SET` stay on the server connection (reported back through ParameterStatus and
//! recorded), as in PgBouncer's transaction mode.

use crate::server::ServerConn;

/// Startup keys that are not settings.
fn is_setting(name: &str) -> bool {
    !matches!(name, "user" | "database" | "options" | "replication") && !name.starts_with("_pq_.")
}

/// The settings a client asked for in its StartupMessage, in order, including the
/// `-c name=value` / `--name=value` switches of `options` (space-separated; backslash
/// escapes are not supported).
pub fn client_settings(parameters: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = parameters
        .iter()
        .filter(|(k, _)| is_setting(k))
        .cloned()
        .collect();
    if let Some((_, options)) = parameters.iter().find(|(k, _)| k == "options") {
        out.extend(parse_options(options));
    }
    out
}

fn parse_options(options: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut words = options.split_whitespace();
    while let Some(word) = words.next() {
        let assignment = if word == "-c" {
            words.next()
        } else {
            word.strip_prefix("-c").or_else(|| word.strip_prefix("--"))
        };
        if let Some((k, v)) = assignment.and_then(|a| a.split_once('=')) {
            if !k.is_empty() {
                out.push((k.replace('-', "_"), v.to_owned()));
            }
        }
    }
    out
}

/// The ParameterStatus list to send a client at login: the server's, with the values
/// the client asked for in place of the server's defaults.
pub fn reported_to_client(
    server: Vec<(String, String)>,
    wanted: &[(String, String)],
) -> Vec<(String, String)> {
    server
        .into_iter()
        .map(|(k, v)| {
            let value = wanted
                .iter()
                .find(|(w, _)| w.eq_ignore_ascii_case(&k))
                .map(|(_, wv)| wv.clone())
                .unwrap_or(v);
            (k, value)
        })
        .collect()
}

/// The query that brings `server` to the client's settings, if any differ.
pub fn sync_query(wanted: &[(String, String)], server: &ServerConn) -> Option<String> {
    let calls: Vec<String> = wanted
        .iter()
        .filter(|(k, v)| server.setting(k) != Some(v.as_str()))
        .map(|(k, v)| format!("set_config({}, {}, false)", literal(k), literal(v)))
        .collect();
    if calls.is_empty() {
        None
    } else {
        Some(format!("SELECT {}", calls.join(", ")))
    }
}

/// A standard-conforming SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn keeps_only_settings_and_overrides_reported_values() {
        let startup = pairs(&[
            ("user", "u"),
            ("database", "d"),
            ("application_name", "psql"),
            ("datestyle", "ISO, DMY"),
            ("_pq_.x", "1"),
        ]);
        let wanted = client_settings(&startup);
        assert_eq!(
            wanted,
            pairs(&[("application_name", "psql"), ("datestyle", "ISO, DMY")])
        );
        let server = pairs(&[("DateStyle", "ISO, MDY"), ("server_version", "15")]);
        assert_eq!(
            reported_to_client(server, &wanted),
            pairs(&[("DateStyle", "ISO, DMY"), ("server_version", "15")])
        );
        assert_eq!(literal("it's"), "'it''s'");
        let with_options = pairs(&[("options", "-c search_path=a,b --work-mem=64kB -cx=1 junk")]);
        assert_eq!(
            client_settings(&with_options),
            pairs(&[("search_path", "a,b"), ("work_mem", "64kB"), ("x", "1")])
        );
    }
}
