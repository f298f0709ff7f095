//! Per-backend model cache. A backend is one client connection: models are deserialised once
//! per backend and dropped with it.
//!
//! Which model a project serves is cached too, so a predict costs no SPI query once warm. It
//! stays correct through PostgreSQL's own invalidation machinery: every change to
//! `pgml.deployments` (by `pgml.deploy`, `pgml.train` or plain SQL) fires a statement trigger
//! that queues a relcache invalidation for that table. Invalidations are sent at commit and
//! read by every backend at the start of its next transaction, where `on_relcache_invalidation`
//! empties the cache: a new deployment is seen at each backend's next predict, and a rolled-back
//! one never is.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use pgml_core::model::Model;
use pgml_core::{Error, Result, SqlState};
use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::spi;

thread_local! {
    static MODELS: RefCell<HashMap<i64, Rc<Model>>> = RefCell::new(HashMap::new());
    static DEPLOYED: RefCell<HashMap<String, Rc<Model>>> = RefCell::new(HashMap::new());
    /// The oid of `pgml.deployments` whose invalidations empty the cache; None until looked up
    /// (and again after each invalidation, in case the extension was re-created).
    static WATCHED: Cell<Option<pg_sys::Oid>> = const { Cell::new(None) };
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
    /// Set by the invalidation callback when it could not clear the maps right away.
    static STALE: Cell<bool> = const { Cell::new(false) };
}

unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    // Called by PostgreSQL inside invalidation processing: must not raise or panic.
    let watched = WATCHED.with(Cell::get);
    if relid == pg_sys::InvalidOid || watched.is_none() || watched == Some(relid) {
        STALE.with(|s| s.set(true));
    }
}

/// Empties the maps if an invalidation arrived since the last look.
fn drop_stale_entries() {
    if STALE.with(|s| s.replace(false)) {
        DEPLOYED.with(|d| d.borrow_mut().clear());
        MODELS.with(|m| m.borrow_mut().clear());
        WATCHED.with(|w| w.set(None));
    }
}

fn watch_deployments() -> Result<()> {
    if !CALLBACK_REGISTERED.with(Cell::get) {
        // SAFETY: registers a plain function for the life of the backend; PostgreSQL keeps a
        // fixed-size table of callbacks and ERRORs (not crashes) if it is full.
        unsafe {
            pg_sys::CacheRegisterRelcacheCallback(
                Some(on_relcache_invalidation),
                pg_sys::Datum::from(0),
            )
        };
        CALLBACK_REGISTERED.with(|r| r.set(true));
    }
    if WATCHED.with(Cell::get).is_none() {
        let oid = spi::deployments_oid()?;
        WATCHED.with(|w| w.set(Some(oid)));
    }
    Ok(())
}

/// The model with this id, from the cache or the registry.
pub fn model(model_id: i64) -> Result<Rc<Model>> {
    drop_stale_entries();
    if let Some(model) = MODELS.with(|m| m.borrow().get(&model_id).cloned()) {
        return Ok(model);
    }
    watch_deployments()?;
    let bytes = spi::model_bytes(model_id)?.ok_or_else(|| {
        Error::sql(
            SqlState::UndefinedObject,
            format!("model {model_id} does not exist"),
            "pgml.trained_models lists the models that exist",
        )
    })?;
    let model = Rc::new(Model::from_bytes(&bytes)?);
    MODELS.with(|m| m.borrow_mut().insert(model_id, model.clone()));
    Ok(model)
}

/// The model currently deployed for `project_name`.
pub fn deployed(project_name: &str) -> Result<Rc<Model>> {
    drop_stale_entries();
    if let Some(model) = DEPLOYED.with(|d| d.borrow().get(project_name).cloned()) {
        return Ok(model);
    }
    watch_deployments()?;
    let model = match spi::current_deployment(project_name)? {
        Some((_, model_id)) => model(model_id)?,
        None => return Err(match spi::find_project(project_name)? {
            Some(_) => Error::sql(
                SqlState::UndefinedObject,
                format!("project \"{project_name}\" has no deployed model"),
                "deploy one with pgml.deploy(project_name, strategy => 'most_recent')",
            ),
            None => Error::sql(
                SqlState::UndefinedObject,
                format!("project \"{project_name}\" does not exist"),
                "train it first with pgml.train(project_name, task, relation_name, y_column_name)",
            ),
        }),
    };
    DEPLOYED.with(|d| {
        d.borrow_mut()
            .insert(project_name.to_owned(), model.clone())
    });
    Ok(model)
}

/// Statement trigger on `pgml.deployments`: queue a relcache invalidation of the table, which
/// PostgreSQL delivers to every backend once this transaction commits.
#[pg_trigger]
fn deployments_changed<'a>(
    trigger: &'a pgrx::PgTrigger<'a>,
) -> std::result::Result<
    Option<pgrx::heap_tuple::PgHeapTuple<'a, pgrx::AllocatedByPostgres>>,
    pgrx::PgTriggerError,
> {
    // SAFETY: the trigger's relation is open for the duration of the trigger call.
    unsafe { pg_sys::CacheInvalidateRelcacheByRelid(trigger.relation()?.oid()) };
    Ok(None)
}

extension_sql!(
    r#"
CREATE TRIGGER deployments_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgml.deployments
    FOR EACH STATEMENT EXECUTE FUNCTION pgml.deployments_changed();
"#,
    name = "deployments_changed_trigger",
    requires = [deployments_changed]
);
