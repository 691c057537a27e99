//! When the next silent ticket socket's time for a first frame can be up,
//! at the earliest, kept in memory so that most events skip reading the
//! shard's `pending` table (issue 16: a statement saved per `FindMatch`).
//!
//! It is a floor, not the time itself: a socket's deadline is added to it
//! as the socket opens, and a row that goes (its `FindMatch` came) only
//! makes the true earliest time later, so the floor stays below it. The
//! table is read again only once the floor is reached, and after a
//! restart (when nothing is known). Pure: the shard tells it what it wrote
//! and read.

use std::cell::Cell;

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

    /// A socket's deadline was written.
    pub fn added(&self, due: u64) {
        self.0.set(match self.0.get() {
            Known::Unknown => Known::Unknown,
            Known::Empty => Known::From(due),
            Known::From(at) => Known::From(at.min(due)),
        });
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
    fn nothing_is_known_until_the_table_is_read() {
        let floor = PendingFloor::default();
        assert_eq!(floor.quiet_at(0), None);
        floor.added(5_000);
        assert_eq!(
            floor.quiet_at(0),
            None,
            "an add alone says nothing of the rest"
        );
        floor.read(None);
        assert_eq!(floor.quiet_at(10_000), Some(None));
    }

    #[test]
    fn the_table_is_read_again_once_the_floor_is_reached() {
        let floor = PendingFloor::default();
        floor.read(Some(3_000));
        assert_eq!(floor.quiet_at(2_999), Some(Some(3_000)));
        assert_eq!(floor.quiet_at(3_000), None);
        floor.read(None);
        floor.added(9_000);
        floor.added(7_000);
        assert_eq!(floor.quiet_at(6_999), Some(Some(7_000)));
        assert_eq!(floor.quiet_at(7_000), None);
    }
}
