//! The time an object's alarm was last set, kept in a one-row `alarm`
//! table of its SQLite storage, for [`super::plan`], and in memory once
//! read ([`Noted`]). It touches storage, so the end-to-end tests cover it;
//! the pure plan is unit-tested.

use crate::error::Result;
use crate::sql::{first_unsigned, integer};
use std::cell::Cell;
use worker::{ScheduledTime, SqlStorage};

/// `due_ms` (ms since the Unix epoch) as the platform takes an alarm time:
/// absolute, so the alarm rings exactly when noted. (An offset is added to
/// the clock when the alarm is set, which an await since `now` was read
/// has moved on, so the alarm would ring a few ms after the time noted and
/// look out of step with a timer due at that time.)
pub fn scheduled_at(due_ms: u64) -> ScheduledTime {
    // Exact: every ms time before the year 287,000 fits an f64.
    ScheduledTime::new(js_sys::Date::new(&js_sys::Number::from(due_ms as f64)))
}

/// The noted alarm time as this instance knows it: read from storage the
/// first time, then kept in memory, since only the object itself writes
/// it. Saves a read at every event that may move the alarm (each move in
/// a room, each ticket in a coordinator).
#[derive(Debug, Default)]
pub struct Noted {
    /// `None` until read or written by this instance.
    known: Cell<Option<Option<u64>>>,
}

impl Noted {
    /// When the alarm this object last set rings (or rang).
    pub fn get(&self, sql: &SqlStorage) -> Result<Option<u64>> {
        if let Some(at_ms) = self.known.get() {
            return Ok(at_ms);
        }
        let at_ms = noted_ms(sql)?;
        self.known.set(Some(at_ms));
        Ok(at_ms)
    }

    /// Notes the time the alarm was set to, or that none is pending.
    pub fn set(&self, sql: &SqlStorage, at_ms: Option<u64>) -> Result<()> {
        // Forgotten first: if the write fails, the next event reads again.
        self.known.set(None);
        note_ms(sql, at_ms)?;
        self.known.set(Some(at_ms));
        Ok(())
    }

    /// Storage was wiped (`delete_all`): read it again next time.
    pub fn forget(&self) {
        self.known.set(None);
    }
}

/// The table the last alarm time is noted in; part of each object's schema.
pub const ALARM_TABLE: &str = "CREATE TABLE IF NOT EXISTS alarm (id INTEGER PRIMARY KEY CHECK (id = 1), at_ms INTEGER NOT NULL);";

/// When the alarm this object last set rings (or rang); `None` if it
/// never set one or deleted it.
pub fn noted_ms(sql: &SqlStorage) -> Result<Option<u64>> {
    first_unsigned(sql.exec("SELECT at_ms FROM alarm WHERE id = 1", None)?)
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
