//! The frames Volley sends over its binary WebSockets.
//!
//! [`ClientFrame`] goes from a client to the server, [`ServerFrame`] from the
//! server to a client. Both endpoints, the coordinator (`/api/matchmake`) and a
//! room (`/api/rooms/{id}/ws`), speak these two types; each answers a frame
//! that is not meant for it with [`ErrorCode::UnexpectedFrame`].
//!
//! Encoding lives in [`crate::codec`]. `PROTOCOL.md` at the repository root
//! documents the handshake and the close codes.

use crate::artillery::{Aim, ArtilleryState, GameEvent};
use crate::ids::{Mode, PlayerId, RoomId, Seat};
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks. A client states it in its first
/// frame; a server refuses versions it does not support.
pub const PROTOCOL_VERSION: u16 = 1;

/// A frame from a client to the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ClientFrame {
    /// To the coordinator: put me in the queue for a match of this mode.
    FindMatch {
        /// The protocol version the client speaks.
        protocol: u16,
        /// The kind of match wanted.
        mode: Mode,
        /// A display name, at most [`MAX_NAME_LEN`] bytes.
        name: String,
    },
    /// To a room: the first frame on a room socket. The room answers with
    /// [`ServerFrame::Welcome`].
    Hello {
        /// The protocol version the client speaks.
        protocol: u16,
    },
    /// To a room: fire a shot with this aim. Only the seat whose turn it is
    /// may fire.
    Fire {
        /// Angle and power of the shot.
        aim: Aim,
    },
    /// To either: a liveness probe, answered with [`ServerFrame::Pong`].
    Ping {
        /// Echoed back in the pong.
        nonce: u64,
    },
}

/// A frame from the server to a client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ServerFrame {
    /// From the coordinator: the ticket is queued, waiting for opponents.
    Queued {
        /// The identity the coordinator gave this player.
        player: PlayerId,
    },
    /// From the coordinator: a room was made for this player. The
    /// coordinator closes the ticket socket after this frame.
    Matched {
        /// The room to connect to at `/api/rooms/{room}/ws`.
        room: RoomId,
        /// The seat reserved for this player.
        seat: Seat,
        /// The signed join token to present to the room.
        token: String,
    },
    /// From a room: the answer to [`ClientFrame::Hello`], with the whole
    /// state of the game so far.
    Welcome {
        /// The seat this connection plays.
        seat: Seat,
        /// The sequence number of the last event folded into `state`.
        seq: u64,
        /// Whether the game is waiting for seats to be taken.
        waiting: bool,
        /// The game state.
        state: ArtilleryState,
        /// When the current turn times out, in ms since the Unix epoch.
        deadline_ms: Option<u64>,
    },
    /// From a room: something happened in the game. Sequence numbers start
    /// at 1 and have no gaps.
    Event {
        /// This event's sequence number.
        seq: u64,
        /// What happened.
        event: GameEvent,
        /// When the turn that is now current times out (ms since the epoch).
        deadline_ms: Option<u64>,
    },
    /// A request was refused. The connection stays open unless a close
    /// follows.
    Error {
        /// A stable, machine-readable code.
        code: ErrorCode,
        /// A human-readable explanation.
        message: String,
    },
    /// The answer to [`ClientFrame::Ping`].
    Pong {
        /// The nonce from the ping.
        nonce: u64,
    },
}

/// Why a request was refused. The numeric values are stable and documented in
/// `PROTOCOL.md`; new codes are only ever appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The frame could not be decoded.
    MalformedFrame,
    /// The frame was larger than the endpoint accepts.
    FrameTooLarge,
    /// The client speaks a protocol version this server does not support.
    UnsupportedProtocol,
    /// The frame is not one this endpoint accepts now.
    UnexpectedFrame,
    /// The move was sent out of turn.
    NotYourTurn,
    /// The move breaks the rules.
    IllegalMove,
    /// The game is over; no more moves are taken.
    GameOver,
    /// The server failed; the request may be retried.
    Internal,
}

/// The longest display name a client may send, in bytes.
pub const MAX_NAME_LEN: usize = 32;

/// WebSocket close codes Volley uses (4000–4999 is the range for
/// applications). Documented in `PROTOCOL.md`.
pub mod close {
    /// Normal closure: the ticket was matched, or the game is over.
    pub const NORMAL: u16 = 1000;
    /// The client's protocol version is not supported.
    pub const UNSUPPORTED_PROTOCOL: u16 = 4000;
    /// The client broke the protocol too often (repeated malformed frames).
    pub const PROTOCOL_VIOLATION: u16 = 4002;
    /// Another connection took over this seat.
    pub const REPLACED: u16 = 4009;
    /// The server failed.
    pub const INTERNAL: u16 = 4011;
}
