//! What the pure room asks its Durable Object to do, and its timers.
//!
//! The room returns a list of [`Effect`]s; the adapter carries them out in
//! order. A room has many [`Timer`]s but a Durable Object has one alarm: the
//! adapter keeps the timers in a SQLite table and sets the alarm to the
//! earliest. Each timer carries the epoch it belongs to (for the turn
//! deadline, the turn number), so a timer that fires late, twice, or after
//! its turn has passed does nothing.

use serde::{Deserialize, Serialize};
use volley_shared::protocol::{Answer, Role, RoomServerFrame};
use volley_shared::replay::LoggedAction;
use volley_shared::{Game, Seat};

/// The kinds of timer a room keeps; at most one of each is pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TimerKind {
    /// The current turn's deadline; its epoch is the turn number.
    TurnDeadline,
    /// When seats that were never taken stop being waited for.
    SeatReservation,
    /// When a finished room deletes its storage.
    Retention,
    /// When a bot seat makes its move; its epoch is the turn number.
    BotTurn,
    /// When a finished room reports its result to its coordinator again,
    /// until the coordinator acknowledges it.
    ReportRetry,
}

impl TimerKind {
    /// Every kind.
    pub const ALL: [TimerKind; 5] = [
        TimerKind::TurnDeadline,
        TimerKind::SeatReservation,
        TimerKind::Retention,
        TimerKind::BotTurn,
        TimerKind::ReportRetry,
    ];

    /// The name stored in the timers table.
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::TurnDeadline => "turn_deadline",
            TimerKind::SeatReservation => "seat_reservation",
            TimerKind::Retention => "retention",
            TimerKind::BotTurn => "bot_turn",
            TimerKind::ReportRetry => "report_retry",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<TimerKind> {
        TimerKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A pending timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// What it is for.
    pub kind: TimerKind,
    /// When it is due, in ms since the Unix epoch.
    pub due_ms: u64,
    /// What it belongs to (the turn number for a turn deadline, else 0).
    pub epoch: u64,
}

/// An accepted action and the events it caused, to store before anyone
/// hears of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit<G: Game> {
    /// The action, for the action log.
    pub action: LoggedAction<G>,
    /// The numbered event frames, for the event log and then for everyone.
    pub events: Vec<(u64, RoomServerFrame<G>)>,
}

/// Something the caller must do, in the order given.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Effect<G: Game> {
    /// Send the answer to the caller's opening. When it agrees on a
    /// version, every frame to the caller after it is in that version
    /// (before it, and on a socket that opened in version 1, frames are in
    /// version 1).
    Answer(Answer),
    /// Send a frame to the connection the input came from.
    Reply(RoomServerFrame<G>),
    /// The caller, a player, acknowledged event `seq`
    /// ([`volley_shared::protocol::room::move_ack`]): nothing is sent
    /// back; it may end the round trip of that player's last move.
    MoveAcknowledged {
        /// The player's seat.
        seat: Seat,
        /// The event acknowledged.
        seq: u64,
    },
    /// The connection the input came from is now this player or a
    /// spectator: remember it; for a seat, close any other connection for
    /// the same seat with `close::REPLACED`.
    Admit(Role),
    /// Bring the caller up to date from its `last_seq`: send `resumed` and
    /// then the logged events after `last_seq`, or `welcome` when that is
    /// shorter.
    CatchUp {
        /// The client's last event.
        last_seq: u64,
        /// Sent first when resuming from the log.
        resumed: RoomServerFrame<G>,
        /// Sent instead when a snapshot is shorter.
        welcome: RoomServerFrame<G>,
    },
    /// Append the action and events to the logs and save the room, all
    /// before anything else; then send the events to every admitted
    /// connection.
    Commit(Commit<G>),
    /// Save the room as it is after this call.
    Persist,
    /// Send a frame to every admitted connection.
    Broadcast(RoomServerFrame<G>),
    /// Send a frame to every admitted connection except the caller.
    Relay(RoomServerFrame<G>),
    /// Start (or move) a timer.
    SetTimer(Timer),
    /// Drop a timer, if pending.
    CancelTimer(TimerKind),
    /// Close the connection the input came from.
    Close {
        /// The WebSocket close code.
        code: u16,
        /// Why, for people.
        reason: String,
    },
    /// Close every connection.
    CloseAll {
        /// The WebSocket close code.
        code: u16,
        /// Why, for people.
        reason: String,
    },
    /// Delete all of the room's storage: it is gone for good.
    DeleteAll,
    /// Report the game's result to the coordinator that made the room (for
    /// ratings). The coordinator applies a result once, however often it
    /// is reported; when it acknowledges, cancel `TimerKind::ReportRetry`.
    /// So a game is unreported while that timer is set, and a report
    /// asked for once it is gone (a late acknowledgement) is not sent.
    ReportResult(volley_shared::Outcome),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_kinds_round_trip_through_their_names() {
        for kind in TimerKind::ALL {
            assert_eq!(TimerKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(TimerKind::parse("cron"), None);
    }
}
