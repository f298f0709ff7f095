//! Client startup parameters (`application_name`, `client_encoding`, `DateStyle`,
//! `TimeZone`, any GUC) on shared server connections.
//!
//! Each server connection remembers the values it was given. When a client is
//! attached to one whose values differ from what the client asked for at startup, the
//! router first runs one `SELECT set_config(...)` on it. Values a client changes later
//! with `SET` stay on the server connection (reported back through ParameterStatus and
//! recorded), as in PgBouncer's transaction mode.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use pgwire::backend::ParameterStatus;

use crate::server::ServerConn;

/// The settings a client asked for at startup, shared by the clients that asked for
/// the same ones.
#[derive(Debug, PartialEq, Eq)]
pub struct ClientSettings {
    /// Name and value, in the order given.
    pub list: SettingsList,
    /// Identical lists share an id (never 0); 0: not shared (see [`MAX_SHARED`]).
    /// A server connection brought to the list with this id, and not changed since
    /// (`ServerConn::synced_with`), is known to fit it without comparing.
    pub id: u64,
}

/// How many distinct settings lists are shared; clients with others get a list of
/// their own (id 0), compared in full at every checkout.
const MAX_SHARED: usize = 4096;

/// A settings list, as a client gave it.
pub type SettingsList = Vec<(String, String)>;

static SHARED: LazyLock<Mutex<HashMap<SettingsList, Arc<ClientSettings>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The shared [`ClientSettings`] for `list`: one allocation per distinct list, not one
/// per client.
pub fn shared_settings(list: SettingsList) -> Arc<ClientSettings> {
    let mut shared = SHARED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = shared.get(&list) {
        return Arc::clone(found);
    }
    if shared.len() >= MAX_SHARED {
        return Arc::new(ClientSettings { list, id: 0 });
    }
    let settings = Arc::new(ClientSettings {
        list: list.clone(),
        id: shared.len() as u64 + 1,
    });
    shared.insert(list, Arc::clone(&settings));
    settings
}

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

/// The bit of entry `i` of a settings list in a position mask (none past the 64th).
pub fn position_bit(i: usize) -> u64 {
    u32::try_from(i)
        .ok()
        .and_then(|i| 1u64.checked_shl(i))
        .unwrap_or(0)
}

/// `settings` with the value a ParameterStatus reports, when it names one of them with
/// another value (names are case-insensitive), and a mask of the positions changed
/// (bit i: entry i, for the first 64); `None` otherwise.
pub fn with_value(
    settings: &ClientSettings,
    status: &ParameterStatus,
) -> Option<(SettingsList, u64)> {
    let names = |k: &String| k.eq_ignore_ascii_case(&status.name);
    if !settings
        .list
        .iter()
        .any(|(k, v)| names(k) && *v != status.value)
    {
        return None;
    }
    let mut mask = 0u64;
    let list = settings
        .list
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            if names(k) {
                mask |= position_bit(i);
                (k.clone(), status.value.clone())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    Some((list, mask))
}

/// `settings` with the entries of `mask` (see [`with_value`]) back at their values in
/// `startup`, the list `settings` was derived from (`RESET`: the client's startup value
/// is the default it returns to).
pub fn reverted(settings: &ClientSettings, startup: &ClientSettings, mask: u64) -> SettingsList {
    settings
        .list
        .iter()
        .zip(&startup.list)
        .enumerate()
        .map(|(i, (now, first))| {
            if mask & position_bit(i) != 0 {
                first.clone()
            } else {
                now.clone()
            }
        })
        .collect()
}

/// The query that brings `server` to the client's settings, if any differ (none when
/// the connection was last brought to this very list and has not changed since).
pub fn sync_query(wanted: &ClientSettings, server: &ServerConn) -> Option<String> {
    if wanted.id != 0 && server.synced_with == wanted.id {
        return None;
    }
    let calls: Vec<String> = wanted
        .list
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

    #[test]
    fn a_reported_change_of_a_startup_setting_replaces_its_value() {
        let settings = shared_settings(pairs(&[("application_name", "a"), ("DateStyle", "ISO")]));
        let status = |name: &str, value: &str| ParameterStatus {
            name: name.to_owned(),
            value: value.to_owned(),
        };
        let (changed, mask) = with_value(&settings, &status("datestyle", "German")).unwrap();
        assert_eq!(
            changed,
            pairs(&[("application_name", "a"), ("DateStyle", "German")])
        );
        assert_eq!(mask, 0b10);
        // RESET of what was reported: back to the startup value, the rest kept.
        let changed = shared_settings(changed);
        let (both, mask2) = with_value(&changed, &status("application_name", "b")).unwrap();
        let both = shared_settings(both);
        assert_eq!(
            reverted(&both, &settings, mask2),
            pairs(&[("application_name", "a"), ("DateStyle", "German")])
        );
        // Same value, or a setting the client did not ask for: nothing to follow.
        assert_eq!(with_value(&settings, &status("DateStyle", "ISO")), None);
        assert_eq!(with_value(&settings, &status("TimeZone", "UTC")), None);
    }

    #[test]
    fn identical_settings_lists_are_shared() {
        let a = pairs(&[("application_name", "shared-settings-test-a")]);
        let b = pairs(&[("application_name", "shared-settings-test-b")]);
        let (sa, sb) = (shared_settings(a.clone()), shared_settings(b));
        assert_ne!(sa.id, 0);
        assert_ne!(sb.id, 0);
        assert_ne!(sa.id, sb.id);
        let again = shared_settings(a.clone());
        assert!(Arc::ptr_eq(&sa, &again));
        assert_eq!(again.list, a);
        // Order matters (a later value of the same name wins), so it is part of the key.
        let ab = shared_settings(pairs(&[("x", "1"), ("y", "2")]));
        let ba = shared_settings(pairs(&[("y", "2"), ("x", "1")]));
        assert_ne!(ab.id, ba.id);
    }
}
