use pgml_core::model::key_metric;
use pgml_core::registry::{Algorithm, Strategy};
use pgml_core::{Error, Result, SqlState};
use pgrx::prelude::*;

use crate::error::{unknown_model, OrRaise};
use crate::spi;

/// `pgml.deploy(project_name, strategy, algorithm)`: makes the chosen model live for every
/// backend's next predict.
#[pg_extern(volatile, parallel_unsafe)]
fn deploy(
    project_name: &str,
    strategy: &str,
    algorithm: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(project, String),
        name!(strategy, String),
        name!(algorithm, String),
    ),
> {
    TableIterator::once(deploy_strategy(project_name, strategy, algorithm).or_raise("pgml.deploy"))
}

fn deploy_strategy(
    project_name: &str,
    strategy: &str,
    algorithm: Option<&str>,
) -> Result<(String, String, String)> {
    let strategy: Strategy = strategy.parse()?;
    let algorithm = algorithm.map(str::parse::<Algorithm>).transpose()?;
    let project = spi::find_project(project_name)?.ok_or_else(|| {
        Error::sql(
            SqlState::UndefinedObject,
            format!("project \"{project_name}\" does not exist"),
            "train it first with pgml.train(...)",
        )
    })?;
    let model_id = spi::choose_model(project.id, strategy, algorithm, key_metric(project.task))?
        .ok_or_else(|| {
            Error::sql(
                SqlState::UndefinedObject,
                format!(
                    "no model of project \"{project_name}\"{} fits strategy {strategy}",
                    algorithm
                        .map(|a| format!(" with algorithm {a}"))
                        .unwrap_or_default()
                ),
                "pgml.trained_models lists the project's models",
            )
        })?;
    spi::deploy(project.id, model_id, strategy)?;
    let (_, _, algorithm) = spi::model_owner(model_id)?.unwrap_or_default();
    Ok((project_name.to_owned(), strategy.to_string(), algorithm))
}

/// `pgml.deploy(model_id)`: makes one model live for its project.
#[pg_extern(volatile, parallel_unsafe, name = "deploy")]
fn deploy_model(
    model_id: i64,
) -> TableIterator<
    'static,
    (
        name!(project, String),
        name!(strategy, String),
        name!(algorithm, String),
    ),
> {
    let row = (|| {
        let (project_id, name, algorithm) =
            spi::model_owner(model_id)?.ok_or_else(|| unknown_model(model_id))?;
        spi::deploy(project_id, model_id, Strategy::Specific)?;
        Ok((name, Strategy::Specific.to_string(), algorithm))
    })();
    TableIterator::once(row.or_raise("pgml.deploy"))
}
