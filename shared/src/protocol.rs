//! The frames Volley sends over its binary WebSockets, protocol version 1.
//!
//! [`ClientFrame`] goes from a client to the server, [`ServerFrame`] from the
//! server to a client. Both are generic over the [`Game`] a room runs and
//! default to [`Artillery`], Volley's game. Both endpoints, the coordinator
//! (`/api/matchmake`) and a room (`/api/rooms/{id}/ws`), speak these two
//! types; each answers a frame that is not meant for it with
//! [`ErrorCode::UnexpectedFrame`].
//!
//! Encoding lives in [`crate::codec`]. `PROTOCOL.md` at the repository root
//! documents the handshake, the close codes and the versioning rule; the
//! committed encodings of every variant under `shared/tests/golden/` hold
//! this file to it.

use crate::artillery::Artillery;
use crate::game::{Game, Outcome};
use crate::ids::{Mode, PlayerId, RoomId, Seat};
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks. A client states it in its first
/// frame on every socket; a server refuses versions it does not support.
pub const PROTOCOL_VERSION: u16 = 1;

/// The oldest protocol version this build still serves.
pub const MIN_PROTOCOL_VERSION: u16 = 1;

/// Whether this build can serve a client speaking `version`.
pub fn supports(version: u16) -> bool {
    (MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&version)
}

/// A frame from a client to the server.
///
/// Variants are only ever appended, never reordered or changed, so that a
/// server decodes every version it supports (see `PROTOCOL.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum ClientFrame<G: Game = Artillery> {
    /// To the coordinator, first and only frame: put me in the queue for a
    /// match of this mode. Answered with [`ServerFrame::Queued`], later
    /// [`ServerFrame::Matched`].
    FindMatch {
        /// The protocol version the client speaks.
        protocol: u16,
        /// The kind of match wanted.
        mode: Mode,
        /// A display name, at most [`MAX_NAME_LEN`] bytes.
        name: String,
    },
    /// To a room, first frame: who I am and what I have seen. Answered with
    /// [`ServerFrame::Welcome`], or an error and a close.
    Hello {
        /// The protocol version the client speaks.
        protocol: u16,
        /// The join token from [`ServerFrame::Matched`].
        token: String,
        /// The sequence number of the last event this client applied; 0 on
        /// a first connection.
        last_seq: u64,
    },
    /// To a room: what I am lining up (an aim), relayed to the others as
    /// [`ServerFrame::Live`] and never stored. Only from the seat to move.
    Live(G::Live),
    /// To a room: my move (for artillery: fire). Only from the seat to move.
    Move(G::Move),
    /// To a room: I give up. The game goes on for the others, if two or
    /// more remain.
    Resign,
    /// To either: a liveness probe, answered with [`ServerFrame::Pong`].
    Ping {
        /// Echoed back in the pong.
        nonce: u64,
    },
    /// To the coordinator, first and only frame, from each member of a party
    /// that must play in one room: like [`ClientFrame::FindMatch`], plus the
    /// party's key (any text the members agreed on, at most
    /// [`MAX_NAME_LEN`] bytes) and its size. The party queues as one ticket
    /// once `size` members have sent the same key; if one leaves, the
    /// others' sockets are closed with [`close::TICKET_CANCELLED`].
    FindMatchAsParty {
        /// The protocol version the client speaks.
        protocol: u16,
        /// The kind of match wanted.
        mode: Mode,
        /// A display name, at most [`MAX_NAME_LEN`] bytes.
        name: String,
        /// The party's key.
        party: String,
        /// How many players the party has (2 to the mode's seats).
        size: u8,
    },
}

/// A frame from the server to a client.
///
/// Variants are only ever appended. A server sends a client only what the
/// client's declared protocol version contains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum ServerFrame<G: Game = Artillery> {
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
        /// The signed join token to present in [`ClientFrame::Hello`].
        token: String,
    },
    /// From a room: the answer to [`ClientFrame::Hello`], with a snapshot of
    /// the game as of event `seq`. Events after `seq` follow as
    /// [`ServerFrame::Event`].
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
    /// From a room: something happened in the game. Sequence numbers start
    /// at 1 and have no gaps; apply them in order with [`Game::apply`].
    Event {
        /// This event's sequence number.
        seq: u64,
        /// What happened.
        event: G::Event,
        /// When the turn that is current after this event times out (ms
        /// since the Unix epoch); `None` when nobody is to move.
        deadline_ms: Option<u64>,
    },
    /// From a room: another seat's live intention (its aim), not stored.
    Live {
        /// Whose.
        seat: Seat,
        /// What they are lining up.
        live: G::Live,
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
    /// From a room, after the last event: the game is over. Also sent after
    /// the welcome to a connection that joins a finished room.
    GameOver {
        /// How it ended.
        outcome: Outcome,
        /// The sequence number of the last event.
        seq: u64,
    },
    /// From a room: the answer to a [`ClientFrame::Hello`] whose `last_seq`
    /// the room can resume from. The client keeps its state; the events it
    /// missed, `last_seq + 1 ..= seq`, follow as [`ServerFrame::Event`].
    /// (When a snapshot is shorter, the room sends [`ServerFrame::Welcome`]
    /// instead.)
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
}

/// Who a room connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// The player in this seat.
    Player(Seat),
    /// A spectator, who sees the game and cannot act.
    Spectator,
}

/// Why a request was refused. The numeric values (the variant's position)
/// are stable and documented in `PROTOCOL.md`; new codes are only appended.
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
    /// The game is over (or not yet begun); no moves are taken.
    NotInPlay,
    /// The server failed; the request may be retried.
    Internal,
    /// The join token is forged, malformed, for another room, or expired.
    BadToken,
    /// Too many frames; slow down.
    RateLimited,
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
    /// The join token is forged, malformed, for another room, or expired.
    pub const BAD_TOKEN: u16 = 4001;
    /// The client broke the protocol (repeated malformed frames, or a first
    /// frame that is not the handshake).
    pub const PROTOCOL_VIOLATION: u16 = 4002;
    /// The client sent frames faster than the rate limit, for too long.
    pub const RATE_LIMITED: u16 = 4008;
    /// Another connection took over this seat.
    pub const REPLACED: u16 = 4009;
    /// The ticket was cancelled: a member of the party left.
    pub const TICKET_CANCELLED: u16 = 4010;
    /// The server failed.
    pub const INTERNAL: u16 = 4011;
    /// The room is closing for good (its replay's retention ran out).
    pub const ROOM_CLOSED: u16 = 4012;
}
