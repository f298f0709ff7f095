//! `SHOW CONFIG`: the implemented `[general]` options; `changeable` says which ones
//! `SET` changes.

use super::{Column, ShowCommand, Type::*};
use crate::config::SETTABLE;
use crate::Shared;

/// Option values, PgBouncer's columns.
pub struct ShowConfig;

impl ShowCommand for ShowConfig {
    fn name(&self) -> &'static str {
        "CONFIG"
    }

    fn columns(&self) -> &'static [Column] {
        &[
            ("key", Text),
            ("value", Text),
            ("default", Text),
            ("changeable", Text),
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        shared
            .loaded()
            .config
            .general
            .describe()
            .into_iter()
            .map(|(k, v, d)| {
                let changeable = if SETTABLE.contains(&k) { "yes" } else { "no" };
                vec![k.to_owned(), v, d, changeable.to_owned()]
            })
            .collect()
    }
}
