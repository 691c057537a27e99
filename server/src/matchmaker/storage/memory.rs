//! What an instance keeps of its shard's tables between events.
//!
//! Only the shard's object writes its tables, and one instance runs at a
//! time (an instance of another version starts with nothing in memory), so
//! what an instance read or wrote stays true until it writes again. Each
//! table's module keeps its part: [`super::tickets`], [`super::rooms`],
//! [`super::arrivals`], [`super::anonymous`].

use super::StoredTicket;
use crate::error::Result;
use crate::matchmaker::arrivals::Arrivals;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};

/// What an instance keeps of its shard's tables.
#[derive(Debug, Default)]
pub struct Memory {
    /// Every ticket by id (the table's order), once read; `None` until
    /// then, or after a write that failed.
    pub(super) tickets: RefCell<Option<BTreeMap<u64, StoredTicket>>>,
    /// The socket id of each lone ticket this instance stored.
    pub(super) lone_sockets: RefCell<HashMap<u64, String>>,
    /// Rooms this instance recorded (`rooms::PRUNE_EVERY`).
    pub(super) rooms_recorded: Cell<u64>,
    /// Waits this instance recorded (`WAITS_PRUNED_EVERY`).
    pub(super) waits_recorded: Cell<u64>,
    /// Anonymous ids this instance noted (`anonymous::PRUNE_EVERY`).
    pub(super) anonymous_noted: Cell<u64>,
    /// The arrivals of this minute and the one before, once read.
    pub(super) arrivals: Cell<Option<Arrivals>>,
}

impl Memory {
    /// Runs `write` to the tickets; keeps their copy only if it succeeded.
    pub(super) fn write<T>(&self, write: impl FnOnce() -> Result<T>) -> Result<T> {
        let written = write();
        if written.is_err() {
            self.tickets.replace(None);
        }
        written
    }
}
