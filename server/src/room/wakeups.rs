//! Counting a room's wake-ups, for the idle-cost benchmark (issue 7): how
//! often the runtime runs the object's handlers between two moves, and
//! whether it was constructed again (it had been evicted from memory,
//! i.e. hibernated) before a handler ran.
//!
//! Only a room the benchmark asked to count (`POST
//! /api/rooms/{id}/debug/wakeups`, routed only with `VOLLEY_BENCH=1`)
//! counts, in a table of its own; every other room reads that it does not
//! once per construction and does nothing more.

use crate::error::Result;
use crate::sql::{first_unsigned, unsigned};
use serde::Serialize;
use std::collections::BTreeMap;
use worker::SqlStorage;

/// The kind of handler that woke the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wakeup {
    /// An HTTP request (including a WebSocket upgrade).
    Fetch,
    /// A WebSocket frame.
    Message,
    /// A WebSocket close.
    Close,
    /// A WebSocket error.
    Error,
    /// The alarm.
    Alarm,
}

impl Wakeup {
    fn name(self) -> &'static str {
        match self {
            Wakeup::Fetch => "fetch",
            Wakeup::Message => "message",
            Wakeup::Close => "close",
            Wakeup::Error => "error",
            Wakeup::Alarm => "alarm",
        }
    }
}

/// The count of a constructed object's first handler: the object had been
/// evicted (hibernated) or never loaded.
const CONSTRUCTED: &str = "constructed";

/// What a counting room has counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Handler runs by kind, and `constructed`.
    pub counts: BTreeMap<String, u64>,
}

/// Starts counting in this room.
pub fn enable(sql: &SqlStorage) -> Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS wakeups (kind TEXT PRIMARY KEY, n INTEGER NOT NULL)",
        None,
    )?;
    Ok(())
}

/// Whether this room counts.
pub fn enabled(sql: &SqlStorage) -> Result<bool> {
    let tables = first_unsigned(sql.exec(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'wakeups'",
        None,
    )?)?;
    Ok(tables.is_some_and(|n| n > 0))
}

/// Counts one handler run; `constructed` when it is the first since the
/// object was constructed.
pub fn count(sql: &SqlStorage, wakeup: Wakeup, constructed: bool) -> Result<()> {
    let mut kinds = vec![wakeup.name()];
    if constructed {
        kinds.push(CONSTRUCTED);
    }
    for kind in kinds {
        sql.exec(
            "INSERT INTO wakeups (kind, n) VALUES (?, 1) \
             ON CONFLICT (kind) DO UPDATE SET n = n + 1",
            vec![kind.into()],
        )?;
    }
    Ok(())
}

/// Everything counted so far.
pub fn read(sql: &SqlStorage) -> Result<Counts> {
    let mut counts = BTreeMap::new();
    for row in sql.exec("SELECT kind, n FROM wakeups", None)?.raw() {
        let mut row = row?.into_iter();
        let kind = crate::sql::text(row.next()).unwrap_or_default();
        counts.insert(kind, unsigned(row.next())?);
    }
    Ok(Counts { counts })
}
