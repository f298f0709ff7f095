//! Which server of a pool a transaction goes to: the shard the client chose, the role
//! the query parser, the client or `default_role` asks for, then the load-balancing
//! mode among the servers left; banned servers come last.

use rand::seq::SliceRandom;

use super::Pool;
use crate::config::{LoadBalancing, ServerRole};

/// Where a transaction should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Route {
    /// Shard number (checked against the pool's shards by the caller).
    pub shard: usize,
    /// `None`: any server of the shard.
    pub role: Option<ServerRole>,
    /// The model the transaction loads (see `model_key`), for model affinity.
    pub model: Option<u64>,
}

impl Pool {
    /// Member indexes `route` may use, best first: the shard's servers of the role (all
    /// of the shard's servers when none has it), ordered by the load-balancing mode,
    /// banned ones last (tried only when no other answers).
    pub(super) fn candidates(&self, route: Route) -> Vec<usize> {
        let members = self.members();
        let in_shard = || (0..members.len()).filter(|&i| members[i].shard == route.shard);
        let mut order: Vec<usize> = in_shard()
            .filter(|&i| route.role.is_none_or(|r| members[i].role == r))
            .collect();
        if order.is_empty() {
            order = in_shard().collect();
        }
        if order.is_empty() {
            // A shard number past the last shard: the caller checks, shard 0 stands in.
            order = (0..members.len())
                .filter(|&i| members[i].shard == 0)
                .collect();
        }
        order.shuffle(&mut rand::rng());
        if self.routing.load_balancing == LoadBalancing::Loc {
            // Stable: servers with as many free slots stay in random order.
            order.sort_by_key(|&i| std::cmp::Reverse(members[i].free_slots()));
        }
        order.sort_by_key(|&i| members[i].is_banned());
        order
    }
}
