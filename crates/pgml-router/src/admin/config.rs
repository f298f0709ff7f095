//! `SHOW CONFIG`: the implemented `[general]` options.

use super::ShowCommand;
use crate::Shared;

/// Option values, PgBouncer's columns.
pub struct ShowConfig;

impl ShowCommand for ShowConfig {
    fn name(&self) -> &'static str {
        "CONFIG"
    }

    fn columns(&self) -> &'static [&'static str] {
        &["key", "value", "default", "changeable"]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        shared
            .loaded()
            .config
            .general
            .describe()
            .into_iter()
            .map(|(k, v, d)| vec![k.to_owned(), v, d, "no".to_owned()])
            .collect()
    }
}
