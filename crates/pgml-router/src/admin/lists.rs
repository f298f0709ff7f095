//! `SHOW LISTS`: how many of each kind of object the router holds, PgBouncer's rows
//! (its allocator's free lists and DNS cache do not exist here: 0).

use std::collections::HashSet;

use super::{Column, ShowCommand, Type::*};
use crate::Shared;

/// Object counts.
pub struct Lists;

impl ShowCommand for Lists {
    fn name(&self) -> &'static str {
        "LISTS"
    }

    fn columns(&self) -> &'static [Column] {
        &[("list", Text), ("items", Int4)]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        let pools = shared.pools.all();
        let databases: HashSet<&str> = pools.iter().map(|p| p.database.as_str()).collect();
        let users: HashSet<&str> = pools.iter().map(|p| p.user.as_str()).collect();
        // Pools a reload retired still hold their busy connections until they close.
        let servers: usize = shared
            .pools
            .with_retired()
            .iter()
            .map(|p| p.server_infos().len())
            .sum();
        let counts = [
            ("databases", databases.len()),
            ("users", users.len()),
            ("pools", pools.len()),
            ("free_clients", 0),
            ("used_clients", shared.clients.snapshot().len()),
            ("login_clients", shared.logging_in.get() as usize),
            ("free_servers", 0),
            ("used_servers", servers),
            ("dns_names", 0),
            ("dns_zones", 0),
            ("dns_queries", 0),
            ("dns_pending", 0),
        ];
        counts
            .iter()
            .map(|(name, n)| vec![(*name).to_owned(), n.to_string()])
            .collect()
    }
}
