//! How a room is stored: one row in the room's own SQLite database.

use super::durable::RoomGame;
use super::engine::Room;
use serde::{Deserialize, Serialize};
use worker::{Error, Result, SqlStorage, SqlStorageValue};

/// Bumped when the stored layout changes incompatibly.
const RECORD_VERSION: u16 = 2;

/// Everything a room keeps.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RoomRecord {
    /// Layout version of this record.
    pub version: u16,
    /// The game.
    pub room: Room<RoomGame>,
    /// The Durable Object id of the coordinator that created the room.
    pub created_by: String,
    /// The location hint the room was created with.
    pub location_hint: Option<String>,
    /// When the room was created, in ms since the Unix epoch.
    pub created_at_ms: u64,
}

impl RoomRecord {
    /// A record for a new room.
    pub fn new(
        room: Room<RoomGame>,
        created_by: String,
        location_hint: Option<String>,
        now_ms: u64,
    ) -> Self {
        RoomRecord {
            version: RECORD_VERSION,
            room,
            created_by,
            location_hint,
            created_at_ms: now_ms,
        }
    }
}

fn ensure_schema(sql: &SqlStorage) -> Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS room (id INTEGER PRIMARY KEY CHECK (id = 1), record BLOB NOT NULL)",
        None,
    )?;
    Ok(())
}

/// Reads the room's record, if it has been initialised.
pub fn load(sql: &SqlStorage) -> Result<Option<RoomRecord>> {
    ensure_schema(sql)?;
    let cursor = sql.exec("SELECT record FROM room WHERE id = 1", None)?;
    let Some(row) = cursor.raw().next() else {
        return Ok(None);
    };
    let Some(SqlStorageValue::Blob(bytes)) = row?.into_iter().next() else {
        return Err(Error::RustError("room record is not a blob".into()));
    };
    let (record, _): (RoomRecord, usize) =
        bincode::serde::decode_from_slice(&bytes, bincode::config::standard())
            .map_err(|e| Error::RustError(format!("room record is unreadable: {e}")))?;
    if record.version != RECORD_VERSION {
        return Err(Error::RustError(format!(
            "room record version {} is not supported (this build reads {RECORD_VERSION})",
            record.version
        )));
    }
    Ok(Some(record))
}

/// Writes the room's record (synchronously: SQLite storage is local).
pub fn save(sql: &SqlStorage, record: &RoomRecord) -> Result<()> {
    ensure_schema(sql)?;
    let bytes = bincode::serde::encode_to_vec(record, bincode::config::standard())
        .map_err(|e| Error::RustError(format!("could not encode room record: {e}")))?;
    sql.exec(
        "INSERT OR REPLACE INTO room (id, record) VALUES (1, ?)",
        vec![SqlStorageValue::Blob(bytes)],
    )?;
    Ok(())
}
