//! SQLite's errors in the ports' terms.

use ports::StoreError;

/// Maps a SQLite error: unreadable values are corrupt data, anything else is the backend
/// failing (disk full, I/O error, another process holding the lock…).
pub(crate) fn sql_error(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => StoreError::Corrupt(e.to_string()),
        other => StoreError::Unavailable(format!("sqlite: {other}")),
    }
}
