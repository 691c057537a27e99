//! Small helpers for values in Durable Object SQLite storage, shared by the
//! room and the coordinator.
//!
//! SQL integers cross into JavaScript as doubles, so only values below 2^53
//! go in integer columns (checked here); everything else (player ids, seeds,
//! whole records) goes in bincode blobs.

use serde::{Serialize, de::DeserializeOwned};
use std::cell::Cell;
use volley_shared::codec;
use worker::{Error, Result, SqlStorage, SqlStorageValue};

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

    /// The tables are gone (`delete_all`): create them again next time.
    pub fn forget(&self) {
        self.ready.set(false);
    }
}

/// The largest blob read back.
const MAX_BLOB_BYTES: usize = 1 << 20;

/// A value as a bincode blob.
pub fn blob<T: Serialize>(value: &T) -> Result<SqlStorageValue> {
    bincode::serde::encode_to_vec(value, bincode::config::standard())
        .map(SqlStorageValue::Blob)
        .map_err(|e| Error::RustError(format!("could not encode a stored value: {e}")))
}

/// A bincode blob as a value.
pub fn from_blob<T: DeserializeOwned>(value: Option<SqlStorageValue>) -> Result<T> {
    let Some(SqlStorageValue::Blob(bytes)) = value else {
        return Err(Error::RustError(format!(
            "expected a blob, found {value:?}"
        )));
    };
    codec::decode_limited::<T, MAX_BLOB_BYTES>(&bytes)
        .map_err(|e| Error::RustError(format!("a stored value is unreadable: {e}")))
}

/// A whole number for an integer column.
pub fn integer(value: u64) -> Result<SqlStorageValue> {
    let value = i64::try_from(value)
        .map_err(|_| Error::RustError(format!("{value} does not fit a SQL integer")))?;
    SqlStorageValue::try_from_i64(value)
}

/// A whole number from an integer column (it may come back as a double).
pub fn unsigned(value: Option<SqlStorageValue>) -> Result<u64> {
    match value {
        Some(SqlStorageValue::Integer(i)) if i >= 0 => Ok(i.unsigned_abs()),
        Some(SqlStorageValue::Float(f)) if f >= 0.0 && f.fract() == 0.0 && f < 9.0e15 => {
            Ok(f as u64)
        }
        other => Err(Error::RustError(format!(
            "expected a whole number, found {other:?}"
        ))),
    }
}

/// A number from a REAL column.
pub fn real(value: Option<SqlStorageValue>) -> Result<f64> {
    match value {
        Some(SqlStorageValue::Float(f)) => Ok(f),
        Some(SqlStorageValue::Integer(i)) => Ok(i as f64),
        other => Err(Error::RustError(format!(
            "expected a number, found {other:?}"
        ))),
    }
}

/// Text from a text column; `None` for NULL.
pub fn text(value: Option<SqlStorageValue>) -> Option<String> {
    match value {
        Some(SqlStorageValue::String(text)) => Some(text),
        _ => None,
    }
}
