//! A session's share of PgCat's mirrors: what the client sends to a server that has
//! mirrors is copied to this session's own connections to them (see `pool::mirror`).

use super::Session;
use crate::pool::MirrorLink;

/// This session's connections to the mirrors of one server.
#[derive(Debug)]
pub(super) struct SessionMirrors {
    host: String,
    port: u16,
    links: Vec<MirrorLink>,
}

impl Session {
    /// Copies `data`, just sent to the attached server, to that server's mirrors.
    pub(super) fn send_to_mirrors(&mut self, data: &[u8]) {
        let Some(server) = self.server.as_ref() else {
            return;
        };
        let target = &server.member().target;
        let rare = self.rare.get_or_insert_default();
        let same = rare
            .mirrors
            .as_ref()
            .is_some_and(|m| m.host == target.host && m.port == target.port);
        if !same {
            // The first mirrored message, or a transaction on another server: this
            // session's links follow the server it now uses.
            rare.mirrors = Some(SessionMirrors {
                host: target.host.clone(),
                port: target.port,
                links: server.open_mirrors(),
            });
        }
        if let Some(mirrors) = rare.mirrors.as_mut() {
            let pool = self.login.pool.name();
            for link in &mut mirrors.links {
                link.send(&pool, data);
            }
        }
    }
}
