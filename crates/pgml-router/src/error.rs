//! Errors the router raises towards clients: a severity, a stable SQLSTATE and a
//! message that names the pool, user or limit involved.

use bytes::BytesMut;
use pgwire::backend::{ErrorResponse, Severity};
use pgwire::SqlState;

/// An error to send to a client as an ErrorResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    /// `FATAL` closes the client connection after sending; `ERROR` keeps it.
    pub severity: Severity,
    /// SQLSTATE.
    pub code: SqlState,
    /// Human-readable message.
    pub message: String,
}

impl ClientError {
    /// A FATAL error: the connection is closed after it is sent.
    pub fn fatal(code: SqlState, message: impl Into<String>) -> ClientError {
        ClientError {
            severity: Severity::Fatal,
            code,
            message: message.into(),
        }
    }

    /// An ERROR: the session goes on.
    pub fn error(code: SqlState, message: impl Into<String>) -> ClientError {
        ClientError {
            severity: Severity::Error,
            code,
            message: message.into(),
        }
    }

    /// The ErrorResponse message.
    pub fn response(&self) -> ErrorResponse {
        ErrorResponse::new(self.severity, self.code, self.message.clone())
    }

    /// Appends the ErrorResponse frame to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) {
        if self.response().encode(buf).is_err() {
            // Only a NUL inside the message can fail: send it without one.
            let clean = self.message.replace('\0', " ");
            let _ = ErrorResponse::new(self.severity, self.code, clean).encode(buf);
        }
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.severity, self.code, self.message)
    }
}

impl std::error::Error for ClientError {}
