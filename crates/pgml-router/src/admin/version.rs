//! `SHOW VERSION`.

use super::ShowCommand;
use crate::Shared;

/// The router's name and version.
pub struct Version;

impl ShowCommand for Version {
    fn name(&self) -> &'static str {
        "VERSION"
    }

    fn columns(&self) -> &'static [&'static str] {
        &["version"]
    }

    fn rows(&self, _shared: &Shared) -> Vec<Vec<String>> {
        vec![vec![format!("pgml-router {}", crate::VERSION)]]
    }
}
