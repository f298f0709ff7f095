//! `SHOW SERVERS`: one row per open server connection, PgBouncer's columns, those of
//! pools a reload retired included (`close_needed` 1 until they close).

use super::clients::SOCKET_COLUMNS;
use super::{Column, ShowCommand};
use crate::registry::utc_timestamp;
use crate::Shared;

/// Open server connections of every pool.
pub struct Servers;

impl ShowCommand for Servers {
    fn name(&self) -> &'static str {
        "SERVERS"
    }

    fn columns(&self) -> &'static [Column] {
        SOCKET_COLUMNS
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        shared
            .pools
            .with_retired()
            .iter()
            .flat_map(|p| p.server_infos().into_iter().map(move |s| (p, s)))
            .map(|(p, s)| {
                let (local_addr, local_port) = match s.local {
                    Some(a) => (a.ip().to_string(), a.port().to_string()),
                    None => (String::new(), "0".to_owned()),
                };
                let connected = utc_timestamp(s.connect_time);
                vec![
                    "S".to_owned(),
                    s.user.clone(),
                    s.database.clone(),
                    s.state.server_label().to_owned(),
                    s.host.clone(),
                    s.port.to_string(),
                    local_addr,
                    local_port,
                    connected.clone(),
                    s.request
                        .wall_clock()
                        .map(utc_timestamp)
                        .unwrap_or(connected),
                    "0".to_owned(),
                    "0".to_owned(),
                    u8::from(p.close_needed(&s)).to_string(),
                    format!("{:#x}", std::ptr::from_ref(&*s) as usize),
                    String::new(),
                    s.backend_pid.to_string(),
                    if s.tls { "TLS" } else { "" }.to_owned(),
                    String::new(),
                ]
            })
            .collect()
    }
}
