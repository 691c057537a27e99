//! The frames on a coordinator socket (`/api/matchmake`), protocol 2.
//!
//! The socket opens with [`super::Opening`] carrying
//! [`super::Hello::FindMatch`]; after the server's
//! [`super::Answer::Agreed`] these two types are all that travel. Variants
//! are only appended.

use super::ErrorCode;
use crate::games::GameKind;
use crate::ids::{PlayerId, RoomId, Seat};
use serde::{Deserialize, Serialize};

/// A frame from a queued player to the coordinator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LobbyClientFrame {
    /// A liveness probe, answered with [`LobbyServerFrame::Pong`]. (To leave
    /// the queue, close the socket.)
    Ping {
        /// Echoed back in the pong.
        nonce: u64,
    },
}

/// A frame from the coordinator to a queued player.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LobbyServerFrame {
    /// The ticket is queued, waiting for opponents.
    Queued {
        /// The identity the coordinator gave this player.
        player: PlayerId,
    },
    /// A room was made for this player. The coordinator closes the ticket
    /// socket after this frame.
    Matched {
        /// The room to connect to at `/api/rooms/{room}/ws`.
        room: RoomId,
        /// The game the room plays, which says how to read its frames.
        game: GameKind,
        /// The seat reserved for this player.
        seat: Seat,
        /// The signed join token to present in [`super::Hello::Join`].
        token: String,
    },
    /// A request was refused. The connection stays open unless a close
    /// follows.
    Error {
        /// A stable, machine-readable code.
        code: ErrorCode,
        /// A human-readable explanation.
        message: String,
    },
    /// The answer to [`LobbyClientFrame::Ping`].
    Pong {
        /// The nonce from the ping.
        nonce: u64,
    },
}
