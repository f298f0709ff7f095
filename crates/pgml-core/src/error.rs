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
    /// 22004 null_value_not_allowed
    NullValueNotAllowed,
    /// 2201B invalid_regular_expression
    InvalidRegularExpression,
    /// 2202E array_subscript_error (also PostgreSQL's code for arrays of mismatched sizes)
    ArraySubscriptError,
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
    /// 58P01 undefined_file
    UndefinedFile,
    /// XX001 data_corrupted
    DataCorrupted,
    /// 54000 program_limit_exceeded
    ProgramLimitExceeded,
    /// 57014 query_canceled
    QueryCanceled,
    /// 42501 insufficient_privilege
    InsufficientPrivilege,
    /// 53200 out_of_memory
    OutOfMemory,
}

impl SqlState {
    /// The five-character code, as PostgreSQL spells it.
    pub fn code(self) -> &'static str {
        match self {
            SqlState::InvalidParameterValue => "22023",
            SqlState::InvalidTextRepresentation => "22P02",
            SqlState::DataException => "22000",
            SqlState::NullValueNotAllowed => "22004",
            SqlState::InvalidRegularExpression => "2201B",
            SqlState::ArraySubscriptError => "2202E",
            SqlState::UndefinedTable => "42P01",
            SqlState::UndefinedColumn => "42703",
            SqlState::UndefinedObject => "42704",
            SqlState::FeatureNotSupported => "0A000",
            SqlState::InternalError => "XX000",
            SqlState::UndefinedFile => "58P01",
            SqlState::DataCorrupted => "XX001",
            SqlState::ProgramLimitExceeded => "54000",
            SqlState::QueryCanceled => "57014",
            SqlState::InsufficientPrivilege => "42501",
            SqlState::OutOfMemory => "53200",
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
    /// An argument (hyperparameter, test_size, ...) has a value that cannot be used.
    #[error("{message}")]
    InvalidParameter {
        /// What is wrong.
        message: String,
        /// What to do instead.
        hint: String,
    },
    /// The data cannot be used as it is (empty, too few rows, NaN, wrong length, ...).
    #[error("{message}")]
    Data {
        /// What is wrong.
        message: String,
        /// What to do instead.
        hint: String,
    },
    /// A valid request that pgml does not support (yet).
    #[error("{message}")]
    NotSupported {
        /// What is not supported.
        message: String,
        /// What the user can use instead.
        hint: String,
    },
    /// Any other condition, with the SQLSTATE it calls for (e.g. an unknown relation, raised
    /// by the extension while reading the training data).
    #[error("{message}")]
    Sql {
        /// The SQLSTATE to report.
        state: SqlState,
        /// What went wrong.
        message: String,
        /// What to do.
        hint: String,
    },
    /// A stored model could not be read back (corrupt or from an incompatible version).
    #[error("stored model could not be read: {0}")]
    CorruptModel(String),
    /// The host asked the work to stop (see [`crate::interrupt`]).
    #[error("canceling statement: interrupted")]
    Interrupted,
}

impl Error {
    /// The SQLSTATE to report.
    pub fn sqlstate(&self) -> SqlState {
        match self {
            Error::UnknownVariant { .. } | Error::InvalidParameter { .. } => {
                SqlState::InvalidParameterValue
            }
            Error::Data { .. } => SqlState::DataException,
            Error::NotSupported { .. } => SqlState::FeatureNotSupported,
            Error::Sql { state, .. } => *state,
            Error::CorruptModel(_) => SqlState::InternalError,
            Error::Interrupted => SqlState::QueryCanceled,
        }
    }

    /// What the user can do about it, if anything useful can be said.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::UnknownVariant { kind, valid, .. } => {
                Some(format!("valid values of {kind}: {}", valid.join(", ")))
            }
            Error::InvalidParameter { hint, .. }
            | Error::Data { hint, .. }
            | Error::NotSupported { hint, .. }
            | Error::Sql { hint, .. } => Some(hint.clone()),
            Error::CorruptModel(_) => {
                Some("retrain the model; its stored bytes do not match this pgml version".into())
            }
            Error::Interrupted => None,
        }
    }

    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::InvalidParameter {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Shorthand for [`Error::Sql`].
    pub fn sql(state: SqlState, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Sql {
            state,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Shorthand for [`Error::NotSupported`].
    pub fn not_supported(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::NotSupported {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Shorthand for [`Error::Data`].
    pub fn data(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Data {
            message: message.into(),
            hint: hint.into(),
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
            SqlState::NullValueNotAllowed,
            SqlState::InvalidRegularExpression,
            SqlState::ArraySubscriptError,
            SqlState::UndefinedTable,
            SqlState::UndefinedColumn,
            SqlState::UndefinedObject,
            SqlState::FeatureNotSupported,
            SqlState::InternalError,
            SqlState::UndefinedFile,
            SqlState::DataCorrupted,
            SqlState::ProgramLimitExceeded,
            SqlState::QueryCanceled,
            SqlState::InsufficientPrivilege,
            SqlState::OutOfMemory,
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
