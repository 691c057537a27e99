//! Talking to the coordinator, without I/O: the opening that queues a
//! ticket, and what its answers mean.

use crate::session::{SPOKEN, SessionError};
use volley_shared::protocol::{Hello, LobbyServerFrame, Opening, Party};
use volley_shared::{GameKind, Mode, PlayerId, RoomId, Seat};

/// A seat reserved for this client, by the coordinator or a private room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// The room to join.
    pub room: RoomId,
    /// The game it plays.
    pub game: GameKind,
    /// The seat reserved.
    pub seat: Seat,
    /// The join token for the room.
    pub token: String,
}

impl From<volley_shared::api::SeatGrant> for Matched {
    fn from(grant: volley_shared::api::SeatGrant) -> Self {
        Matched {
            room: grant.room,
            game: grant.game,
            seat: grant.seat,
            token: grant.token,
        }
    }
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

/// The opening that queues a ticket for `mode`.
pub fn find_match(mode: Mode, name: &str) -> Opening {
    opening(mode, name, None)
}

/// The opening that queues a party member's ticket: every member sends the
/// same `party` key and `size`.
pub fn find_match_as_party(mode: Mode, name: &str, party: &str, size: u8) -> Opening {
    let party = Party {
        key: party.to_string(),
        size,
    };
    opening(mode, name, Some(party))
}

fn opening(mode: Mode, name: &str, party: Option<Party>) -> Opening {
    Opening {
        versions: SPOKEN,
        hello: Hello::FindMatch {
            mode,
            name: name.to_string(),
            party,
        },
    }
}

/// Reads one frame from the coordinator.
pub fn on_frame(frame: LobbyServerFrame) -> Result<LobbyUpdate, SessionError> {
    match frame {
        LobbyServerFrame::Queued { player } => Ok(LobbyUpdate::Queued(player)),
        LobbyServerFrame::Matched {
            room,
            game,
            seat,
            token,
        } => Ok(LobbyUpdate::Matched(Matched {
            room,
            game,
            seat,
            token,
        })),
        LobbyServerFrame::Pong { .. } => Ok(LobbyUpdate::Nothing),
        LobbyServerFrame::Error { code, message } => Err(SessionError::Refused { code, message }),
    }
}
