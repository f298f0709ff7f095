//! SQLSTATE codes (the `C` field of ErrorResponse / NoticeResponse), typed.
//!
//! Only the codes a connection pooler sends or reacts to are named here; any other
//! five-character code can be made with [`SqlState::new`].

use std::fmt;

/// A five-character SQLSTATE code of digits and upper-case ASCII letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SqlState([u8; 5]);

macro_rules! codes {
    ($($(#[$meta:meta])* $name:ident = $code:literal;)*) => {
        impl SqlState {
            $($(#[$meta])* pub const $name: SqlState = SqlState(*$code);)*
        }
    };
}

codes! {
    /// 00000
    SUCCESSFUL_COMPLETION = b"00000";
    /// 01000
    WARNING = b"01000";
    /// 08000
    CONNECTION_EXCEPTION = b"08000";
    /// 08001
    SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION = b"08001";
    /// 08003
    CONNECTION_DOES_NOT_EXIST = b"08003";
    /// 08004
    SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION = b"08004";
    /// 08006
    CONNECTION_FAILURE = b"08006";
    /// 08P01
    PROTOCOL_VIOLATION = b"08P01";
    /// 0A000
    FEATURE_NOT_SUPPORTED = b"0A000";
    /// 22023
    INVALID_PARAMETER_VALUE = b"22023";
    /// 24000
    INVALID_CURSOR_STATE = b"24000";
    /// 25000
    INVALID_TRANSACTION_STATE = b"25000";
    /// 25001
    ACTIVE_SQL_TRANSACTION = b"25001";
    /// 25006
    READ_ONLY_SQL_TRANSACTION = b"25006";
    /// 25P02
    IN_FAILED_SQL_TRANSACTION = b"25P02";
    /// 25P03
    IDLE_IN_TRANSACTION_SESSION_TIMEOUT = b"25P03";
    /// 26000
    INVALID_SQL_STATEMENT_NAME = b"26000";
    /// 28000
    INVALID_AUTHORIZATION_SPECIFICATION = b"28000";
    /// 28P01
    INVALID_PASSWORD = b"28P01";
    /// 2D000
    INVALID_TRANSACTION_TERMINATION = b"2D000";
    /// 34000
    INVALID_CURSOR_NAME = b"34000";
    /// 3D000
    INVALID_CATALOG_NAME = b"3D000";
    /// 40001
    SERIALIZATION_FAILURE = b"40001";
    /// 40P01
    DEADLOCK_DETECTED = b"40P01";
    /// 42501
    INSUFFICIENT_PRIVILEGE = b"42501";
    /// 42601
    SYNTAX_ERROR = b"42601";
    /// 42704
    UNDEFINED_OBJECT = b"42704";
    /// 42P05
    DUPLICATE_PREPARED_STATEMENT = b"42P05";
    /// 53000
    INSUFFICIENT_RESOURCES = b"53000";
    /// 53200
    OUT_OF_MEMORY = b"53200";
    /// 53300
    TOO_MANY_CONNECTIONS = b"53300";
    /// 53400
    CONFIGURATION_LIMIT_EXCEEDED = b"53400";
    /// 54000
    PROGRAM_LIMIT_EXCEEDED = b"54000";
    /// 55000
    OBJECT_NOT_IN_PREREQUISITE_STATE = b"55000";
    /// 55P02
    CANT_CHANGE_RUNTIME_PARAM = b"55P02";
    /// 55P03
    LOCK_NOT_AVAILABLE = b"55P03";
    /// 57000
    OPERATOR_INTERVENTION = b"57000";
    /// 57014
    QUERY_CANCELED = b"57014";
    /// 57P01
    ADMIN_SHUTDOWN = b"57P01";
    /// 57P02
    CRASH_SHUTDOWN = b"57P02";
    /// 57P03
    CANNOT_CONNECT_NOW = b"57P03";
    /// 57P04
    DATABASE_DROPPED = b"57P04";
    /// 57P05
    IDLE_SESSION_TIMEOUT = b"57P05";
    /// 58000
    SYSTEM_ERROR = b"58000";
    /// F0000
    CONFIG_FILE_ERROR = b"F0000";
    /// XX000
    INTERNAL_ERROR = b"XX000";
}

impl SqlState {
    /// Parses a code: exactly five characters, each an ASCII digit or upper-case letter.
    pub fn new(code: &str) -> Option<SqlState> {
        let bytes: [u8; 5] = code.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            .then_some(SqlState(bytes))
    }

    /// The code as text, e.g. `"08P01"`.
    pub fn as_str(&self) -> &str {
        // Always ASCII: built from literals above or validated by `new`.
        std::str::from_utf8(&self.0).unwrap_or("XX000")
    }

    /// The two-character class, e.g. `"08"` for every connection exception.
    pub fn class(&self) -> &str {
        self.as_str().get(..2).unwrap_or("XX")
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SqlState({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_codes_and_parsing() {
        assert_eq!(SqlState::PROTOCOL_VIOLATION.as_str(), "08P01");
        assert_eq!(SqlState::INVALID_PASSWORD.as_str(), "28P01");
        assert_eq!(SqlState::TOO_MANY_CONNECTIONS.class(), "53");
        assert_eq!(SqlState::new("57P01"), Some(SqlState::ADMIN_SHUTDOWN));
        assert_eq!(SqlState::new("57p01"), None);
        assert_eq!(SqlState::new("5701"), None);
        assert_eq!(SqlState::new("570144"), None);
        assert_eq!(SqlState::new("57é1"), None);
        assert_eq!(SqlState::QUERY_CANCELED.to_string(), "57014");
        assert_eq!(SqlState::new("F0000"), Some(SqlState::CONFIG_FILE_ERROR));
    }
}
