//! A player's view of one game, without I/O, for any game a client knows
//! ([`ClientGame`]).
//!
//! The session builds the frames a player sends (refusing, before anything
//! is sent, a move that is out of turn or against the rules), checks that
//! events arrive in order with no gaps, checks each against the local copy
//! of the rules ([`ClientGame::verify`]), and applies it through the same
//! [`Game::apply`] the server uses. The server runs on wasm32 and a bot
//! natively, so this checks determinism across platforms in every game
//! played. A mismatch is a [`SessionError`]. The transport (browser or
//! native) carries bytes and never needs to know the game.

use crate::game::ClientGame;
use thiserror::Error;
use volley_shared::protocol::{
    ErrorCode, Hello, Opening, PROTOCOL_VERSION, Role, RoomClientFrame, RoomServerFrame, Versions,
    room::move_ack,
};
use volley_shared::{Outcome, RuleError, Seat, codec::CodecError};

/// The protocol versions this client speaks in an opening.
pub const SPOKEN: Versions = Versions {
    min: 2,
    max: PROTOCOL_VERSION,
};

/// What went wrong in a session.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SessionError {
    /// The server refused a request.
    #[error("server refused: {code:?}: {message}")]
    Refused {
        /// The server's code.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// A frame arrived that makes no sense now.
    #[error("unexpected frame: {0}")]
    Unexpected(String),
    /// An event number was skipped or repeated.
    #[error("event {got} arrived after {last}")]
    OutOfOrder {
        /// The last event seen.
        last: u64,
        /// The event that came.
        got: u64,
    },
    /// The server's report differs from the local replay of the rules.
    #[error("desync: {0}")]
    Desync(String),
    /// A frame could not be decoded.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

/// Why a move was not sent.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum MoveError<E: std::error::Error + 'static> {
    /// The room has not welcomed this session as a player yet.
    #[error("not seated yet")]
    NotSeated,
    /// A move was already sent this turn.
    #[error("a move was already sent this turn")]
    AlreadyMoved,
    /// The rules refuse it (not this seat's turn, game over, illegal).
    #[error(transparent)]
    Rules(#[from] RuleError<E>),
}

/// What a frame changed.
#[derive(Clone, Debug, PartialEq)]
pub enum Update<G: ClientGame> {
    /// The room sent the whole state.
    Welcomed,
    /// The room kept this session's state; the missed events follow.
    Resumed,
    /// One game event was applied.
    Event(G::Event),
    /// Another seat is lining up this move.
    Live {
        /// Whose.
        seat: Seat,
        /// What they show.
        live: G::Live,
    },
    /// The game is over.
    GameOver(Outcome),
    /// The server refused something but the game goes on.
    Refused {
        /// The server's code.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// Nothing changed (a pong).
    Nothing,
}

/// One player's (or spectator's) session in a room.
#[derive(Clone, Debug)]
pub struct GameSession<G: ClientGame> {
    role: Option<Role>,
    names: Vec<String>,
    state: Option<G>,
    last_seq: u64,
    waiting: bool,
    deadline_ms: Option<u64>,
    /// The turn this session already sent a move for.
    moved_in_turn: Option<u32>,
    /// The outcome, once the server has announced it.
    over: Option<Outcome>,
    /// A move was sent and its first event has not arrived yet.
    awaiting_event: bool,
    /// The acknowledgement to send for that event, once it arrived.
    ack: Option<u64>,
}

impl<G: ClientGame> Default for GameSession<G> {
    fn default() -> Self {
        Self {
            role: None,
            names: Vec::new(),
            state: None,
            last_seq: 0,
            waiting: false,
            deadline_ms: None,
            moved_in_turn: None,
            over: None,
            awaiting_event: false,
            ack: None,
        }
    }
}

impl<G: ClientGame> GameSession<G> {
    /// A session that has not heard from the room yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first frame to send on a room socket: the versions this client
    /// speaks, the join token, and the last event this session applied (so
    /// a reconnect resumes from there).
    pub fn hello(&self, token: &str) -> Opening {
        Opening {
            versions: SPOKEN,
            hello: Hello::Join {
                token: token.to_string(),
                last_seq: self.last_seq,
            },
        }
    }

    /// Who this session is, once welcomed.
    pub fn role(&self) -> Option<Role> {
        self.role
    }

    /// The seat this session plays, once welcomed as a player.
    pub fn seat(&self) -> Option<Seat> {
        match self.role {
            Some(Role::Player(seat)) => Some(seat),
            _ => None,
        }
    }

    /// The players' names, in seat order, once welcomed.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The local copy of the game, once welcomed.
    pub fn state(&self) -> Option<&G> {
        self.state.as_ref()
    }

    /// The number of the last event applied.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Whether the room still waits for seats to be taken.
    pub fn waiting(&self) -> bool {
        self.waiting
    }

    /// When the current turn times out (ms since the epoch), as the server said.
    pub fn deadline_ms(&self) -> Option<u64> {
        self.deadline_ms
    }

    /// How the game ended, once the server has said so.
    pub fn outcome(&self) -> Option<Outcome> {
        self.over
    }

    /// Whether this session should move now: it is this seat's turn and no
    /// move was sent for this turn yet.
    pub fn my_turn(&self) -> bool {
        match (&self.state, self.seat()) {
            (Some(state), Some(seat)) => {
                !self.waiting
                    && state.to_move() == Some(seat)
                    && self.moved_in_turn != Some(state.turn())
            }
            _ => false,
        }
    }

    /// The frame for this seat's move `mv`, or why it may not be made: the
    /// session then counts the turn as moved (one move per turn).
    pub fn make_move(&mut self, mv: G::Move) -> Result<RoomClientFrame<G>, MoveError<G::Illegal>> {
        let (Some(state), Some(seat)) = (&self.state, self.seat()) else {
            return Err(MoveError::NotSeated);
        };
        if self.moved_in_turn == Some(state.turn()) {
            return Err(MoveError::AlreadyMoved);
        }
        state.check_move(seat, &mv)?;
        self.moved_in_turn = Some(state.turn());
        self.awaiting_event = true;
        Ok(RoomClientFrame::Move(mv))
    }

    /// The frame acknowledging this session's last move, once its first
    /// event has arrived; the room counts the move's round trip from it
    /// ([`move_ack`]). Taken once: ask after each frame read.
    pub fn take_ack(&mut self) -> Option<RoomClientFrame<G>> {
        self.ack.take().map(|seq| RoomClientFrame::Ping {
            nonce: move_ack::nonce(seq),
        })
    }

    /// The frame showing what this seat lines up, or why not.
    pub fn show_live(&self, live: G::Live) -> Result<RoomClientFrame<G>, MoveError<G::Illegal>> {
        let (Some(state), Some(seat)) = (&self.state, self.seat()) else {
            return Err(MoveError::NotSeated);
        };
        state.check_live(seat, &live)?;
        Ok(RoomClientFrame::Live(live))
    }

    /// Reads one frame from the room.
    pub fn on_frame(&mut self, frame: RoomServerFrame<G>) -> Result<Update<G>, SessionError> {
        match frame {
            RoomServerFrame::Welcome {
                role,
                seq,
                names,
                waiting,
                view,
                deadline_ms,
            } => {
                self.role = Some(role);
                self.names = names;
                self.last_seq = seq;
                self.waiting = waiting;
                self.over = view.outcome();
                self.state = Some(view);
                self.deadline_ms = deadline_ms;
                // A move sent before a reconnection may never have arrived.
                self.forget_move_in_flight();
                Ok(Update::Welcomed)
            }
            RoomServerFrame::Event {
                seq,
                event,
                deadline_ms,
            } => {
                if seq != self.last_seq + 1 {
                    return Err(SessionError::OutOfOrder {
                        last: self.last_seq,
                        got: seq,
                    });
                }
                self.apply(&event)?;
                self.last_seq = seq;
                if std::mem::take(&mut self.awaiting_event) {
                    self.ack = Some(seq);
                }
                self.deadline_ms = deadline_ms;
                Ok(Update::Event(event))
            }
            RoomServerFrame::Resumed {
                role,
                last_seq,
                seq: _,
                waiting,
                deadline_ms,
            } => {
                if self.state.is_none() || last_seq != self.last_seq {
                    return Err(SessionError::Unexpected(format!(
                        "resumed from event {last_seq}, but this session is at {}",
                        self.last_seq
                    )));
                }
                self.role = Some(role);
                self.waiting = waiting;
                self.deadline_ms = deadline_ms;
                self.forget_move_in_flight();
                Ok(Update::Resumed)
            }
            RoomServerFrame::Live { seat, live } => Ok(Update::Live { seat, live }),
            RoomServerFrame::GameOver { outcome, seq } => {
                if seq != self.last_seq {
                    return Err(SessionError::OutOfOrder {
                        last: self.last_seq,
                        got: seq,
                    });
                }
                self.over = Some(outcome);
                Ok(Update::GameOver(outcome))
            }
            RoomServerFrame::Error { code, message } => {
                // A refused move leaves the turn to make another.
                self.forget_move_in_flight();
                Ok(Update::Refused { code, message })
            }
            RoomServerFrame::Pong { .. } => Ok(Update::Nothing),
        }
    }

    /// The move sent this turn may never have arrived (a reconnection) or
    /// was refused: the turn may move again, and nothing is acknowledged.
    fn forget_move_in_flight(&mut self) {
        self.moved_in_turn = None;
        self.awaiting_event = false;
    }

    /// Applies an event to the local view, after checking it against the
    /// local rules.
    fn apply(&mut self, event: &G::Event) -> Result<(), SessionError> {
        let Some(state) = self.state.as_mut() else {
            return Err(SessionError::Unexpected(
                "an event before the welcome".into(),
            ));
        };
        state.verify(event).map_err(SessionError::Desync)?;
        self.waiting = false;
        G::apply(state, event);
        if let Some(outcome) = state.outcome() {
            self.over = Some(outcome);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
