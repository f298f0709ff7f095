//! Every SPI call of the extension: reading training data and the registry tables.
//! Everything here runs inside the caller's transaction, so an ERROR later in `pgml.train`
//! rolls back every row written here.

use pgml_core::metrics::Metrics;
use pgml_core::registry::{Algorithm, Sampling, Strategy, Task};
use pgml_core::{Error, Result, SqlState};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::{FromDatum, IntoDatum, JsonB};
use serde_json::Value;

use crate::error::spi;

mod training_data;
pub use training_data::{check_label, read_training_data};

/// The file name of the serialised estimator in `pgml.files`.
const MODEL_FILE: &str = "model.json";

type SpiResult<T> = std::result::Result<T, pgrx::spi::Error>;

/// pgrx reports a query that returned no row as `InvalidPosition`; for these look-ups no row
/// means "none".
fn no_row_is_none<T: Default>(result: SpiResult<T>) -> SpiResult<T> {
    match result {
        Err(pgrx::spi::Error::InvalidPosition) => Ok(T::default()),
        other => other,
    }
}

pub(crate) fn get_one<A: FromDatum + IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> SpiResult<Option<A>> {
    no_row_is_none(Spi::get_one_with_args(query, args))
}

fn get_two<A: FromDatum + IntoDatum, B: FromDatum + IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> SpiResult<(Option<A>, Option<B>)> {
    no_row_is_none(Spi::get_two_with_args(query, args))
}

fn get_three<A: FromDatum + IntoDatum, B: FromDatum + IntoDatum, C: FromDatum + IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> SpiResult<(Option<A>, Option<B>, Option<C>)> {
    no_row_is_none(Spi::get_three_with_args(query, args))
}

pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A project row.
pub struct Project {
    pub id: i64,
    pub task: Task,
}

/// The relation's canonical (quoted, schema-qualified if needed) name, or an error.
pub(crate) fn resolve_relation(relation: &str) -> Result<String> {
    get_one::<String>("SELECT to_regclass($1)::text", &[relation.into()])
        .map_err(spi)?
        .ok_or_else(|| {
            Error::sql(
                SqlState::UndefinedTable,
                format!("relation \"{relation}\" does not exist"),
                "pass the name of a table or view this user can read, schema-qualified if it is not on the search_path",
            )
        })
}

pub fn find_project(name: &str) -> Result<Option<Project>> {
    let (id, task) = get_two::<i64, String>(
        "SELECT id, task::text FROM pgml.projects WHERE name = $1",
        &[name.into()],
    )
    .map_err(spi)?;
    match (id, task) {
        (Some(id), Some(task)) => Ok(Some(Project {
            id,
            task: task.parse()?,
        })),
        _ => Ok(None),
    }
}

pub fn create_project(name: &str, task: Task) -> Result<Project> {
    let id = get_one::<i64>(
        "INSERT INTO pgml.projects (name, task) VALUES ($1, $2::pgml.task) RETURNING id",
        &[name.into(), task.as_str().into()],
    )
    .map_err(spi)?
    .ok_or_else(|| {
        Error::sql(
            SqlState::InternalError,
            "INSERT returned no id",
            "report this bug",
        )
    })?;
    Ok(Project { id, task })
}

/// A snapshot a project's model was trained on, as retraining without a relation reuses it.
pub struct LastSnapshot {
    pub id: i64,
    /// The relation as it was named when the snapshot was taken.
    pub relation_name: String,
    pub y_columns: Vec<String>,
    pub test_size: f32,
    pub test_sampling: Sampling,
    /// The rows were copied into `pgml.snapshot_<id>`.
    pub materialized: bool,
    /// What training recorded about the columns (their preprocessing among it).
    pub columns: Option<Value>,
}

/// The snapshot of the project's most recent model's snapshot (PostgresML's
/// `Snapshot::find_last_by_project_id`: the highest snapshot id among the project's models).
pub fn last_snapshot(project_id: i64) -> Result<Option<LastSnapshot>> {
    type Row = (i64, String, Vec<String>, f32, String, bool, Option<JsonB>);
    let row: Option<Row> = Spi::connect(|client| {
        let mut rows = client.select(
            "SELECT s.id, s.relation_name, coalesce(s.y_column_name, '{}'), s.test_size, \
             s.test_sampling::text, coalesce(s.materialized, false), s.columns \
             FROM pgml.snapshots s JOIN pgml.models m ON m.snapshot_id = s.id \
             WHERE m.project_id = $1 ORDER BY s.id DESC LIMIT 1",
            Some(1),
            &[project_id.into()],
        )?;
        let Some(row) = rows.next() else {
            return Ok::<_, pgrx::spi::Error>(None);
        };
        Ok(Some((
            row.get::<i64>(1)?.unwrap_or_default(),
            row.get::<String>(2)?.unwrap_or_default(),
            row.get::<Vec<String>>(3)?.unwrap_or_default(),
            row.get::<f32>(4)?.unwrap_or(0.25),
            row.get::<String>(5)?.unwrap_or_default(),
            row.get::<bool>(6)?.unwrap_or(false),
            row.get::<JsonB>(7)?,
        )))
    })
    .map_err(spi)?;
    row.map(
        |(id, relation_name, y_columns, test_size, sampling, materialized, columns)| {
            Ok(LastSnapshot {
                id,
                relation_name,
                y_columns,
                test_size,
                test_sampling: sampling.parse()?,
                materialized,
                columns: columns.map(|c| c.0),
            })
        },
    )
    .transpose()
}

/// Records a snapshot of `relation` with its label columns (none for unlabelled tasks).
pub fn insert_snapshot(
    relation: &str,
    y_columns: &[String],
    test_size: f32,
    sampling: Sampling,
) -> Result<i64> {
    let labels: Option<Vec<String>> = (!y_columns.is_empty()).then(|| y_columns.to_vec());
    get_one::<i64>(
        "INSERT INTO pgml.snapshots (relation_name, y_column_name, test_size, test_sampling, status) \
         VALUES ($1, $2, $3, $4::pgml.sampling, 'successful') RETURNING id",
        &[relation.into(), labels.into(), test_size.into(), sampling.as_str().into()],
    )
    .map_err(spi)?
    .ok_or_else(|| Error::sql(SqlState::InternalError, "INSERT returned no id", "report this bug"))
}

/// Copies `relation` into `pgml.snapshot_<id>` and marks the snapshot materialized; returns
/// the copy's name.
pub fn materialize_snapshot(snapshot_id: i64, relation: &str) -> Result<String> {
    let qualified = resolve_relation(relation)?;
    let table = format!("pgml.snapshot_{snapshot_id}");
    Spi::run(&format!(
        "CREATE TABLE {table} AS SELECT * FROM {qualified}"
    ))
    .map_err(spi)?;
    Spi::run_with_args(
        "UPDATE pgml.snapshots SET materialized = true WHERE id = $1",
        &[snapshot_id.into()],
    )
    .map_err(spi)?;
    Ok(table)
}

/// Records what training found out about the snapshot's columns and rows.
pub fn describe_snapshot(snapshot_id: i64, columns: Value, analysis: Value) -> Result<()> {
    Spi::run_with_args(
        "UPDATE pgml.snapshots SET columns = $2, analysis = $3 WHERE id = $1",
        &[
            snapshot_id.into(),
            JsonB(columns).into(),
            JsonB(analysis).into(),
        ],
    )
    .map_err(spi)
}

/// What a new model row records.
pub struct NewModel<'a> {
    pub project_id: i64,
    pub snapshot_id: i64,
    pub num_features: usize,
    pub algorithm: Algorithm,
    pub hyperparams: &'a Value,
    pub metrics: &'a Metrics,
    /// Stored under the `search_results` key of the metrics, as PostgresML does.
    pub search_results: Option<&'a Value>,
    pub search: Option<&'a str>,
    pub search_params: &'a Value,
    pub search_args: &'a Value,
    pub bytes: Vec<u8>,
    /// The native library's own model file (path, contents), stored beside ours so users can
    /// load an XGBoost or LightGBM model in the library's own tools.
    pub native_file: Option<(String, &'a str)>,
}

pub fn insert_model(model: NewModel<'_>) -> Result<i64> {
    let mut metrics = serde_json::to_value(model.metrics).unwrap_or(Value::Null);
    if let (Value::Object(map), Some(results)) = (&mut metrics, model.search_results) {
        map.insert("search_results".into(), results.clone());
    }
    let object_or_empty = |v: &Value| {
        if v.is_object() {
            v.clone()
        } else {
            Value::Object(Default::default())
        }
    };
    let id = get_one::<i64>(
        "INSERT INTO pgml.models (project_id, snapshot_id, num_features, algorithm, runtime, hyperparams, \
         status, metrics, search, search_params, search_args) \
         VALUES ($1, $2, $3, $4, 'rust', $5, 'successful', $6, $7, $8, $9) RETURNING id",
        &[
            model.project_id.into(),
            model.snapshot_id.into(),
            (model.num_features as i32).into(),
            model.algorithm.as_str().into(),
            JsonB(model.hyperparams.clone()).into(),
            JsonB(metrics).into(),
            model.search.into(),
            JsonB(object_or_empty(model.search_params)).into(),
            JsonB(object_or_empty(model.search_args)).into(),
        ],
    )
    .map_err(spi)?
    .ok_or_else(|| Error::sql(SqlState::InternalError, "INSERT returned no id", "report this bug"))?;
    Spi::run_with_args(
        "INSERT INTO pgml.files (model_id, path, part, data) VALUES ($1, $2, 0, $3)",
        &[id.into(), MODEL_FILE.into(), model.bytes.into()],
    )
    .map_err(spi)?;
    if let Some((path, contents)) = model.native_file {
        Spi::run_with_args(
            "INSERT INTO pgml.files (model_id, path, part, data) VALUES ($1, $2, 0, $3)",
            &[id.into(), path.into(), contents.as_bytes().into()],
        )
        .map_err(spi)?;
    }
    Ok(id)
}

/// A metric of a stored model.
pub fn model_metric(model_id: i64, key: &str) -> Result<Option<f64>> {
    get_one::<f64>(
        "SELECT (metrics->>$2)::float8 FROM pgml.models WHERE id = $1",
        &[model_id.into(), key.into()],
    )
    .map_err(spi)
}

/// The live deployment of a project: (deployment id, model id).
pub fn current_deployment(project_name: &str) -> Result<Option<(i64, i64)>> {
    let (deployment, model) = get_two::<i64, i64>(
        "SELECT d.id, d.model_id FROM pgml.deployments d JOIN pgml.projects p ON p.id = d.project_id \
         WHERE p.name = $1 ORDER BY d.id DESC LIMIT 1",
        &[project_name.into()],
    )
    .map_err(spi)?;
    Ok(deployment.zip(model))
}

pub fn deploy(project_id: i64, model_id: i64, strategy: Strategy) -> Result<()> {
    Spi::run_with_args(
        "INSERT INTO pgml.deployments (project_id, model_id, strategy) VALUES ($1, $2, $3::pgml.strategy)",
        &[project_id.into(), model_id.into(), strategy.as_str().into()],
    )
    .map_err(spi)
}

/// The model `strategy` picks among the project's successful models (optionally of one
/// algorithm). `metric` is the task's key metric (higher is better).
pub fn choose_model(
    project_id: i64,
    strategy: Strategy,
    algorithm: Option<Algorithm>,
    metric: &str,
) -> Result<Option<i64>> {
    let algorithm = algorithm.map(|a| a.as_str().to_owned());
    let query = match strategy {
        Strategy::MostRecent => {
            "SELECT id FROM pgml.models WHERE project_id = $1 AND status = 'successful' \
             AND ($2::text IS NULL OR algorithm = $2) ORDER BY id DESC LIMIT 1"
        }
        Strategy::BestScore => {
            "SELECT id FROM pgml.models WHERE project_id = $1 AND status = 'successful' \
             AND ($2::text IS NULL OR algorithm = $2) AND metrics ? $3 \
             ORDER BY (metrics->>$3)::float8 DESC NULLS LAST, id DESC LIMIT 1"
        }
        // The model deployed before the current one (skipping re-deployments of the same model).
        Strategy::Rollback => {
            "WITH d AS (SELECT model_id, id FROM pgml.deployments WHERE project_id = $1 ORDER BY id DESC) \
             SELECT d.model_id FROM d JOIN pgml.models m ON m.id = d.model_id \
             WHERE d.model_id <> (SELECT model_id FROM d LIMIT 1) \
             AND ($2::text IS NULL OR m.algorithm = $2) AND length($3) > 0 ORDER BY d.id DESC LIMIT 1"
        }
        Strategy::NewScore | Strategy::Specific => {
            return Err(Error::invalid(
                format!("strategy {strategy} cannot be asked of pgml.deploy(project, ...)"),
                "use best_score, most_recent or rollback; to deploy one model, call pgml.deploy(model_id)",
            ))
        }
    };
    get_one::<i64>(query, &[project_id.into(), algorithm.into(), metric.into()]).map_err(spi)
}

/// (project id, project name, algorithm) of a model.
pub fn model_owner(model_id: i64) -> Result<Option<(i64, String, String)>> {
    let (project_id, name, algorithm) = get_three::<i64, String, String>(
        "SELECT p.id, p.name, m.algorithm FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE m.id = $1",
        &[model_id.into()],
    )
    .map_err(spi)?;
    Ok(match (project_id, name, algorithm) {
        (Some(id), Some(name), Some(algorithm)) => Some((id, name, algorithm)),
        _ => None,
    })
}

/// The serialised estimator of a model.
pub fn model_bytes(model_id: i64) -> Result<Option<Vec<u8>>> {
    get_one::<Vec<u8>>(
        "SELECT data FROM pgml.files WHERE model_id = $1 AND path = $2 AND part = 0",
        &[model_id.into(), MODEL_FILE.into()],
    )
    .map_err(spi)
}

/// Runs statements in order (e.g. a built-in dataset's CREATE TABLE and INSERTs).
pub fn execute_all(statements: &[String]) -> Result<()> {
    for statement in statements {
        Spi::run(statement).map_err(spi)?;
    }
    Ok(())
}

/// The oid of `pgml.deployments`, whose relcache invalidations reset the model cache.
pub fn deployments_oid() -> Result<pg_sys::Oid> {
    get_one::<pg_sys::Oid>("SELECT 'pgml.deployments'::regclass::oid", &[])
        .map_err(spi)?
        .ok_or_else(|| {
            Error::sql(
                SqlState::InternalError,
                "pgml.deployments is missing",
                "re-create the extension",
            )
        })
}

/// Whether a table or view of that name is visible.
pub fn relation_exists(name: &str) -> Result<bool> {
    Ok(
        get_one::<bool>("SELECT to_regclass($1) IS NOT NULL", &[name.into()])
            .map_err(spi)?
            .unwrap_or(false),
    )
}
