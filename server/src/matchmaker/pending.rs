//! Ticket sockets that have not said their first frame yet, and when each
//! one's time is up. Pure: the shard tells it what it opened, heard and
//! read.
//!
//! A socket carries its deadline in a tag (`due:<ms>`), set as it is
//! accepted, and the instance that accepted it keeps it in memory
//! ([`Silent`]): opening a socket writes nothing to storage (issue 16: the
//! write was a fifth of a ticket's cost). An instance that starts with
//! sockets already open (after hibernation) reads their tags once. Sockets
//! accepted by the releases before this one have a row in the shard's
//! `pending` table instead; [`PendingFloor`], a floor under the table's
//! earliest deadline, spares most events reading it (the table is only
//! read again once the floor is reached, and after a restart, when nothing
//! is known).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};

/// The tag that holds a ticket socket's deadline for its first frame.
pub const DUE_TAG: &str = "due:";

/// A socket's deadline tag.
pub fn due_tag(due_ms: u64) -> String {
    format!("{DUE_TAG}{due_ms}")
}

/// The deadline a socket's tag says, if the tag is one.
pub fn due_in_tag(tag: &str) -> Option<u64> {
    tag.strip_prefix(DUE_TAG)?.parse().ok()
}

/// Silent sockets by id, with their deadlines, as this instance knows them.
#[derive(Debug, Default)]
pub struct Silent {
    state: RefCell<SilentState>,
}

#[derive(Debug, Default)]
struct SilentState {
    by_due: BTreeSet<(u64, String)>,
    due_of: HashMap<String, u64>,
    /// Whether the sockets open before this instance were looked at.
    scanned: bool,
}

impl Silent {
    /// A socket opened (or was found open) and must speak by `due`.
    pub fn opened(&self, id: &str, due: u64) {
        let mut state = self.state.borrow_mut();
        if let Some(old) = state.due_of.insert(id.to_string(), due) {
            state.by_due.remove(&(old, id.to_string()));
        }
        state.by_due.insert((due, id.to_string()));
    }

    /// A socket said its first frame, or closed; whether it was known.
    pub fn spoke(&self, id: &str) -> bool {
        let mut state = self.state.borrow_mut();
        match state.due_of.remove(id) {
            Some(due) => state.by_due.remove(&(due, id.to_string())),
            None => false,
        }
    }

    /// The sockets whose time is up at `now`, forgotten here.
    pub fn take_due(&self, now: u64) -> Vec<String> {
        let mut state = self.state.borrow_mut();
        let mut due = Vec::new();
        while let Some((at, _)) = state.by_due.first() {
            if *at > now {
                break;
            }
            if let Some((_, id)) = state.by_due.pop_first() {
                state.due_of.remove(&id);
                due.push(id);
            }
        }
        due
    }

    /// When the next known socket's time is up.
    pub fn next_due(&self) -> Option<u64> {
        self.state.borrow().by_due.first().map(|(at, _)| *at)
    }

    /// Whether the sockets open before this instance must still be looked
    /// at; `true` once, then `false`.
    pub fn scan_needed(&self) -> bool {
        let mut state = self.state.borrow_mut();
        !std::mem::replace(&mut state.scanned, true)
    }

    /// Forgets every socket, as an instance that starts knows none (the
    /// sockets open are then looked at again); how many it knew.
    pub fn forget(&self) -> usize {
        std::mem::take(&mut *self.state.borrow_mut()).due_of.len()
    }

    /// How many sockets are known to be silent.
    pub fn len(&self) -> usize {
        self.state.borrow().due_of.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What is known of the `pending` table's earliest deadline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Known {
    /// Nothing: read the table.
    #[default]
    Unknown,
    /// No socket waits for its first frame.
    Empty,
    /// No socket's time is up before this.
    From(u64),
}

/// The floor under the earliest pending deadline.
#[derive(Debug, Default)]
pub struct PendingFloor(Cell<Known>);

impl PendingFloor {
    /// `Some(next)` when, at `now`, no socket's time can be up, so the
    /// table need not be read: `next` is the floor (`None`: no socket
    /// waits). `None` when the table must be read.
    pub fn quiet_at(&self, now: u64) -> Option<Option<u64>> {
        match self.0.get() {
            Known::Unknown => None,
            Known::Empty => Some(None),
            Known::From(at) if now < at => Some(Some(at)),
            Known::From(_) => None,
        }
    }

    /// The table was read: its earliest deadline, if any.
    pub fn read(&self, earliest: Option<u64>) {
        self.0.set(earliest.map_or(Known::Empty, Known::From));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_socket_is_due_at_its_deadline_unless_it_spoke() {
        let silent = Silent::default();
        silent.opened("a", 20_000);
        silent.opened("b", 21_000);
        silent.opened("c", 22_000);
        assert_eq!(silent.next_due(), Some(20_000));
        assert!(silent.spoke("a"));
        assert!(!silent.spoke("a"), "told twice");
        assert!(!silent.spoke("unknown"));
        assert_eq!(silent.next_due(), Some(21_000));
        assert!(silent.take_due(20_999).is_empty());
        assert_eq!(silent.take_due(21_500), vec!["b".to_string()]);
        assert_eq!(silent.len(), 1);
        // Found open again (a scan after hibernation): one entry, not two.
        silent.opened("c", 22_000);
        assert_eq!(silent.take_due(30_000), vec!["c".to_string()]);
        assert!(silent.is_empty());
        assert_eq!(silent.next_due(), None);
    }

    #[test]
    fn the_sockets_before_an_instance_are_scanned_once() {
        let silent = Silent::default();
        assert!(silent.scan_needed());
        assert!(!silent.scan_needed());
        silent.opened("a", 1);
        // Forgotten as a new instance would: scanned again.
        assert_eq!(silent.forget(), 1);
        assert!(silent.is_empty());
        assert!(silent.scan_needed());
    }

    #[test]
    fn a_deadline_travels_in_a_tag() {
        assert_eq!(
            due_in_tag(&due_tag(1_796_160_639_549)),
            Some(1_796_160_639_549)
        );
        assert_eq!(due_in_tag("id:abc"), None);
        assert_eq!(due_in_tag("due:soon"), None);
    }

    #[test]
    fn nothing_is_known_until_the_table_is_read() {
        let floor = PendingFloor::default();
        assert_eq!(floor.quiet_at(0), None);
        floor.read(None);
        assert_eq!(floor.quiet_at(10_000), Some(None));
    }

    #[test]
    fn the_table_is_read_again_once_the_floor_is_reached() {
        let floor = PendingFloor::default();
        floor.read(Some(3_000));
        assert_eq!(floor.quiet_at(2_999), Some(Some(3_000)));
        assert_eq!(floor.quiet_at(3_000), None);
        floor.read(Some(7_000));
        assert_eq!(floor.quiet_at(6_999), Some(Some(7_000)));
        assert_eq!(floor.quiet_at(7_000), None);
    }
}
