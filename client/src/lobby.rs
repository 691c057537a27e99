//! Talking to the coordinator, without I/O: the ticket frame and its answers.

use crate::session::SessionError;
use volley_shared::protocol::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use volley_shared::{Mode, PlayerId, RoomId, Seat};

/// A seat the coordinator reserved for this client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// The room to join.
    pub room: RoomId,
    /// The seat reserved.
    pub seat: Seat,
    /// The join token for the room.
    pub token: String,
}

/// What an answer from the coordinator means.
#[derive(Clone, Debug, PartialEq)]
pub enum LobbyUpdate {
    /// The ticket is in the queue.
    Queued(PlayerId),
    /// A room is ready.
    Matched(Matched),
    /// Nothing that changes the ticket (a pong).
    Nothing,
}

/// The frame that opens a ticket.
pub fn find_match(mode: Mode, name: &str) -> ClientFrame {
    ClientFrame::FindMatch {
        protocol: PROTOCOL_VERSION,
        mode,
        name: name.to_string(),
    }
}

/// The frame that opens a party member's ticket: every member sends the
/// same `party` key and `size`.
pub fn find_match_as_party(mode: Mode, name: &str, party: &str, size: u8) -> ClientFrame {
    ClientFrame::FindMatchAsParty {
        protocol: PROTOCOL_VERSION,
        mode,
        name: name.to_string(),
        party: party.to_string(),
        size,
    }
}

/// Reads one frame from the coordinator.
pub fn on_frame(frame: ServerFrame) -> Result<LobbyUpdate, SessionError> {
    match frame {
        ServerFrame::Queued { player } => Ok(LobbyUpdate::Queued(player)),
        ServerFrame::Matched { room, seat, token } => {
            Ok(LobbyUpdate::Matched(Matched { room, seat, token }))
        }
        ServerFrame::Pong { .. } => Ok(LobbyUpdate::Nothing),
        ServerFrame::Error { code, message } => Err(SessionError::Refused { code, message }),
        other => Err(SessionError::Unexpected(format!("{other:?}"))),
    }
}
