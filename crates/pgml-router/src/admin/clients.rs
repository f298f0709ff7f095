//! `SHOW CLIENTS`: one row per logged-in pool client (a subset of PgBouncer's columns).

use super::ShowCommand;
use crate::registry::epoch_seconds;
use crate::Shared;

/// Logged-in clients.
pub struct Clients;

impl ShowCommand for Clients {
    fn name(&self) -> &'static str {
        "CLIENTS"
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
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        shared
            .clients
            .snapshot()
            .iter()
            .map(|c| {
                vec![
                    "C".to_owned(),
                    c.user.clone(),
                    c.database.clone(),
                    c.state.label("cl_"),
                    c.addr.ip().to_string(),
                    c.addr.port().to_string(),
                    epoch_seconds(c.connect_time).to_string(),
                ]
            })
            .collect()
    }
}
