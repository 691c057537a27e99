//! Protocol version 1: the frames Volley's first release spoke, kept
//! byte for byte so that its clients are still served.
//!
//! Version 1 has one pair of frame types for both endpoints, the
//! coordinator (`/api/matchmake`) and a room (`/api/rooms/{id}/ws`); each
//! answers a frame that is not meant for it with
//! [`ErrorCode::UnexpectedFrame`]. A version 1 client's first frame
//! ([`ClientFrame::FindMatch`], [`ClientFrame::FindMatchAsParty`] or
//! [`ClientFrame::Hello`]) states the one version it speaks.
//!
//! Nothing in this file may change: the committed encodings under
//! `shared/tests/golden/v1/` hold it to the bytes in the field. New work
//! goes in the current version ([`super::lobby`], [`super::room`]); the
//! conversions at the bottom of this file carry current frames to version 1
//! clients and their frames in.

use super::lobby::{LobbyClientFrame, LobbyServerFrame};
use super::opening::{Hello, Party};
use super::room::{RoomClientFrame, RoomServerFrame};
use super::{ErrorCode, Role};
use crate::game::{Game, Outcome};
use crate::ids::{Mode, PlayerId, RoomId, Seat};
use serde::{Deserialize, Serialize};

/// The version this module speaks.
pub const VERSION: u16 = 1;

/// A frame from a client to the server.
///
/// Variants are only ever appended, never reordered or changed, so that a
/// server decodes every version it supports (see `PROTOCOL.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum ClientFrame<G: Game> {
    /// To the coordinator, first and only frame: put me in the queue for a
    /// match of this mode. Answered with [`ServerFrame::Queued`], later
    /// [`ServerFrame::Matched`].
    FindMatch {
        /// The protocol version the client speaks.
        protocol: u16,
        /// The kind of match wanted.
        mode: Mode,
        /// A display name, at most [`super::MAX_NAME_LEN`] bytes.
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
    /// [`super::MAX_NAME_LEN`] bytes) and its size. The party queues as one ticket
    /// once `size` members have sent the same key; if one leaves, the
    /// others' sockets are closed with [`super::close::TICKET_CANCELLED`].
    FindMatchAsParty {
        /// The protocol version the client speaks.
        protocol: u16,
        /// The kind of match wanted.
        mode: Mode,
        /// A display name, at most [`super::MAX_NAME_LEN`] bytes.
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
pub enum ServerFrame<G: Game> {
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

/// Where a version 1 client frame belongs, once read.
#[derive(Clone, Debug, PartialEq)]
pub enum Sorted<G: Game> {
    /// A first frame: the version it states and what it asks for.
    Hello(u16, Hello),
    /// A frame for a room.
    Room(RoomClientFrame<G>),
    /// A frame for a coordinator (its only one after the first is a ping;
    /// a ping is also a room frame, and is sorted there).
    Lobby(LobbyClientFrame),
}

impl<G: Game> ClientFrame<G> {
    /// Sorts a version 1 frame into the current frame types.
    pub fn sort(self) -> Sorted<G> {
        match self {
            ClientFrame::FindMatch {
                protocol,
                mode,
                name,
            } => Sorted::Hello(
                protocol,
                Hello::FindMatch {
                    mode,
                    name,
                    party: None,
                },
            ),
            ClientFrame::FindMatchAsParty {
                protocol,
                mode,
                name,
                party,
                size,
            } => Sorted::Hello(
                protocol,
                Hello::FindMatch {
                    mode,
                    name,
                    party: Some(Party { key: party, size }),
                },
            ),
            ClientFrame::Hello {
                protocol,
                token,
                last_seq,
            } => Sorted::Hello(protocol, Hello::Join { token, last_seq }),
            ClientFrame::Live(live) => Sorted::Room(RoomClientFrame::Live(live)),
            ClientFrame::Move(mv) => Sorted::Room(RoomClientFrame::Move(mv)),
            ClientFrame::Resign => Sorted::Room(RoomClientFrame::Resign),
            ClientFrame::Ping { nonce } => Sorted::Room(RoomClientFrame::Ping { nonce }),
        }
    }

    /// The version 1 first frame for `hello`, stating `protocol`.
    pub fn hello(protocol: u16, hello: Hello) -> Self {
        match hello {
            Hello::FindMatch {
                mode,
                name,
                party: None,
            } => ClientFrame::FindMatch {
                protocol,
                mode,
                name,
            },
            Hello::FindMatch {
                mode,
                name,
                party: Some(party),
            } => ClientFrame::FindMatchAsParty {
                protocol,
                mode,
                name,
                party: party.key,
                size: party.size,
            },
            Hello::Join { token, last_seq } => ClientFrame::Hello {
                protocol,
                token,
                last_seq,
            },
        }
    }
}

impl<G: Game> From<RoomClientFrame<G>> for ClientFrame<G> {
    fn from(frame: RoomClientFrame<G>) -> Self {
        match frame {
            RoomClientFrame::Live(live) => ClientFrame::Live(live),
            RoomClientFrame::Move(mv) => ClientFrame::Move(mv),
            RoomClientFrame::Resign => ClientFrame::Resign,
            RoomClientFrame::Ping { nonce } => ClientFrame::Ping { nonce },
        }
    }
}

impl<G: Game> From<LobbyClientFrame> for ClientFrame<G> {
    fn from(frame: LobbyClientFrame) -> Self {
        match frame {
            LobbyClientFrame::Ping { nonce } => ClientFrame::Ping { nonce },
        }
    }
}

impl<G: Game> From<RoomServerFrame<G>> for ServerFrame<G> {
    fn from(frame: RoomServerFrame<G>) -> Self {
        match frame {
            RoomServerFrame::Welcome {
                role,
                seq,
                names,
                waiting,
                view,
                deadline_ms,
            } => ServerFrame::Welcome {
                role,
                seq,
                names,
                waiting,
                view,
                deadline_ms,
            },
            RoomServerFrame::Resumed {
                role,
                last_seq,
                seq,
                waiting,
                deadline_ms,
            } => ServerFrame::Resumed {
                role,
                last_seq,
                seq,
                waiting,
                deadline_ms,
            },
            RoomServerFrame::Event {
                seq,
                event,
                deadline_ms,
            } => ServerFrame::Event {
                seq,
                event,
                deadline_ms,
            },
            RoomServerFrame::Live { seat, live } => ServerFrame::Live { seat, live },
            RoomServerFrame::GameOver { outcome, seq } => ServerFrame::GameOver { outcome, seq },
            RoomServerFrame::Error { code, message } => ServerFrame::Error { code, message },
            RoomServerFrame::Pong { nonce } => ServerFrame::Pong { nonce },
        }
    }
}

impl<G: Game> From<LobbyServerFrame> for ServerFrame<G> {
    fn from(frame: LobbyServerFrame) -> Self {
        match frame {
            LobbyServerFrame::Queued { player } => ServerFrame::Queued { player },
            // Version 1 only ever matches artillery rooms: the game is implied.
            LobbyServerFrame::Matched {
                room,
                game: _,
                seat,
                token,
            } => ServerFrame::Matched { room, seat, token },
            LobbyServerFrame::Error { code, message } => ServerFrame::Error { code, message },
            LobbyServerFrame::Pong { nonce } => ServerFrame::Pong { nonce },
        }
    }
}

/// A version 1 server frame, read by a current client.
#[derive(Clone, Debug, PartialEq)]
pub enum Received<G: Game> {
    /// A frame from a room.
    Room(RoomServerFrame<G>),
    /// A frame from a coordinator.
    Lobby(LobbyServerFrame),
}

impl<G: Game> ServerFrame<G> {
    /// The frame as a current room frame, if it is one a room sends.
    pub fn into_room(self) -> Option<RoomServerFrame<G>> {
        match self.sort() {
            Received::Room(frame) => Some(frame),
            Received::Lobby(_) => None,
        }
    }

    /// The frame as a current coordinator frame, if it is one a
    /// coordinator sends (`Error` and `Pong` included).
    pub fn into_lobby(self) -> Option<LobbyServerFrame> {
        match self.sort() {
            Received::Lobby(frame) => Some(frame),
            Received::Room(RoomServerFrame::Error { code, message }) => {
                Some(LobbyServerFrame::Error { code, message })
            }
            Received::Room(RoomServerFrame::Pong { nonce }) => {
                Some(LobbyServerFrame::Pong { nonce })
            }
            Received::Room(_) => None,
        }
    }

    /// Sorts a version 1 frame into the current frame types (`Error` and
    /// `Pong` come from both endpoints; they are sorted as room frames).
    pub fn sort(self) -> Received<G> {
        match self {
            ServerFrame::Queued { player } => Received::Lobby(LobbyServerFrame::Queued { player }),
            ServerFrame::Matched { room, seat, token } => {
                Received::Lobby(LobbyServerFrame::Matched {
                    room,
                    game: crate::games::GameKind::Artillery,
                    seat,
                    token,
                })
            }
            ServerFrame::Welcome {
                role,
                seq,
                names,
                waiting,
                view,
                deadline_ms,
            } => Received::Room(RoomServerFrame::Welcome {
                role,
                seq,
                names,
                waiting,
                view,
                deadline_ms,
            }),
            ServerFrame::Resumed {
                role,
                last_seq,
                seq,
                waiting,
                deadline_ms,
            } => Received::Room(RoomServerFrame::Resumed {
                role,
                last_seq,
                seq,
                waiting,
                deadline_ms,
            }),
            ServerFrame::Event {
                seq,
                event,
                deadline_ms,
            } => Received::Room(RoomServerFrame::Event {
                seq,
                event,
                deadline_ms,
            }),
            ServerFrame::Live { seat, live } => {
                Received::Room(RoomServerFrame::Live { seat, live })
            }
            ServerFrame::GameOver { outcome, seq } => {
                Received::Room(RoomServerFrame::GameOver { outcome, seq })
            }
            ServerFrame::Error { code, message } => {
                Received::Room(RoomServerFrame::Error { code, message })
            }
            ServerFrame::Pong { nonce } => Received::Room(RoomServerFrame::Pong { nonce }),
        }
    }
}
