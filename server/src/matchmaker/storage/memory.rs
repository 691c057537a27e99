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
    /// Rooms this instance recorded (`rooms::PRUNE_EVERY`, [`is_nth`]).
    pub(super) rooms_recorded: Cell<u64>,
    /// Waits this instance recorded (`WAITS_PRUNED_EVERY`).
    pub(super) waits_recorded: Cell<u64>,
    /// Anonymous ids this instance noted (`anonymous::PRUNE_EVERY`,
    /// [`is_nth`]).
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

/// Counts one more event on `counter` and says whether it is this
/// instance's first of its kind or an `every`th after it: for work done at
/// every few events (pruning old rows), not at each.
pub(super) fn is_nth(counter: &Cell<u64>, every: u64) -> bool {
    let count = counter.get();
    counter.set(count.wrapping_add(1));
    count.is_multiple_of(every)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_event_and_every_nth_after_it_count() {
        let counter = Cell::new(0);
        let picked: Vec<bool> = (0..9).map(|_| is_nth(&counter, 4)).collect();
        assert_eq!(
            picked,
            [true, false, false, false, true, false, false, false, true]
        );
        assert_eq!(counter.get(), 9);
    }
}
