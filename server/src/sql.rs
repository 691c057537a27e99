//! Small helpers for values in Durable Object SQLite storage, shared by the
//! room and the coordinator.
//!
//! SQL integers cross into JavaScript as doubles, so only values below 2^53
//! go in integer columns (checked here); everything else (player ids, seeds,
//! whole records) goes in bincode blobs.

use crate::blob::{self, BlobError, Kind, Versioned};
use crate::error::{Result, ServerError};
use std::cell::Cell;
use worker::{SqlCursor, SqlStorage, SqlStorageValue};

/// Whether an object's tables exist, so that they are created (or checked)
/// once per instance instead of at every event.
#[derive(Debug, Default)]
pub struct Schema {
    ready: Cell<bool>,
}

impl Schema {
    /// Opens the object's storage: with `open`, which creates the tables,
    /// the first time; with `existing` after that.
    pub fn open<S>(
        &self,
        sql: SqlStorage,
        open: impl FnOnce(SqlStorage) -> Result<S>,
        existing: impl FnOnce(SqlStorage) -> S,
    ) -> Result<S> {
        if self.ready.get() {
            return Ok(existing(sql));
        }
        let storage = open(sql)?;
        self.ready.set(true);
        Ok(storage)
    }

    /// Whether the tables were created or checked in this instance.
    pub fn is_ready(&self) -> bool {
        self.ready.get()
    }

    /// The tables are gone (`delete_all`): create them again next time.
    pub fn forget(&self) {
        self.ready.set(false);
    }
}

/// A value as a bincode blob ([`crate::blob`], with its size limit).
pub fn blob<T: Versioned>(value: &T) -> Result<SqlStorageValue> {
    Ok(SqlStorageValue::Blob(blob::encode(Kind::Stored, value)?))
}

/// The bytes of a BLOB column.
pub fn bytes(value: Option<SqlStorageValue>) -> Result<Vec<u8>> {
    match value {
        Some(SqlStorageValue::Blob(bytes)) => Ok(bytes),
        other => {
            Err(BlobError::Decode(Kind::Stored, format!("expected a blob, found {other:?}")).into())
        }
    }
}

/// A bincode blob as a value.
pub fn from_blob<T: Versioned>(value: Option<SqlStorageValue>) -> Result<T> {
    Ok(blob::decode(Kind::Stored, &bytes(value)?)?)
}

/// The most values one statement binds (Durable Object SQLite's limit).
pub const MAX_BINDINGS: usize = 100;

/// How many rows of `columns` values one statement can insert.
pub const fn rows_per_statement(columns: usize) -> usize {
    MAX_BINDINGS / columns
}

/// The placeholders of a multi-row `VALUES`: `rows` rows of `columns`
/// values each, as in `(?, ?), (?, ?)`.
pub fn placeholders(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

/// A whole number for an integer column.
pub fn integer(value: u64) -> Result<SqlStorageValue> {
    let value =
        i64::try_from(value).map_err(|_| stored(format!("{value} does not fit a SQL integer")))?;
    Ok(SqlStorageValue::try_from_i64(value)?)
}

/// A whole number from an integer column (it may come back as a double).
pub fn unsigned(value: Option<SqlStorageValue>) -> Result<u64> {
    match value {
        Some(SqlStorageValue::Integer(i)) if i >= 0 => Ok(i.unsigned_abs()),
        Some(SqlStorageValue::Float(f)) if f >= 0.0 && f.fract() == 0.0 && f < 9.0e15 => {
            Ok(f as u64)
        }
        other => Err(stored(format!("expected a whole number, found {other:?}"))),
    }
}

/// The values of a query's first row, in its columns' order; `None` if
/// the query returned no row. A failed read is an error, never "no row".
pub fn first_row(cursor: SqlCursor) -> Result<Option<std::vec::IntoIter<SqlStorageValue>>> {
    Ok(cursor.raw().next().transpose()?.map(Vec::into_iter))
}

/// Whether a query (a `SELECT 1 ...`) returned any row.
pub fn any_row(cursor: SqlCursor) -> Result<bool> {
    Ok(first_row(cursor)?.is_some())
}

/// The first column of a query's first row as a whole number; `None` if
/// the query returned no row.
pub fn first_unsigned(cursor: SqlCursor) -> Result<Option<u64>> {
    first_row(cursor)?
        .map(|mut values| unsigned(values.next()))
        .transpose()
}

/// The first two columns of a query's first row as whole numbers: an
/// aggregate's, which always has one row.
pub fn first_two_unsigned(cursor: SqlCursor) -> Result<(u64, u64)> {
    let mut values = first_row(cursor)?.unwrap_or_default();
    Ok((unsigned(values.next())?, unsigned(values.next())?))
}

/// A number from a REAL column.
pub fn real(value: Option<SqlStorageValue>) -> Result<f64> {
    match value {
        Some(SqlStorageValue::Float(f)) => Ok(f),
        Some(SqlStorageValue::Integer(i)) => Ok(i as f64),
        other => Err(stored(format!("expected a number, found {other:?}"))),
    }
}

/// Text from a text column; `None` for NULL.
pub fn text(value: Option<SqlStorageValue>) -> Option<String> {
    match value {
        Some(SqlStorageValue::String(text)) => Some(text),
        _ => None,
    }
}

fn stored(message: String) -> ServerError {
    BlobError::Decode(Kind::Stored, message).into()
}

/// A game of a player's history from a row of `room_id, at_ms, result,
/// rating_after` (the coordinator's old `player_matches` and a player
/// object's `matches` read the same columns).
pub fn played_match(row: Vec<SqlStorageValue>) -> Result<volley_shared::api::PlayedMatch> {
    let mut values = row.into_iter();
    Ok(volley_shared::api::PlayedMatch {
        room_id: volley_shared::RoomId(text(values.next()).unwrap_or_default()),
        at_ms: unsigned(values.next())?,
        result: text(values.next()).unwrap_or_default(),
        rating_after: real(values.next())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_name_every_value_of_every_row() {
        assert_eq!(placeholders(1, 3), "(?, ?, ?)");
        assert_eq!(placeholders(2, 2), "(?, ?), (?, ?)");
        assert_eq!(rows_per_statement(2), 50);
        assert_eq!(rows_per_statement(3), 33);
        assert!(3 * rows_per_statement(3) <= MAX_BINDINGS);
    }
}
