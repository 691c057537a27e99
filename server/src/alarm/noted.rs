//! The time an object's alarm was last set, kept in a one-row `alarm`
//! table of its SQLite storage, for [`super::plan`]. It touches storage,
//! so the end-to-end tests cover it; the pure plan is unit-tested.

use crate::error::Result;
use crate::sql::{integer, unsigned};
use worker::SqlStorage;

/// The table the last alarm time is noted in; part of each object's schema.
pub const ALARM_TABLE: &str = "CREATE TABLE IF NOT EXISTS alarm (id INTEGER PRIMARY KEY CHECK (id = 1), at_ms INTEGER NOT NULL);";

/// When the alarm this object last set rings (or rang); `None` if it
/// never set one or deleted it.
pub fn noted_ms(sql: &SqlStorage) -> Result<Option<u64>> {
    let cursor = sql.exec("SELECT at_ms FROM alarm WHERE id = 1", None)?;
    match cursor.raw().next() {
        Some(row) => unsigned(row?.into_iter().next()).map(Some),
        None => Ok(None),
    }
}

/// Notes the time the alarm was set to, or that none is pending.
pub fn note_ms(sql: &SqlStorage, at_ms: Option<u64>) -> Result<()> {
    match at_ms {
        Some(at_ms) => sql.exec(
            "INSERT OR REPLACE INTO alarm (id, at_ms) VALUES (1, ?)",
            vec![integer(at_ms)?],
        )?,
        None => sql.exec("DELETE FROM alarm", None)?,
    };
    Ok(())
}
