//! `SHOW USERS`: one row per configured user name, PgBouncer 1.18's columns and 1.21's
//! `max_user_connections` / `current_connections`.

use std::collections::BTreeMap;

use super::{Column, ShowCommand, Type::*};
use crate::config::PoolMode;
use crate::Shared;

/// Configured users and their `pool_mode` override.
pub struct Users;

impl Users {
    /// Each user name with its override: PgBouncer prints NULL when the user has none
    /// (its pools use the database's `pool_mode`). Users are listed per database here
    /// (PgCat's layout), so a name listed under several databases shows its override
    /// only when every listing gives the same one; otherwise NULL, and `SHOW POOLS`
    /// has the mode of each pool.
    fn overrides(shared: &Shared) -> BTreeMap<String, Option<PoolMode>> {
        let loaded = shared.loaded();
        let mut users: BTreeMap<String, Option<Option<PoolMode>>> = BTreeMap::new();
        for pool in loaded.config.pools.values() {
            for user in pool.users.values() {
                users
                    .entry(user.username.clone())
                    .and_modify(|seen| {
                        if *seen != Some(user.pool_mode) {
                            *seen = None;
                        }
                    })
                    .or_insert(Some(user.pool_mode));
            }
        }
        users
            .into_iter()
            .map(|(name, mode)| (name, mode.flatten()))
            .collect()
    }
}

impl ShowCommand for Users {
    fn name(&self) -> &'static str {
        "USERS"
    }

    fn columns(&self) -> &'static [Column] {
        &[
            ("name", Text),
            ("pool_mode", Text),
            ("max_user_connections", Int4),
            ("current_connections", Int4),
        ]
    }

    /// NULL `pool_mode` is the empty string here; [`ShowCommand::cells`] has the NULLs.
    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        self.cells(shared)
            .into_iter()
            .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
            .collect()
    }

    fn cells(&self, shared: &Shared) -> Vec<Vec<Option<String>>> {
        let pools = shared.pools.all();
        Users::overrides(shared)
            .into_iter()
            .map(|(name, mode)| {
                // PgBouncer 1.21's columns: the user's limit (0: none) and its server
                // connections, all databases together (one count per user name).
                let limit = pools
                    .iter()
                    .find(|p| p.user == name)
                    .map(|p| (p.user_limit.max(), p.user_limit.open()));
                let (max, open) = limit.unwrap_or((0, 0));
                vec![
                    Some(name),
                    mode.map(|m| m.as_str().to_owned()),
                    Some(max.to_string()),
                    Some(open.to_string()),
                ]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::Config;

    #[test]
    fn override_or_null_per_user_name() {
        let text = r#"
[general]
admin_username = "admin"
admin_password = "pw"
[pools.a]
pool_mode = "transaction"
[pools.a.users.0]
username = "plain"
password = "x"
pool_size = 1
[pools.a.users.1]
username = "sess"
password = "x"
pool_size = 1
pool_mode = "session"
[pools.a.users.2]
username = "mixed"
password = "x"
pool_size = 1
pool_mode = "session"
[pools.a.shards.0]
database = "d"
servers = [["127.0.0.1", 5432, "primary"]]
[pools.b]
[pools.b.users.0]
username = "sess"
password = "x"
pool_size = 1
pool_mode = "session"
[pools.b.users.1]
username = "mixed"
password = "x"
pool_size = 1
[pools.b.shards.0]
database = "d"
servers = [["127.0.0.1", 5432, "primary"]]
"#;
        let shared = Shared::new(Config::parse(text, "t").unwrap()).unwrap();
        let cells = Users.cells(&shared);
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            cells,
            vec![
                vec![s("mixed"), None, s("0"), s("0")],
                vec![s("plain"), None, s("0"), s("0")],
                vec![s("sess"), s("session"), s("0"), s("0")],
            ]
        );
        assert_eq!(
            Users.rows(&shared)[0],
            vec![
                "mixed".to_owned(),
                String::new(),
                "0".to_owned(),
                "0".to_owned()
            ]
        );
    }
}
