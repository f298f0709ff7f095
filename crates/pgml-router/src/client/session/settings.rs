//! Startup settings that follow the client (as in PgBouncer): when the client changes
//! one it gave at startup (`SET application_name`, a `set_config`), the server reports
//! the new value (ParameterStatus, just before ReadyForQuery) and it becomes the value
//! the client's later transactions get, on whatever server connection; `RESET` and
//! `DISCARD ALL` return to the startup values, the defaults of a connection of the
//! client's own.

use std::sync::Arc;

use pgwire::backend::ParameterStatus;

use pgwire::backend::TransactionStatus;
use pgwire::SqlState;

use super::{Rare, Session};
use crate::client::params::{self, ClientSettings};
use crate::client::reset::Effect;
use crate::error::ClientError;
use crate::pool::Checkout;
use crate::server::{QueryError, ServerConn};

/// A ParameterStatus from the attached server: a new value of a setting the client
/// gave at startup becomes its own. True when the client's settings changed.
pub(super) fn reported(
    settings: &mut Arc<ClientSettings>,
    rare: &mut Option<Box<Rare>>,
    status: &ParameterStatus,
) -> bool {
    let Some((list, mask)) = params::with_value(settings, status) else {
        return false;
    };
    let rare = rare.get_or_insert_default();
    rare.startup_settings
        .get_or_insert_with(|| Arc::clone(settings));
    rare.reported |= mask;
    *settings = params::shared_settings(list);
    true
}

/// A CommandComplete: remembers a `RESET` or `DISCARD ALL` until ReadyForQuery.
pub(super) fn note_reset(rare: &mut Option<Box<Rare>>, effect: Effect) {
    if matches!(effect, Effect::SettingsReset | Effect::Discarded) {
        let rare = rare.get_or_insert_default();
        if rare.reset != Some(Effect::Discarded) {
            rare.reset = Some(effect);
        }
    }
}

/// At ReadyForQuery, after statements that changed settings the client gave at
/// startup: `DISCARD ALL` returns all of them to their startup values, `RESET` the
/// ones it reported back at the connection's own defaults (as on a connection of the
/// client's own, where the startup values are the defaults); `SET` keeps the new ones.
pub(super) fn follow_reset(settings: &mut Arc<ClientSettings>, rare: &mut Rare, conn: &ServerConn) {
    let reported = std::mem::take(&mut rare.reported);
    let reset = rare.reset.take();
    let Some(startup) = &rare.startup_settings else {
        return;
    };
    match reset {
        Some(Effect::Discarded) => *settings = Arc::clone(startup),
        Some(_) if reported != 0 => {
            let mut mask = 0u64;
            for (i, (name, value)) in settings.list.iter().enumerate() {
                let bit = params::position_bit(i);
                let at_default = conn.login_value(name) == Some(value.as_str());
                if reported & bit != 0 && at_default {
                    mask |= bit;
                }
            }
            if mask != 0 {
                *settings = params::shared_settings(params::reverted(settings, startup, mask));
            }
        }
        _ => {}
    }
}

impl Session {
    /// Brings a freshly attached server connection to the client's startup settings.
    pub(super) async fn apply_settings(&self, checkout: &mut Checkout) -> Result<(), ClientError> {
        let wanted = &self.login.settings;
        let Some(sync) = params::sync_query(wanted, &checkout.conn) else {
            checkout.conn.synced_with = wanted.id;
            return Ok(());
        };
        // Boxed: only clients whose settings differ from the connection's get here.
        match Box::pin(checkout.conn.simple_query(&sync.query)).await {
            Ok(TransactionStatus::Idle) => {
                for name in &sync.resets {
                    checkout.conn.restore_default(name);
                }
                for (k, v) in &wanted.list {
                    checkout.conn.record_setting(k, v);
                }
                checkout.conn.synced_with = wanted.id;
                Ok(())
            }
            Ok(_) => Err(ClientError::fatal(
                SqlState::INTERNAL_ERROR,
                format!(
                    "pool {}: server connection not idle after applying settings",
                    self.login.pool.name()
                ),
            )),
            Err(QueryError::Server(resp)) => Err(ClientError::fatal(
                resp.code().unwrap_or(SqlState::INVALID_PARAMETER_VALUE),
                format!(
                    "pool {}: cannot apply the client's startup parameters: {}",
                    self.login.pool.name(),
                    resp.message().unwrap_or("server error")
                ),
            )),
            Err(QueryError::Broken(e)) => Err(ClientError::fatal(
                SqlState::CONNECTION_FAILURE,
                format!(
                    "server connection of pool {} was lost: {e}",
                    self.login.pool.name()
                ),
            )),
        }
    }
}
