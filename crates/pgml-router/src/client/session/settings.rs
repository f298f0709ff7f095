//! Startup settings that follow the client (as in PgBouncer): when the client changes
//! one it gave at startup (`SET application_name`, a `set_config`), the server reports
//! the new value (ParameterStatus, just before ReadyForQuery) and it becomes the value
//! the client's later transactions get, on whatever server connection; `RESET` and
//! `DISCARD ALL` return to the startup values, the defaults of a connection of the
//! client's own.

use std::sync::Arc;

use bytes::BytesMut;

use pgwire::backend::ParameterStatus;

use pgwire::backend::TransactionStatus;
use pgwire::SqlState;

use super::{Rare, Session};
use crate::client::params::{self, ClientSettings};
use crate::client::reset::Effect;
use crate::error::ClientError;
use crate::pool::{Checkout, Pool};
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
/// The server connection is then brought back to them (`restore_after_reset`). True
/// when the client's settings changed.
pub(super) fn follow_reset(
    settings: &mut Arc<ClientSettings>,
    rare: &mut Rare,
    conn: &ServerConn,
) -> bool {
    let reported = std::mem::take(&mut rare.reported);
    let reset = rare.reset.take();
    rare.restore |= reset.is_some();
    let Some(startup) = &rare.startup_settings else {
        return false;
    };
    match reset {
        Some(Effect::Discarded) => {
            let changed = !Arc::ptr_eq(settings, startup);
            *settings = Arc::clone(startup);
            changed
        }
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
            mask != 0
        }
        _ => false,
    }
}

/// After `RESET` or `DISCARD ALL` the server's settings are back at its connection's
/// defaults, which are the router's login values; on a connection of the client's own
/// they would be the client's startup values. Once nothing is in flight and the
/// transaction has not failed, those are applied again, before the ReadyForQuery that
/// ends `out` (the caller makes sure one does) reaches the client, and the ParameterStatus
/// messages the server reports for them go to the client just before it. False while that
/// has to wait (the next quiet ReadyForQuery tries again).
pub(super) async fn restore_after_reset(
    wanted: &ClientSettings,
    conn: &mut ServerConn,
    pool: &Pool,
    status: TransactionStatus,
    out: &mut BytesMut,
) -> Result<bool, ClientError> {
    const READY_LEN: usize = 6;
    if status == TransactionStatus::Failed || out.len() < READY_LEN {
        return Ok(false);
    }
    let Some(sync) = params::sync_query(wanted, conn) else {
        conn.synced_with = wanted.id;
        return Ok(true);
    };
    let ready = out.split_off(out.len() - READY_LEN);
    run_sync(wanted, conn, &sync, pool, status, Some(out)).await?;
    out.unsplit(ready);
    Ok(true)
}

/// Runs `sync` on `conn`, which must end in `status`, and records the settings it
/// brought; the server's ParameterStatus messages go to `reports` if given.
async fn run_sync(
    wanted: &ClientSettings,
    conn: &mut ServerConn,
    sync: &params::Sync,
    pool: &Pool,
    status: TransactionStatus,
    reports: Option<&mut BytesMut>,
) -> Result<(), ClientError> {
    let ran = match reports {
        Some(reports) => conn.query_reporting(&sync.query, reports).await,
        None => conn.simple_query(&sync.query).await,
    };
    match ran {
        Ok(now) if now == status => {
            for name in &sync.resets {
                conn.restore_default(name);
            }
            for (k, v) in &wanted.list {
                conn.record_setting(k, v);
            }
            conn.synced_with = wanted.id;
            Ok(())
        }
        Ok(now) => Err(ClientError::fatal(
            SqlState::INTERNAL_ERROR,
            format!(
                "pool {}: server connection in state {now:?} after applying settings",
                pool.name()
            ),
        )),
        Err(QueryError::Server(resp)) => Err(ClientError::fatal(
            resp.code().unwrap_or(SqlState::INVALID_PARAMETER_VALUE),
            format!(
                "pool {}: cannot apply the client's startup parameters: {}",
                pool.name(),
                resp.message().unwrap_or("server error")
            ),
        )),
        Err(QueryError::Broken(e)) => Err(ClientError::fatal(
            SqlState::CONNECTION_FAILURE,
            format!("server connection of pool {} was lost: {e}", pool.name()),
        )),
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
        Box::pin(run_sync(
            wanted,
            &mut checkout.conn,
            &sync,
            &self.login.pool,
            TransactionStatus::Idle,
            None,
        ))
        .await
    }
}
