//! Client startup parameters (`application_name`, `client_encoding`, `DateStyle`,
//! `TimeZone`, any GUC) on shared server connections.
//!
//! Each server connection remembers the values it was given. When a client is
//! attached to one whose values differ from what the client asked for at startup, the
//! router first runs one `SELECT set_config(...)` on it; settings another client
//! brought the connection to and this client did not ask for go back to their
//! defaults in the same query (`set_config(name, NULL, false)` is a `RESET`), so no
//! client runs with another's `search_path` or `TimeZone`. Values a client changes
//! later stay its own (see `client::session::settings`): those it gave at startup, and
//! those of [`FOLLOWED`] (PgBouncer's tracked parameters and a few more).

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

/// Settings the server reports (ParameterStatus) that a client may change: a client
/// that changes one (`SET TimeZone ...`) keeps the new value on the connections its
/// later transactions get, as with PgBouncer, whether or not it gave it at startup.
const FOLLOWED: [&str; 7] = [
    "application_name",
    "client_encoding",
    "DateStyle",
    "IntervalStyle",
    "TimeZone",
    "standard_conforming_strings",
    "default_transaction_read_only",
];

/// Whether a reported setting is one a client's change of is followed.
pub fn is_followed(name: &str) -> bool {
    FOLLOWED.iter().any(|f| f.eq_ignore_ascii_case(name))
}

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
    if !settings.list.iter().any(|(k, _)| names(k)) {
        // Not given at startup: a followed setting is added (its startup value is the
        // default, see `reverted`).
        if !is_followed(&status.name) {
            return None;
        }
        let mut list = settings.list.clone();
        list.push((status.name.clone(), status.value.clone()));
        return Some((list, position_bit(settings.list.len())));
    }
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
/// is the default it returns to); entries added since startup are dropped (back at the
/// server's default).
pub fn reverted(settings: &ClientSettings, startup: &ClientSettings, mask: u64) -> SettingsList {
    settings
        .list
        .iter()
        .enumerate()
        .filter_map(|(i, now)| {
            let reset = mask & position_bit(i) != 0;
            match startup.list.get(i) {
                Some(first) if reset => Some(first.clone()),
                None if reset => None,
                _ => Some(now.clone()),
            }
        })
        .collect()
}

/// What brings a server connection to a client's settings: the query, and the
/// settings it returns to their defaults.
#[derive(Debug, PartialEq, Eq)]
pub struct Sync {
    pub query: String,
    pub resets: Vec<String>,
}

/// The query that brings `server` to the client's settings, if any differ (none when
/// the connection was last brought to this very list and has not changed since):
/// the client's values, and defaults for what the connection has from others.
pub fn sync_query(wanted: &ClientSettings, server: &ServerConn) -> Option<Sync> {
    if wanted.id != 0 && server.synced_with == wanted.id {
        return None;
    }
    let mut calls: Vec<String> = wanted
        .list
        .iter()
        .filter(|(k, v)| server.setting(k) != Some(v.as_str()))
        .map(|(k, v)| format!("set_config({}, {}, false)", literal(k), literal(v)))
        .collect();
    let resets: Vec<String> = server
        .settings
        .iter()
        .filter(|(k, v)| {
            let login = server.login_value(k);
            // Reported ones other than [`FOLLOWED`] are the server's own facts
            // (`in_hot_standby`) or change only with statements that get the
            // connection a `DISCARD ALL` anyway (`is_superuser`): not reset.
            login != Some(v.as_str())
                && (login.is_none() || is_followed(k))
                && !wanted.list.iter().any(|(w, _)| w.eq_ignore_ascii_case(k))
        })
        .map(|(k, _)| k.clone())
        .collect();
    calls.extend(
        resets
            .iter()
            .map(|k| format!("set_config({}, NULL, false)", literal(k))),
    );
    if calls.is_empty() {
        None
    } else {
        Some(Sync {
            query: format!("SELECT {}", calls.join(", ")),
            resets,
        })
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
        // Same value, or a setting that is not followed: nothing to follow.
        assert_eq!(with_value(&settings, &status("DateStyle", "ISO")), None);
        assert_eq!(with_value(&settings, &status("is_superuser", "on")), None);
    }

    #[test]
    fn a_followed_setting_not_given_at_startup_is_added_and_reset_drops_it() {
        let startup = shared_settings(pairs(&[("application_name", "a")]));
        let status = ParameterStatus {
            name: "TimeZone".to_owned(),
            value: "Asia/Tokyo".to_owned(),
        };
        let (added, mask) = with_value(&startup, &status).unwrap();
        assert_eq!(
            added,
            pairs(&[("application_name", "a"), ("TimeZone", "Asia/Tokyo")])
        );
        assert_eq!(mask, 0b10);
        let added = shared_settings(added);
        // RESET of it: back at the default, i.e. not in the list any more.
        assert_eq!(
            reverted(&added, &startup, mask),
            pairs(&[("application_name", "a")])
        );
        // RESET of the other one keeps it.
        assert_eq!(
            reverted(&added, &startup, 0b01),
            pairs(&[("application_name", "a"), ("TimeZone", "Asia/Tokyo")])
        );
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
