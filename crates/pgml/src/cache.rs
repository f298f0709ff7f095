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
//!
//! Memory is bounded by `pgml.model_cache_size` (per backend, measured as the models' stored
//! bytes): past it the least recently used models are dropped. `pgml.cached_models()` lists
//! what a backend holds; `pgml.clear_cache()` empties it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use pgml_core::model::Model;
use pgml_core::{Error, Result, SqlState};
use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::error::unknown_model;
use crate::{guc, spi};

/// A deserialised model and its bookkeeping.
struct Entry {
    model: Rc<Model>,
    /// Stored size: the measure `pgml.model_cache_size` bounds.
    bytes: usize,
    hits: u64,
    /// Value of `CLOCK` at the last use, for least-recently-used eviction.
    last_used: u64,
}

thread_local! {
    static MODELS: RefCell<HashMap<i64, Entry>> = RefCell::new(HashMap::new());
    /// Project name -> id of its deployed model.
    static DEPLOYED: RefCell<HashMap<String, i64>> = RefCell::new(HashMap::new());
    static CLOCK: Cell<u64> = const { Cell::new(0) };
    /// The oid of `pgml.deployments` whose invalidations empty the cache; None until looked up
    /// (and again after each invalidation, in case the extension was re-created).
    static WATCHED: Cell<Option<pg_sys::Oid>> = const { Cell::new(None) };
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
    /// Set by the invalidation callback when it could not clear the maps right away.
    static STALE: Cell<bool> = const { Cell::new(false) };
}

fn tick() -> u64 {
    CLOCK.with(|c| {
        c.set(c.get() + 1);
        c.get()
    })
}

/// Drops least recently used models until the cache fits `limit` bytes, keeping `keep`.
fn evict(models: &mut HashMap<i64, Entry>, limit: usize, keep: i64) {
    let mut total: usize = models.values().map(|e| e.bytes).sum();
    while total > limit {
        let victim = models
            .iter()
            .filter(|(id, _)| **id != keep)
            .min_by_key(|(_, e)| e.last_used)
            .map(|(id, _)| *id);
        let Some(victim) = victim else { break };
        if let Some(entry) = models.remove(&victim) {
            total -= entry.bytes;
        }
    }
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
    let now = tick();
    let cached = MODELS.with(|m| {
        m.borrow_mut().get_mut(&model_id).map(|entry| {
            entry.hits += 1;
            entry.last_used = now;
            entry.model.clone()
        })
    });
    if let Some(model) = cached {
        return Ok(model);
    }
    watch_deployments()?;
    let bytes = spi::model_bytes(model_id)?.ok_or_else(|| unknown_model(model_id))?;
    // Only models loaded to predict share their trees (not the candidates of a training).
    pgml_core::share_trees_in(guc::shared_trees_dir());
    let model = Model::from_bytes(&bytes);
    pgml_core::share_trees_in(None);
    let model = Rc::new(model?);
    let entry = Entry {
        model: model.clone(),
        bytes: bytes.len(),
        hits: 1,
        last_used: now,
    };
    MODELS.with(|m| {
        let mut models = m.borrow_mut();
        models.insert(model_id, entry);
        evict(&mut models, guc::model_cache_bytes(), model_id);
    });
    Ok(model)
}

/// The model currently deployed for `project_name`.
pub fn deployed(project_name: &str) -> Result<Rc<Model>> {
    drop_stale_entries();
    if let Some(model_id) = DEPLOYED.with(|d| d.borrow().get(project_name).copied()) {
        return model(model_id);
    }
    watch_deployments()?;
    let model_id = match spi::current_deployment(project_name)? {
        Some((_, model_id)) => model_id,
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
    let model = model(model_id)?;
    DEPLOYED.with(|d| d.borrow_mut().insert(project_name.to_owned(), model_id));
    Ok(model)
}

/// model_id, project, algorithm, bytes, hits, kind, name, load_ms.
type CachedModelRow = (
    Option<i64>,
    Option<String>,
    String,
    i64,
    i64,
    String,
    Option<String>,
    Option<f64>,
);

fn to_i64(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// `pgml.cached_models()`: the models this backend holds: tabular models (by id, with the
/// project they serve), then embedding and generation models (by name), each most recently
/// used first. `bytes` is the stored model size or the weights' size.
// pgrx reads the column names from `name!` in the signature itself, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn cached_models() -> TableIterator<
    'static,
    (
        name!(model_id, Option<i64>),
        name!(project, Option<String>),
        name!(algorithm, String),
        name!(bytes, i64),
        name!(hits, i64),
        name!(kind, String),
        name!(name, Option<String>),
        name!(load_ms, Option<f64>),
    ),
> {
    drop_stale_entries();
    let projects: HashMap<i64, String> = DEPLOYED.with(|d| {
        d.borrow()
            .iter()
            .map(|(name, id)| (*id, name.clone()))
            .collect()
    });
    let mut rows: Vec<(u64, CachedModelRow)> = MODELS.with(|m| {
        m.borrow()
            .iter()
            .map(|(id, e)| {
                let row = (
                    Some(*id),
                    projects.get(id).cloned(),
                    e.model.algorithm().to_string(),
                    to_i64(e.bytes),
                    to_i64(e.hits),
                    "tabular".to_string(),
                    None,
                    None,
                );
                (e.last_used, row)
            })
            .collect()
    });
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    let mut transformers = crate::nlp_cache::entries();
    transformers.sort_by_key(|t| std::cmp::Reverse(t.last_used));
    let transformer_rows = transformers.into_iter().map(|t| {
        (
            None,
            None,
            t.engine,
            to_i64(t.bytes),
            to_i64(t.hits),
            t.kind.to_string(),
            Some(t.name),
            Some(t.load_ms),
        )
    });
    TableIterator::new(rows.into_iter().map(|(_, row)| row).chain(transformer_rows))
}

/// `pgml.clear_cache()`: drops every cached model of this backend (tabular, embedding and
/// generation); returns how many.
#[pg_extern(volatile, parallel_unsafe)]
fn clear_cache() -> i64 {
    DEPLOYED.with(|d| d.borrow_mut().clear());
    let tabular = MODELS.with(|m| {
        let n = m.borrow().len();
        m.borrow_mut().clear();
        n
    });
    to_i64(tabular + crate::nlp_cache::clear())
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
