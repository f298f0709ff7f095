use pgml_core::model::{
    key_metric, replaces_deployed, resolve_algorithm, train as train_model, TrainSpec,
};
use pgml_core::preprocess::{describe, plans_from_description};
use pgml_core::registry::{Algorithm, Runtime, Sampling, Search, Strategy, Task};
use pgml_core::{Error, Result, SqlState};
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

use crate::error::OrRaise;
use crate::spi;

/// The defaults of `test_size` and `test_sampling` in the signatures below.
const DEFAULT_TEST_SIZE: f32 = 0.25;
const DEFAULT_TEST_SAMPLING: Sampling = Sampling::Stratified;

/// `pgml.train`: PostgresML 2.x's signature and defaults.
#[allow(clippy::too_many_arguments)]
#[pg_extern(volatile, parallel_unsafe)]
fn train(
    project_name: &str,
    task: default!(Option<&str>, "NULL"),
    relation_name: default!(Option<&str>, "NULL"),
    y_column_name: default!(Option<&str>, "NULL"),
    algorithm: default!(&str, "'linear'"),
    hyperparams: default!(JsonB, "'{}'"),
    search: default!(Option<&str>, "NULL"),
    search_params: default!(JsonB, "'{}'"),
    search_args: default!(JsonB, "'{}'"),
    test_size: default!(f32, 0.25),
    test_sampling: default!(&str, "'stratified'"),
    runtime: default!(Option<&str>, "NULL"),
    automatic_deploy: default!(Option<bool>, true),
    materialize_snapshot: default!(bool, false),
    preprocess: default!(JsonB, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(project, String),
        name!(task, String),
        name!(algorithm, String),
        name!(deployed, bool),
    ),
> {
    let request = Request {
        project_name,
        task,
        relation_name,
        y_column_names: y_column_name.map(str::to_owned).into_iter().collect(),
        joint: false,
        algorithm,
        hyperparams: &hyperparams.0,
        search,
        search_params: &search_params.0,
        search_args: &search_args.0,
        test_size,
        test_sampling,
        runtime,
        automatic_deploy: automatic_deploy.unwrap_or(true),
        materialize_snapshot,
        preprocess: &preprocess.0,
    };
    let row = run(&request).or_raise("pgml.train");
    TableIterator::once(row)
}

/// `pgml.train_joint`: PostgresML 2.x's multi-target regression, `y_column_name` an array of
/// target columns; otherwise `pgml.train`'s arguments. Predict with `pgml.predict_joint`.
#[allow(clippy::too_many_arguments)]
#[pg_extern(volatile, parallel_unsafe)]
fn train_joint(
    project_name: &str,
    task: default!(Option<&str>, "NULL"),
    relation_name: default!(Option<&str>, "NULL"),
    y_column_name: default!(Option<Vec<Option<String>>>, "NULL"),
    algorithm: default!(&str, "'linear'"),
    hyperparams: default!(JsonB, "'{}'"),
    search: default!(Option<&str>, "NULL"),
    search_params: default!(JsonB, "'{}'"),
    search_args: default!(JsonB, "'{}'"),
    test_size: default!(f32, 0.25),
    test_sampling: default!(&str, "'stratified'"),
    runtime: default!(Option<&str>, "NULL"),
    automatic_deploy: default!(Option<bool>, true),
    materialize_snapshot: default!(bool, false),
    preprocess: default!(JsonB, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(project, String),
        name!(task, String),
        name!(algorithm, String),
        name!(deployed, bool),
    ),
> {
    let row = (|| {
        let y_column_names = match y_column_name {
            None => Vec::new(),
            Some(names) => names
                .into_iter()
                .map(|n| {
                    n.ok_or_else(|| {
                        Error::sql(
                            SqlState::NullValueNotAllowed,
                            "y_column_name holds a NULL",
                            "name each target column: y_column_name => ARRAY['a', 'b']",
                        )
                    })
                })
                .collect::<Result<Vec<String>>>()?,
        };
        if relation_name.is_some() && y_column_names.is_empty() {
            return Err(Error::invalid(
                "train_joint needs the target columns",
                "pass y_column_name => ARRAY['a', 'b']",
            ));
        }
        run(&Request {
            project_name,
            task,
            relation_name,
            y_column_names,
            joint: true,
            algorithm,
            hyperparams: &hyperparams.0,
            search,
            search_params: &search_params.0,
            search_args: &search_args.0,
            test_size,
            test_sampling,
            runtime,
            automatic_deploy: automatic_deploy.unwrap_or(true),
            materialize_snapshot,
            preprocess: &preprocess.0,
        })
    })()
    .or_raise("pgml.train_joint");
    TableIterator::once(row)
}

struct Request<'a> {
    project_name: &'a str,
    task: Option<&'a str>,
    relation_name: Option<&'a str>,
    /// Label columns: none (unlabelled tasks), one, or several for `train_joint`.
    y_column_names: Vec<String>,
    joint: bool,
    algorithm: &'a str,
    hyperparams: &'a Value,
    search: Option<&'a str>,
    search_params: &'a Value,
    search_args: &'a Value,
    test_size: f32,
    test_sampling: &'a str,
    runtime: Option<&'a str>,
    automatic_deploy: bool,
    materialize_snapshot: bool,
    preprocess: &'a Value,
}

/// The seed of random splits and estimators: stable for a project and relation (FNV-1a), so
/// retraining on unchanged data is reproducible and independent of other projects' activity.
fn split_seed(project_name: &str, relation: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in project_name.bytes().chain([0u8]).chain(relation.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn refuse_unsupported(req: &Request<'_>) -> Result<()> {
    if let Some(runtime) = req.runtime {
        if runtime.parse::<Runtime>()? != Runtime::Rust {
            return Err(Error::not_supported(
                format!("runtime {runtime} is not available: pgml runs every algorithm in Rust"),
                "leave runtime out, or pass runtime => 'rust'",
            ));
        }
    }
    Ok(())
}

fn run(req: &Request<'_>) -> Result<(String, String, String, bool)> {
    refuse_unsupported(req)?;
    let algorithm: Algorithm = req.algorithm.parse()?;
    let sampling: Sampling = req.test_sampling.parse()?;
    let search = req.search.map(str::parse::<Search>).transpose()?;
    let requested_task = req.task.map(str::parse::<Task>).transpose()?;
    let existing = spi::find_project(req.project_name)?;
    let task = match (&existing, requested_task) {
        (Some(project), Some(task)) if project.task != task => {
            return Err(Error::invalid(
                format!(
                    "project \"{}\" is a {} project; its task cannot change to {task}",
                    req.project_name, project.task
                ),
                "train under a new project name for another task",
            ))
        }
        (Some(project), _) => project.task,
        (None, Some(task)) => task,
        (None, None) => {
            return Err(Error::invalid(
                format!(
                    "project \"{}\" does not exist, and no task was given to create it",
                    req.project_name
                ),
                "pass task => 'regression' or 'classification' on the first train of a project",
            ))
        }
    };
    // PostgresML's default algorithm 'linear' means kmeans / pca for unlabelled tasks.
    let algorithm = resolve_algorithm(task, algorithm);
    let snapshot = match req.relation_name {
        // The label may be absent: clustering and decomposition learn without one (core checks).
        Some(relation) => {
            let snapshot_id =
                spi::insert_snapshot(relation, &req.y_column_names, req.test_size, sampling)?;
            // A materialized snapshot copies the rows into pgml.snapshot_<id> first and trains
            // on the copy, so later retrains see exactly the same data.
            let source = if req.materialize_snapshot {
                spi::materialize_snapshot(snapshot_id, relation)?
            } else {
                relation.to_owned()
            };
            Snapshot {
                id: snapshot_id,
                relation: relation.to_owned(),
                source,
                y_columns: req.y_column_names.clone(),
                test_size: req.test_size,
                test_sampling: sampling,
                preprocess: req.preprocess.clone(),
            }
        }
        None => reuse_last_snapshot(req, existing.as_ref(), sampling)?,
    };
    let (relation, y_columns) = (&snapshot.relation, &snapshot.y_columns);
    let snapshot_id = snapshot.id;
    let source = &snapshot.source;
    let data = spi::read_training_data(source, y_columns, req.joint)?;
    let spec = TrainSpec {
        task,
        algorithm,
        hyperparams: req.hyperparams,
        preprocess: &snapshot.preprocess,
        search,
        search_params: req.search_params,
        search_args: req.search_args,
        test_size: snapshot.test_size,
        test_sampling: snapshot.test_sampling,
        seed: split_seed(req.project_name, relation),
    };
    let trained = train_model(&data, &spec)?;
    let mut columns = describe(trained.model.preprocessor());
    if let Value::Array(list) = &mut columns {
        list.extend(y_columns.iter().map(|y| json!({"name": y, "label": true})));
    }
    let analysis = json!({
        "samples": trained.train_rows + trained.test_rows,
        "train_rows": trained.train_rows,
        "test_rows": trained.test_rows,
        "features": trained.model.preprocessor().feature_names().len(),
    });
    spi::describe_snapshot(snapshot_id, columns, analysis)?;
    let project = match existing {
        Some(project) => project,
        None => spi::create_project(req.project_name, task)?,
    };
    let model_id = spi::insert_model(spi::NewModel {
        project_id: project.id,
        snapshot_id,
        num_features: trained.model.num_features(),
        algorithm,
        hyperparams: &trained.hyperparams,
        metrics: &trained.metrics,
        search_results: trained.search_results.as_ref(),
        search: search.map(|s| s.as_str()),
        search_params: req.search_params,
        search_args: req.search_args,
        bytes: trained.model.to_bytes()?,
        native_file: trained.model.native_model().map(|(library, contents)| {
            let file = if library == "xgboost" {
                "xgboost.json"
            } else {
                "lightgbm.txt"
            };
            (file.to_string(), contents)
        }),
    })?;

    // PostgresML's automatic deployment: the new model goes live unless the deployed one is
    // strictly better (a tie deploys the new model).
    let mut deployed = false;
    if req.automatic_deploy {
        let metric = key_metric(task);
        let new_score = trained
            .metrics
            .get(metric)
            .copied()
            .filter(|v| v.is_finite());
        let current_score = match spi::current_deployment(req.project_name)? {
            Some((_, current)) => spi::model_metric(current, metric)?,
            None => None,
        };
        if replaces_deployed(current_score, new_score) {
            spi::deploy(project.id, model_id, Strategy::NewScore)?;
            deployed = true;
        }
    }
    Ok((
        req.project_name.to_owned(),
        task.to_string(),
        algorithm.to_string(),
        deployed,
    ))
}

/// The snapshot a training reads: a new one of `relation_name`, or the project's last.
struct Snapshot {
    id: i64,
    /// The relation as the snapshot names it (seeds the split).
    relation: String,
    /// What to read: the relation, or its materialized copy.
    source: String,
    y_columns: Vec<String>,
    test_size: f32,
    test_sampling: Sampling,
    preprocess: Value,
}

/// Retraining without `relation_name`, as PostgresML does: the project's last snapshot, its
/// label columns, `test_size`, `test_sampling` and per-column preprocessing, and no new
/// snapshot row. This call's own `test_size`, `test_sampling`, `preprocess` and
/// `materialize_snapshot` do not apply (a NOTICE says so when they were given).
fn reuse_last_snapshot(
    req: &Request<'_>,
    project: Option<&spi::Project>,
    sampling: Sampling,
) -> Result<Snapshot> {
    let last = match project {
        Some(project) => spi::last_snapshot(project.id)?,
        None => None,
    };
    let last = last.ok_or_else(|| {
        Error::invalid(
            format!(
                "project \"{}\" has no earlier snapshot to retrain on",
                req.project_name
            ),
            "pass relation_name (and y_column_name for supervised tasks)",
        )
    })?;
    let mut ignored = Vec::new();
    if req.test_size != DEFAULT_TEST_SIZE && req.test_size != last.test_size {
        ignored.push(format!("test_size => {}", req.test_size));
    }
    if sampling != DEFAULT_TEST_SAMPLING && sampling != last.test_sampling {
        ignored.push(format!("test_sampling => '{sampling}'"));
    }
    if req.preprocess.as_object().is_some_and(|m| !m.is_empty()) {
        ignored.push("preprocess".to_owned());
    }
    if req.materialize_snapshot {
        ignored.push("materialize_snapshot".to_owned());
    }
    if !ignored.is_empty() {
        pgrx::notice!(
            "{} not used: without relation_name, pgml.train retrains on the project's last snapshot \
             (test_size {}, test_sampling {}, its preprocessing); pass relation_name to take a new one",
            ignored.join(", "),
            last.test_size,
            last.test_sampling
        );
    }
    let source = if last.materialized {
        format!("pgml.snapshot_{}", last.id)
    } else {
        last.relation_name.clone()
    };
    Ok(Snapshot {
        id: last.id,
        preprocess: plans_from_description(last.columns.as_ref()),
        relation: last.relation_name,
        source,
        y_columns: last.y_columns,
        test_size: last.test_size,
        test_sampling: last.test_sampling,
    })
}
