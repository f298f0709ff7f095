//! `SHOW VERSION`.

use super::{Column, ShowCommand, Type::*};
use crate::Shared;

/// The router's name and version.
pub struct Version;

impl ShowCommand for Version {
    fn name(&self) -> &'static str {
        "VERSION"
    }

    fn columns(&self) -> &'static [Column] {
        &[("version", Text)]
    }

    fn rows(&self, _shared: &Shared) -> Vec<Vec<String>> {
        vec![vec![format!("pgml-router {}", crate::VERSION)]]
    }
}
