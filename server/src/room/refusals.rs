//! How the room says no: an error frame, with or without closing the
//! connection, and which error code a broken game rule gets. Shared by
//! [`super::engine`] and [`super::inbound`], which both refuse frames, and
//! kept apart from the state machine because none of it touches a room.

use super::effects::Effect;
use crate::token::TokenError;
use volley_shared::game::{Game, RuleError};
use volley_shared::protocol::{ErrorCode, RoomServerFrame};

/// Why a first frame's token does not let it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The token is forged, malformed, for another room, or expired.
    Token(TokenError),
    /// The token is good, but the room takes no more of its kind (its
    /// spectator limit); the message says which limit.
    Full(String),
}

impl From<TokenError> for Denied {
    fn from(err: TokenError) -> Denied {
        Denied::Token(err)
    }
}

/// An error frame; the connection stays open.
pub fn refuse<G: Game>(code: ErrorCode, message: &str) -> Vec<Effect<G>> {
    vec![Effect::Reply(RoomServerFrame::Error {
        code,
        message: message.to_string(),
    })]
}

/// An error frame followed by closing the connection.
pub fn refuse_and_close<G: Game>(
    code: ErrorCode,
    close_code: u16,
    message: String,
) -> Vec<Effect<G>> {
    vec![
        Effect::Reply(RoomServerFrame::Error {
            code,
            message: message.clone(),
        }),
        Effect::Close {
            code: close_code,
            reason: message,
        },
    ]
}

/// The error code for a move or live intention the game's rules refuse.
pub(super) fn rule_error_code<E: std::error::Error>(err: &RuleError<E>) -> ErrorCode {
    match err {
        RuleError::NotInPlay => ErrorCode::NotInPlay,
        RuleError::NotYourTurn { .. } => ErrorCode::NotYourTurn,
        RuleError::NotPlaying(_) | RuleError::Illegal(_) => ErrorCode::IllegalMove,
    }
}
