//! The `pending` table: ticket sockets (by the id in their tags) that have
//! not yet sent a valid first frame, with when their time is up
//! (`LIMIT_HELLO_MS`), as the releases before this one wrote them (this
//! one keeps a socket's deadline in memory and in its tags:
//! [`crate::matchmaker::pending`]). The alarm closes the ones still silent
//! when it rings, found by index instead of by reading every socket. A
//! row goes when its socket's ticket is noted in `members` (its
//! `FindMatch` was taken; a trigger deletes it in the same statement; a
//! ticket matched as it arrived, never noted there, forgets its row
//! itself), or when its deadline passes. (The first releases with this
//! table left every row until its deadline; their rows simply go then.)

use super::Storage;
use crate::error::Result;
use crate::sql::{first_unsigned, integer};

/// The table and its index; part of the shard's schema.
pub(super) const PENDING_TABLE: &str = "
CREATE TABLE IF NOT EXISTS pending (socket TEXT PRIMARY KEY, due_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS pending_by_due ON pending (due_ms);
CREATE TRIGGER IF NOT EXISTS pending_ends_with_a_ticket AFTER INSERT ON members
BEGIN DELETE FROM pending WHERE socket = NEW.socket; END;
";

/// The most sockets one alarm closes; the rest wait for the next ring.
const SWEEP_BATCH: u64 = 512;

impl Storage {
    /// Forgets the deadline of a socket whose `FindMatch` was taken
    /// without noting it in `members` (a ticket matched as it arrived).
    pub fn forget_pending(&self, socket: &str) -> Result<()> {
        self.sql
            .exec("DELETE FROM pending WHERE socket = ?", vec![socket.into()])?;
        Ok(())
    }

    /// Takes (reads and deletes) the sockets whose time was up at `now`, at
    /// most a batch of them.
    pub fn take_due_pending(&self, now: u64) -> Result<Vec<String>> {
        self.texts(
            "DELETE FROM pending WHERE socket IN \
             (SELECT socket FROM pending WHERE due_ms <= ? ORDER BY due_ms LIMIT ?) \
             RETURNING socket",
            vec![integer(now)?, integer(SWEEP_BATCH)?],
        )
    }

    /// When the next pending socket's time is up.
    pub fn next_pending_due(&self) -> Result<Option<u64>> {
        first_unsigned(
            self.sql
                .exec("SELECT due_ms FROM pending ORDER BY due_ms LIMIT 1", None)?,
        )
    }
}
