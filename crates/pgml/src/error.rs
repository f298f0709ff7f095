//! Core errors -> PostgreSQL ERRORs with the core's SQLSTATE, message and hint.

use pgml_core::{Error, SqlState};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

fn code(state: SqlState) -> PgSqlErrorCode {
    match state {
        SqlState::InvalidParameterValue => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        SqlState::InvalidTextRepresentation => PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
        SqlState::DataException => PgSqlErrorCode::ERRCODE_DATA_EXCEPTION,
        SqlState::NullValueNotAllowed => PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
        SqlState::InvalidRegularExpression => PgSqlErrorCode::ERRCODE_INVALID_REGULAR_EXPRESSION,
        // 2202E: pgrx names it after its other name, array_element_error.
        SqlState::ArraySubscriptError => PgSqlErrorCode::ERRCODE_ARRAY_ELEMENT_ERROR,
        SqlState::UndefinedTable => PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
        SqlState::UndefinedColumn => PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
        SqlState::UndefinedObject => PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
        SqlState::FeatureNotSupported => PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        SqlState::InternalError => PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
        SqlState::UndefinedFile => PgSqlErrorCode::ERRCODE_UNDEFINED_FILE,
        SqlState::DataCorrupted => PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
        SqlState::ProgramLimitExceeded => PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
        SqlState::QueryCanceled => PgSqlErrorCode::ERRCODE_QUERY_CANCELED,
        SqlState::InsufficientPrivilege => PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        SqlState::OutOfMemory => PgSqlErrorCode::ERRCODE_OUT_OF_MEMORY,
    }
}

/// Raises `err` as a SQL ERROR; the transaction aborts, so nothing half-written survives.
pub fn raise(err: Error, function: &'static str) -> ! {
    if matches!(err, Error::Interrupted) {
        // PostgreSQL's own error for what was asked (cancel, statement_timeout,
        // termination), with its message.
        pgrx::check_for_interrupts!();
    }
    let mut report = ErrorReport::new(code(err.sqlstate()), err.to_string(), function);
    if let Some(hint) = err.hint() {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// `result.or_raise("pgml.train")`: the value, or the error raised as a SQL ERROR.
pub trait OrRaise<T> {
    fn or_raise(self, function: &'static str) -> T;
}

impl<T> OrRaise<T> for Result<T, Error> {
    fn or_raise(self, function: &'static str) -> T {
        self.unwrap_or_else(|err| raise(err, function))
    }
}

/// An SPI failure is a bug or a broken catalog, never the user's input.
pub fn spi(err: pgrx::spi::Error) -> Error {
    Error::sql(
        SqlState::InternalError,
        format!("SPI failed: {err}"),
        "this is a bug in pgml; please report it",
    )
}

/// The error for a model id that is not in `pgml.models`.
pub fn unknown_model(model_id: i64) -> Error {
    Error::sql(
        SqlState::UndefinedObject,
        format!("model {model_id} does not exist"),
        "pgml.trained_models lists the models that exist",
    )
}
