//! Per-backend model cache. A backend is one client connection: models are deserialised once
//! per backend and dropped with it. A project's entry remembers which deployment it came from,
//! so a new `pgml.deploy` (in any session) is picked up at this backend's next predict.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use pgml_core::model::Model;
use pgml_core::{Error, Result, SqlState};

use crate::spi;

thread_local! {
    static MODELS: RefCell<HashMap<i64, Rc<Model>>> = RefCell::new(HashMap::new());
}

/// The model with this id, from the cache or the registry.
pub fn model(model_id: i64) -> Result<Rc<Model>> {
    if let Some(model) = MODELS.with(|m| m.borrow().get(&model_id).cloned()) {
        return Ok(model);
    }
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
    match spi::current_deployment(project_name)? {
        Some((_, model_id)) => model(model_id),
        None => Err(match spi::find_project(project_name)? {
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
    }
}
