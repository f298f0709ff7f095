//! Errors raised by the core. Each carries the SQLSTATE the extension reports, a message
//! that says what went wrong and, where one helps, a hint that says what to do.

use std::fmt;

/// The SQLSTATE codes the core can ask for (PostgreSQL, Appendix A "Error Codes").
/// Typed, so no string literal ever drifts from the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlState {
    /// 22023 invalid_parameter_value
    InvalidParameterValue,
    /// 22P02 invalid_text_representation
    InvalidTextRepresentation,
    /// 22000 data_exception
    DataException,
    /// 42P01 undefined_table
    UndefinedTable,
    /// 42703 undefined_column
    UndefinedColumn,
    /// 42704 undefined_object
    UndefinedObject,
    /// 0A000 feature_not_supported
    FeatureNotSupported,
    /// XX000 internal_error
    InternalError,
}

impl SqlState {
    /// The five-character code, as PostgreSQL spells it.
    pub fn code(self) -> &'static str {
        match self {
            SqlState::InvalidParameterValue => "22023",
            SqlState::InvalidTextRepresentation => "22P02",
            SqlState::DataException => "22000",
            SqlState::UndefinedTable => "42P01",
            SqlState::UndefinedColumn => "42703",
            SqlState::UndefinedObject => "42704",
            SqlState::FeatureNotSupported => "0A000",
            SqlState::InternalError => "XX000",
        }
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An error of the core: what the extension turns into a SQL ERROR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A value that must be one of a fixed set (a task, an algorithm, ...) was not.
    #[error("unknown {kind} {value:?}")]
    UnknownVariant {
        /// What was being parsed, as SQL names it, e.g. `pgml.task`.
        kind: &'static str,
        /// What the user gave.
        value: String,
        /// Every accepted value, in declaration order.
        valid: &'static [&'static str],
    },
}

impl Error {
    /// The SQLSTATE to report.
    pub fn sqlstate(&self) -> SqlState {
        match self {
            Error::UnknownVariant { .. } => SqlState::InvalidParameterValue,
        }
    }

    /// What the user can do about it, if anything useful can be said.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::UnknownVariant { kind, valid, .. } => {
                Some(format!("valid values of {kind}: {}", valid.join(", ")))
            }
        }
    }
}

/// Result type of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_are_five_characters() {
        for state in [
            SqlState::InvalidParameterValue,
            SqlState::InvalidTextRepresentation,
            SqlState::DataException,
            SqlState::UndefinedTable,
            SqlState::UndefinedColumn,
            SqlState::UndefinedObject,
            SqlState::FeatureNotSupported,
            SqlState::InternalError,
        ] {
            assert_eq!(state.code().len(), 5, "{state:?}");
            assert!(state.code().chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn unknown_variant_lists_valid_values_in_hint() {
        let err = Error::UnknownVariant {
            kind: "pgml.task",
            value: "regresion".into(),
            valid: &["regression", "classification"],
        };
        assert_eq!(err.to_string(), "unknown pgml.task \"regresion\"");
        assert_eq!(err.sqlstate(), SqlState::InvalidParameterValue);
        assert_eq!(
            err.hint().as_deref(),
            Some("valid values of pgml.task: regression, classification")
        );
    }
}
