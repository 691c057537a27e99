//! The frames on a room socket (`/api/rooms/{id}/ws`), protocol 2, generic
//! over the [`Game`] the room plays.
//!
//! The socket opens with [`super::Opening`] carrying [`super::Hello::Join`];
//! after the server's [`super::Answer::Agreed`] these two types are all
//! that travel. A client learns which game a room plays before it connects
//! (from `Matched`, a private-room grant or the room's info), so it always
//! knows which `G` to decode with. Variants are only appended.

use super::{ErrorCode, Role};
use crate::game::{Game, Outcome};
use crate::ids::Seat;
use serde::{Deserialize, Serialize};

/// A frame from a client to its room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum RoomClientFrame<G: Game> {
    /// What I am lining up (an aim, a hovered column), relayed to the
    /// others as [`RoomServerFrame::Live`] and never stored. Only from the
    /// seat to move.
    Live(G::Live),
    /// My move. Only from the seat to move.
    Move(G::Move),
    /// I give up. The game goes on for the others, if two or more remain.
    Resign,
    /// A liveness probe, answered with [`RoomServerFrame::Pong`]; or,
    /// from a player, a move's acknowledgement ([`move_ack`]), which a
    /// room does not answer in version 2.
    Ping {
        /// Echoed back in the pong.
        nonce: u64,
    },
}

/// A frame from a room to a client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum RoomServerFrame<G: Game> {
    /// The answer to [`super::Hello::Join`], with a snapshot of the game as
    /// of event `seq`. Events after `seq` follow as
    /// [`RoomServerFrame::Event`].
    Welcome {
        /// Who this connection is.
        role: Role,
        /// The sequence number of the last event folded into `view`.
        seq: u64,
        /// The players' display names, in seat order.
        names: Vec<String>,
        /// Whether the game is waiting for seats to be taken.
        waiting: bool,
        /// The game as this connection may see it.
        view: G::View,
        /// When the current turn times out, in ms since the Unix epoch.
        deadline_ms: Option<u64>,
    },
    /// The answer to a [`super::Hello::Join`] whose `last_seq` the room can
    /// resume from: the client keeps its state, and the events it missed,
    /// `last_seq + 1 ..= seq`, follow. (When a snapshot is shorter, the
    /// room sends [`RoomServerFrame::Welcome`] instead.)
    Resumed {
        /// Who this connection is.
        role: Role,
        /// The client's `last_seq`, echoed.
        last_seq: u64,
        /// The room's latest event; the last of the events that follow.
        seq: u64,
        /// Whether the game is waiting for seats to be taken.
        waiting: bool,
        /// When the current turn times out, in ms since the Unix epoch.
        deadline_ms: Option<u64>,
    },
    /// Something happened in the game. Sequence numbers start at 1 and have
    /// no gaps; apply them in order with [`Game::apply`].
    Event {
        /// This event's sequence number.
        seq: u64,
        /// What happened.
        event: G::Event,
        /// When the turn that is current after this event times out (ms
        /// since the Unix epoch); `None` when nobody is to move.
        deadline_ms: Option<u64>,
    },
    /// Another seat's live intention, not stored.
    Live {
        /// Whose.
        seat: Seat,
        /// What they are lining up.
        live: G::Live,
    },
    /// After the last event: the game is over. Also sent after the welcome
    /// to a connection that joins a finished room.
    GameOver {
        /// How it ended.
        outcome: Outcome,
        /// The sequence number of the last event.
        seq: u64,
    },
    /// A request was refused. The connection stays open unless a close
    /// follows.
    Error {
        /// A stable, machine-readable code.
        code: ErrorCode,
        /// A human-readable explanation.
        message: String,
    },
    /// The answer to [`RoomClientFrame::Ping`].
    Pong {
        /// The nonce from the ping.
        nonce: u64,
    },
}

/// Acknowledging a move: when the first event of its own move arrives, a
/// client sends `Ping` with this nonce (`seq` is that event's number, with
/// the top bit set). The room does not answer it in version 2 (rooms of
/// earlier releases answered a `Pong`, which clients ignore; a version 1
/// socket still gets one), and counts the time from the move's arrival as
/// the move's round trip, for the operators' dashboard; a game that a
/// version 2 player's move ended is reported to the matchmaker once a
/// player acknowledges a move after the game's end. A
/// client that does not acknowledge loses time only: the room's retry
/// timer reports the game then. A liveness ping never has the top bit
/// set.
pub mod move_ack {
    /// The bit that marks an acknowledgement.
    pub const MARK: u64 = 1 << 63;

    /// The nonce acknowledging event `seq`.
    pub fn nonce(seq: u64) -> u64 {
        MARK | seq
    }

    /// The event a nonce acknowledges, if it is an acknowledgement.
    pub fn seq(nonce: u64) -> Option<u64> {
        (nonce & MARK != 0).then_some(nonce & !MARK)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn an_acknowledgement_names_its_event_and_a_liveness_ping_none() {
            assert_eq!(super::seq(super::nonce(42)), Some(42));
            assert_eq!(super::seq(7), None);
            assert_eq!(super::seq(0), None);
        }
    }
}
