//! `SHOW SERVERS`: one row per open server connection (a subset of PgBouncer's
//! columns).

use super::ShowCommand;
use crate::registry::epoch_seconds;
use crate::Shared;

/// Open server connections of every pool.
pub struct Servers;

impl ShowCommand for Servers {
    fn name(&self) -> &'static str {
        "SERVERS"
    }

    fn columns(&self) -> &'static [&'static str] {
        &[
            "type",
            "user",
            "database",
            "state",
            "addr",
            "port",
            "connect_time",
            "remote_pid",
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        shared
            .pools
            .all()
            .iter()
            .flat_map(|p| p.server_infos())
            .map(|s| {
                vec![
                    "S".to_owned(),
                    s.user.clone(),
                    s.database.clone(),
                    s.state.label("sv_"),
                    s.host.clone(),
                    s.port.to_string(),
                    epoch_seconds(s.connect_time).to_string(),
                    s.backend_pid.to_string(),
                ]
            })
            .collect()
    }
}
