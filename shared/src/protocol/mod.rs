//! The frames Volley sends over its binary WebSockets, in every version
//! this build speaks.
//!
//! # Layout
//!
//! - [`opening`]: the first frame on every socket from version 2 on, whose
//!   layout is fixed forever, and the server's answer to it: the client
//!   states the range of versions it speaks, the server answers with the
//!   highest both speak (or why there is none).
//! - [`lobby`]: the current version's frames on a coordinator socket
//!   (`/api/matchmake`): [`LobbyClientFrame`] and [`LobbyServerFrame`].
//! - [`room`]: the current version's frames on a room socket
//!   (`/api/rooms/{id}/ws`), generic over the game the room plays:
//!   [`RoomClientFrame`] and [`RoomServerFrame`].
//! - [`v1`]: version 1, one pair of frame types for both endpoints, kept
//!   byte for byte, with conversions to and from the current frames.
//! - this file: what every version shares: [`Role`], [`ErrorCode`], the
//!   [`close`] codes, and the version range with [`negotiate`].
//!
//! Encoding lives in [`crate::codec`]. `PROTOCOL.md` at the repository root
//! documents the handshake, the close codes and the versioning rule; the
//! committed encodings under `shared/tests/golden/v1` and `golden/v2` hold
//! these files to it.

pub mod lobby;
pub mod opening;
pub mod room;
pub mod v1;

pub use lobby::{LobbyClientFrame, LobbyServerFrame};
pub use opening::{Answer, Hello, Opening, Party};
pub use room::{RoomClientFrame, RoomServerFrame};

use crate::ids::Seat;
use serde::{Deserialize, Serialize};

/// The newest protocol version this build speaks.
pub const PROTOCOL_VERSION: u16 = 2;

/// The oldest protocol version this build still serves.
pub const MIN_PROTOCOL_VERSION: u16 = 1;

/// The versions this build serves.
pub const SERVED: Versions = Versions {
    min: MIN_PROTOCOL_VERSION,
    max: PROTOCOL_VERSION,
};

/// Whether this build can serve a client speaking `version`.
pub fn supports(version: u16) -> bool {
    SERVED.contains(version)
}

/// A range of protocol versions, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// The oldest version.
    pub min: u16,
    /// The newest version.
    pub max: u16,
}

impl Versions {
    /// Whether `version` is in the range.
    pub fn contains(self, version: u16) -> bool {
        (self.min..=self.max).contains(&version)
    }
}

/// Why a client and a server have no version in common.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// Every version the client speaks is older than the server serves:
    /// the client must be updated. Close code [`close::CLIENT_TOO_OLD`].
    #[error("the client is too old: this server speaks protocol {server_min} and later")]
    ClientTooOld {
        /// The oldest version the server serves.
        server_min: u16,
    },
    /// Every version the client speaks is newer than the server's: the
    /// client should retry with an older version it still speaks (during a
    /// rollout or a rollback, the next server may be older). Close code
    /// [`close::SERVER_TOO_OLD`].
    #[error("the server is too old: it speaks protocol {server_max} at most")]
    ServerTooOld {
        /// The newest version the server speaks.
        server_max: u16,
    },
}

impl Mismatch {
    /// The close code that goes with it.
    pub fn close_code(self) -> u16 {
        match self {
            Mismatch::ClientTooOld { .. } => close::CLIENT_TOO_OLD,
            Mismatch::ServerTooOld { .. } => close::SERVER_TOO_OLD,
        }
    }
}

/// The highest version in both ranges.
pub fn negotiate(client: Versions, server: Versions) -> Result<u16, Mismatch> {
    let highest = client.max.min(server.max);
    if highest >= client.min && highest >= server.min {
        Ok(highest)
    } else if client.max < server.min {
        Err(Mismatch::ClientTooOld {
            server_min: server.min,
        })
    } else {
        Err(Mismatch::ServerTooOld {
            server_max: server.max,
        })
    }
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
    /// The client speaks a protocol version this server does not support
    /// (or asked for a mode its version cannot play).
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
    /// The client's protocol version is not supported: in version 1 for any
    /// reason, from version 2 on because the client is too old.
    pub const UNSUPPORTED_PROTOCOL: u16 = 4000;
    /// Every version the client speaks is older than the server serves.
    pub const CLIENT_TOO_OLD: u16 = UNSUPPORTED_PROTOCOL;
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
    /// Every version the client speaks is newer than the server's: retry
    /// with an older one.
    pub const SERVER_TOO_OLD: u16 = 4013;
    /// The room, or the coordinator, takes no more connections of this
    /// kind (its spectator, socket or per-address limit): try later.
    pub const FULL: u16 = 4014;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(min: u16, max: u16) -> Versions {
        Versions { min, max }
    }

    #[test]
    fn the_highest_common_version_wins() {
        assert_eq!(negotiate(range(1, 2), range(1, 2)), Ok(2));
        assert_eq!(negotiate(range(2, 5), range(1, 3)), Ok(3));
        assert_eq!(negotiate(range(1, 1), range(1, 3)), Ok(1));
        assert_eq!(negotiate(range(3, 3), range(3, 3)), Ok(3));
    }

    #[test]
    fn no_common_version_says_who_is_too_old() {
        assert_eq!(
            negotiate(range(1, 1), range(2, 3)),
            Err(Mismatch::ClientTooOld { server_min: 2 })
        );
        assert_eq!(
            negotiate(range(4, 6), range(2, 3)),
            Err(Mismatch::ServerTooOld { server_max: 3 })
        );
        assert_eq!(
            Mismatch::ServerTooOld { server_max: 3 }.close_code(),
            close::SERVER_TOO_OLD
        );
        assert_eq!(
            Mismatch::ClientTooOld { server_min: 2 }.close_code(),
            close::CLIENT_TOO_OLD
        );
        // An empty range (min above max) matches nothing.
        assert!(negotiate(range(3, 2), range(1, 3)).is_err());
    }

    #[test]
    fn this_build_serves_both_versions() {
        assert!(supports(1) && supports(2));
        assert!(!supports(0) && !supports(3));
    }
}
