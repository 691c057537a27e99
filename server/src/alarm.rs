//! When to move a Durable Object's one alarm, for the room and the
//! coordinator alike (pure), and the time it was last set, kept in a
//! one-row `alarm` table ([`noted`], the objects' storage).
//!
//! A room keeps its timers (turn deadline, seat reservation, retention,
//! bot turn, report retry) in its own table, and the coordinator its next
//! wake-up (a widening skill window, bot fill); the platform gives each
//! object one alarm, which must never ring later than the earliest of them. Moving the
//! alarm is a storage write the runtime confirms before it delivers the
//! move's events (about a third of a move's round trip on `wrangler dev`,
//! see BENCHMARKS.md), and almost every move pushes the turn deadline
//! later. So the alarm is only ever moved *earlier*: a later deadline
//! leaves it where it is, it rings early, the room finds nothing due (an
//! early alarm changes nothing) and sets it to the earliest timer then.
//! That costs one wake-up per turn length while a game is active, instead
//! of one alarm write per move. At a moment off a move's path when the
//! reason for an early alarm has gone (a room's last socket has said its
//! hello, its result is acknowledged), [`settle`] moves it later, once.

mod noted;

pub use noted::{ALARM_TABLE, Noted, scheduled_at};

/// What to do with the alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmPlan {
    /// It already rings at or before the earliest timer: leave it.
    Keep,
    /// Set it to ring at this time (ms since the epoch).
    Set(u64),
    /// No timer is pending: delete it.
    Delete,
}

/// Decides, at `now_ms`, given the earliest pending timer and the alarm
/// this room last set (if it has not rung yet: a time after `now_ms`).
pub fn plan(now_ms: u64, earliest_timer: Option<u64>, alarm: Option<u64>) -> AlarmPlan {
    let pending = alarm.filter(|&at| at > now_ms);
    match (earliest_timer, pending) {
        (None, None) => AlarmPlan::Keep,
        (None, Some(_)) => AlarmPlan::Delete,
        (Some(due), Some(at)) if at <= due => AlarmPlan::Keep,
        (Some(due), _) => AlarmPlan::Set(due),
    }
}

/// Decides as [`plan`] does, but also moves a pending alarm *later*, to
/// the earliest timer: for a moment when whatever made it ring early has
/// gone (a room's last socket has said its hello, so no hello deadline
/// needs it), once, so the object does not wake for nothing when it rings.
pub fn settle(now_ms: u64, earliest_timer: Option<u64>, alarm: Option<u64>) -> AlarmPlan {
    let pending = alarm.filter(|&at| at > now_ms);
    match (earliest_timer, pending) {
        (Some(due), Some(at)) if at == due => AlarmPlan::Keep,
        (Some(due), _) => AlarmPlan::Set(due),
        (None, _) => plan(now_ms, None, alarm),
    }
}

/// Whether the alarm (set to `alarm`, see [`plan`]) is left as it is after
/// new timers due at `earliest_set` or later, and no timer dropped: it is
/// pending and rings by then, as it rings by every timer set before (the
/// rule [`plan`] keeps). Known without reading the timers, so a move that
/// pushes the turn deadline later reads nothing.
pub fn rings_by(now_ms: u64, earliest_set: u64, alarm: Option<u64>) -> bool {
    alarm.is_some_and(|at| at > now_ms && at <= earliest_set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_timers_leave_a_pending_alarm_without_a_read() {
        // A move pushes the deadline later: the alarm stays, as plan says
        // whatever else is pending (every other timer is due after it).
        assert!(rings_by(5_000, 35_000, Some(31_000)));
        for other in [31_000, 40_000] {
            assert_eq!(
                plan(5_000, Some(other.min(35_000)), Some(31_000)),
                AlarmPlan::Keep
            );
        }
        assert!(rings_by(5_000, 31_000, Some(31_000)));
        // Earlier than the alarm, the alarm rung, or none set: plan must
        // read the timers.
        assert!(!rings_by(5_000, 6_200, Some(31_000)));
        assert!(!rings_by(31_000, 35_000, Some(31_000)));
        assert!(!rings_by(5_000, 35_000, None));
    }

    #[test]
    fn the_alarm_only_moves_earlier() {
        // First deadline: set.
        assert_eq!(plan(1_000, Some(31_000), None), AlarmPlan::Set(31_000));
        // A move pushes the deadline later: the alarm stays, to ring early.
        assert_eq!(plan(5_000, Some(35_000), Some(31_000)), AlarmPlan::Keep);
        // A shorter timer (a bot's turn) comes before it: moved earlier.
        assert_eq!(
            plan(5_000, Some(6_200), Some(31_000)),
            AlarmPlan::Set(6_200)
        );
        // The alarm rang (its time has passed): set to the earliest timer.
        assert_eq!(
            plan(31_000, Some(35_000), Some(31_000)),
            AlarmPlan::Set(35_000)
        );
        // An overdue timer with a rung alarm: ring again now.
        assert_eq!(
            plan(40_000, Some(35_000), Some(31_000)),
            AlarmPlan::Set(35_000)
        );
        // Nothing pending: a pending alarm goes, none stays none.
        assert_eq!(plan(5_000, None, Some(31_000)), AlarmPlan::Delete);
        assert_eq!(plan(5_000, None, Some(4_000)), AlarmPlan::Keep);
        assert_eq!(plan(5_000, None, None), AlarmPlan::Keep);
    }

    #[test]
    fn settling_moves_an_early_alarm_later_to_the_earliest_timer() {
        // A hello deadline at 15 s made it ring before the turn's at 35 s.
        assert_eq!(plan(5_000, Some(35_000), Some(15_000)), AlarmPlan::Keep);
        assert_eq!(
            settle(5_000, Some(35_000), Some(15_000)),
            AlarmPlan::Set(35_000)
        );
        // Already right: left alone, no write.
        assert_eq!(settle(5_000, Some(35_000), Some(35_000)), AlarmPlan::Keep);
        // Later than a timer, rung, or none: as plan says.
        for alarm in [Some(40_000), Some(4_000), None] {
            assert_eq!(
                settle(5_000, Some(35_000), alarm),
                AlarmPlan::Set(35_000),
                "{alarm:?}"
            );
        }
        assert_eq!(settle(5_000, None, Some(15_000)), AlarmPlan::Delete);
        assert_eq!(settle(5_000, None, None), AlarmPlan::Keep);
    }
}
