//! `SHOW CLIENTS`: one row per logged-in pool client, PgBouncer's columns.

use std::time::Instant;

use super::{Column, ShowCommand, Type::*};
use crate::registry::utc_timestamp;
use crate::Shared;

/// The columns of `SHOW CLIENTS` and `SHOW SERVERS` (PgBouncer 1.18's, the same for
/// both).
pub(super) const SOCKET_COLUMNS: &[Column] = &[
    ("type", Text),
    ("user", Text),
    ("database", Text),
    ("state", Text),
    ("addr", Text),
    ("port", Int4),
    ("local_addr", Text),
    ("local_port", Int4),
    ("connect_time", Text),
    ("request_time", Text),
    ("wait", Int4),
    ("wait_us", Int4),
    ("close_needed", Int4),
    ("ptr", Text),
    ("link", Text),
    ("remote_pid", Int4),
    ("tls", Text),
    ("application_name", Text),
];

/// Logged-in clients.
pub struct Clients;

impl ShowCommand for Clients {
    fn name(&self) -> &'static str {
        "CLIENTS"
    }

    fn columns(&self) -> &'static [Column] {
        SOCKET_COLUMNS
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        let now = Instant::now();
        shared
            .clients
            .snapshot()
            .iter()
            .map(|c| {
                let waited = c.waiting_for(now);
                let (local_addr, local_port) = match c.local {
                    Some(a) => (a.ip().to_string(), a.port().to_string()),
                    None => (String::new(), "0".to_owned()),
                };
                let connected = utc_timestamp(c.connect_time);
                vec![
                    "C".to_owned(),
                    c.names.user.clone(),
                    c.names.database.clone(),
                    c.state.client_label().to_owned(),
                    c.addr.ip().to_string(),
                    c.addr.port().to_string(),
                    local_addr,
                    local_port,
                    connected.clone(),
                    c.request
                        .wall_clock()
                        .map(utc_timestamp)
                        .unwrap_or(connected),
                    waited.as_secs().to_string(),
                    waited.subsec_micros().to_string(),
                    "0".to_owned(),
                    format!("{:#x}", std::ptr::from_ref(&**c) as usize),
                    String::new(),
                    "0".to_owned(),
                    if c.tls { "TLS" } else { "" }.to_owned(),
                    c.application_name(),
                ]
            })
            .collect()
    }
}
