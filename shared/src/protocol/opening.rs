//! The first frame on every socket from protocol version 2 on, and the
//! server's answer: the one part of the protocol whose layout is fixed
//! forever, so that any version can read it and say which version follows.
//!
//! On the wire an [`Opening`] is the byte [`OPENING_TAG`] followed by the
//! opening's bincode. No version 1 client frame starts with that byte (their
//! first byte is a variant index, 0 to 6), so a server tells a version 1
//! client from a later one by the first byte of its first frame. The
//! server's [`Answer`] starts with the same tag, which no version 1 server
//! frame starts with either (0 to 8): a client that gets anything else back
//! is talking to a server that only speaks version 1 (it answers the
//! opening with a version 1 `Error` frame) and may retry in version 1.
//!
//! After an [`Answer::Agreed`], both sides speak the agreed version: on a
//! coordinator socket [`super::lobby`] frames, on a room socket
//! [`super::room`] frames. A later version that needs more from the client
//! at the start asks for it in a frame of its own, after the answer.

use super::Versions;
use crate::ids::Mode;
use serde::{Deserialize, Serialize};

/// The first byte of an opening and of its answer ('V').
pub const OPENING_TAG: u8 = b'V';

// Version 1 frames start with their variant index: 0 to 6 from a client, 0
// to 8 from a server, one byte each. The tag must be none of them.
const _: () = assert!(OPENING_TAG > 8 && OPENING_TAG < 251);

/// A client's first frame (protocol 2 and later).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// The versions the client speaks.
    pub versions: Versions,
    /// What the client wants from this socket.
    pub hello: Hello,
}

/// What a client wants from a socket, in its first frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hello {
    /// To a coordinator: put me in the queue for a match of this mode.
    /// Answered with [`super::LobbyServerFrame::Queued`], later
    /// [`super::LobbyServerFrame::Matched`].
    FindMatch {
        /// The kind of match wanted; it must be the socket's `?mode=`.
        mode: Mode,
        /// A display name, at most [`super::MAX_NAME_LEN`] bytes.
        name: String,
        /// The party this player queues with, if any.
        party: Option<Party>,
    },
    /// To a room: who I am and what I have seen. Answered with
    /// [`super::RoomServerFrame::Welcome`] or
    /// [`super::RoomServerFrame::Resumed`], or an error and a close.
    Join {
        /// The join token from `Matched`, a private-room seat grant, or a
        /// spectator grant.
        token: String,
        /// The sequence number of the last event this client applied; 0 on
        /// a first connection.
        last_seq: u64,
    },
}

/// Players who must play in one room. The party queues as one ticket once
/// `size` members have sent the same key; if one leaves, the others'
/// sockets are closed with [`super::close::TICKET_CANCELLED`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Any text the members agreed on, at most [`super::MAX_NAME_LEN`]
    /// bytes.
    pub key: String,
    /// How many players the party has (2 to the mode's seats).
    pub size: u8,
}

/// The server's first frame on a socket that opened with an [`Opening`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    /// Every frame after this one, both ways, is in `version`.
    Agreed {
        /// The highest version both sides speak.
        version: u16,
    },
    /// No version in common; the server closes the socket with
    /// [`super::close::CLIENT_TOO_OLD`] or [`super::close::SERVER_TOO_OLD`].
    Refused {
        /// The versions the server speaks.
        served: Versions,
        /// A human-readable explanation.
        message: String,
    },
}
