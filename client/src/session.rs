//! A player's view of one game, without I/O.
//!
//! The session checks that events arrive in order with no gaps, replays
//! every move on its own copy of the rules (they are deterministic, so the
//! copy stays equal to the server's), and checks that what the server
//! reports matches what the rules say. A mismatch is a [`SessionError`].

use thiserror::Error;
use volley_shared::artillery::{ArtilleryState, GameEvent, Outcome};
use volley_shared::protocol::{ClientFrame, ErrorCode, PROTOCOL_VERSION, ServerFrame};
use volley_shared::{Seat, codec::CodecError};

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

/// What a frame changed.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    /// The room sent the whole state.
    Welcomed,
    /// One game event was applied.
    Event(GameEvent),
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

/// One player's session in a room.
#[derive(Clone, Debug, Default)]
pub struct GameSession {
    seat: Option<Seat>,
    state: Option<ArtilleryState>,
    last_seq: u64,
    waiting: bool,
    deadline_ms: Option<u64>,
    /// The turn this session already sent a move for.
    moved_in_turn: Option<u32>,
    /// The outcome, once the server has announced it.
    over: Option<Outcome>,
}

impl GameSession {
    /// A session that has not heard from the room yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first frame to send on a room socket.
    pub fn hello() -> ClientFrame {
        ClientFrame::Hello {
            protocol: PROTOCOL_VERSION,
        }
    }

    /// The seat this session plays, once welcomed.
    pub fn seat(&self) -> Option<Seat> {
        self.seat
    }

    /// The local copy of the game, once welcomed.
    pub fn state(&self) -> Option<&ArtilleryState> {
        self.state.as_ref()
    }

    /// The number of the last event applied.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// When the current turn times out (ms since the epoch), as the server said.
    pub fn deadline_ms(&self) -> Option<u64> {
        self.deadline_ms
    }

    /// How the game ended, once the server has said so (the local replay
    /// knows one event earlier, but the `GameOver` event is the last word).
    pub fn outcome(&self) -> Option<Outcome> {
        self.over
    }

    /// Whether this session should move now: it is this seat's turn and no
    /// move was sent for this turn yet.
    pub fn my_turn(&self) -> bool {
        match (&self.state, self.seat) {
            (Some(state), Some(seat)) => {
                !self.waiting
                    && state.outcome.is_none()
                    && state.current == seat
                    && self.moved_in_turn != Some(state.turn)
            }
            _ => false,
        }
    }

    /// Notes that a move was sent for the current turn, so [`my_turn`]
    /// stays false until the next one.
    ///
    /// [`my_turn`]: GameSession::my_turn
    pub fn moved(&mut self) {
        self.moved_in_turn = self.state.as_ref().map(|s| s.turn);
    }

    /// Reads one frame from the room.
    pub fn on_frame(&mut self, frame: ServerFrame) -> Result<Update, SessionError> {
        match frame {
            ServerFrame::Welcome {
                seat,
                seq,
                waiting,
                state,
                deadline_ms,
            } => {
                self.seat = Some(seat);
                self.last_seq = seq;
                self.waiting = waiting;
                self.state = Some(state);
                self.deadline_ms = deadline_ms;
                self.over = self.state.as_ref().and_then(|s| s.outcome);
                Ok(Update::Welcomed)
            }
            ServerFrame::Event {
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
                self.deadline_ms = deadline_ms;
                Ok(Update::Event(event))
            }
            ServerFrame::Error { code, message } => Ok(Update::Refused { code, message }),
            ServerFrame::Pong { .. } => Ok(Update::Nothing),
            other @ (ServerFrame::Queued { .. } | ServerFrame::Matched { .. }) => {
                Err(SessionError::Unexpected(format!("{other:?}")))
            }
        }
    }

    /// Replays an event on the local copy and checks it against the report.
    fn apply(&mut self, event: &GameEvent) -> Result<(), SessionError> {
        let Some(state) = self.state.as_mut() else {
            return Err(SessionError::Unexpected(
                "an event before the welcome".into(),
            ));
        };
        match event {
            GameEvent::Shot {
                seat, aim, hits, ..
            } => {
                let local = state.fire(*seat, *aim).map_err(|e| {
                    SessionError::Desync(format!("server accepted a shot the rules refuse: {e}"))
                })?;
                match local.first() {
                    Some(GameEvent::Shot { hits: mine, .. }) if mine == hits => Ok(()),
                    other => Err(SessionError::Desync(format!(
                        "server reported {hits:?}, local rules gave {other:?}"
                    ))),
                }
            }
            GameEvent::TurnTimedOut { seat, .. } => state.time_out(*seat).map(drop).map_err(|e| {
                SessionError::Desync(format!("server timed out a turn the rules refuse: {e}"))
            }),
            GameEvent::TurnStarted { .. } => {
                self.waiting = false;
                check(state.turn_started() == *event, "turn", event)
            }
            GameEvent::GameOver { outcome } => {
                self.over = Some(*outcome);
                check(state.outcome == Some(*outcome), "outcome", event)
            }
        }
    }
}

fn check(ok: bool, what: &str, event: &GameEvent) -> Result<(), SessionError> {
    if ok {
        Ok(())
    } else {
        Err(SessionError::Desync(format!(
            "{what} differs from the server's {event:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::artillery::Aim;

    fn welcome(state: &ArtilleryState, seq: u64, waiting: bool) -> ServerFrame {
        ServerFrame::Welcome {
            seat: Seat(1),
            seq,
            waiting,
            state: state.clone(),
            deadline_ms: None,
        }
    }

    #[test]
    fn the_session_follows_a_game_and_stays_in_sync() {
        let mut server = ArtilleryState::new(21, 2);
        let mut session = GameSession::new();
        session.on_frame(welcome(&server, 0, true)).unwrap();
        assert!(!session.my_turn());
        let mut seq = 0;
        let mut send = |session: &mut GameSession, event: GameEvent| {
            seq += 1;
            session.on_frame(ServerFrame::Event {
                seq,
                event,
                deadline_ms: Some(5),
            })
        };
        send(&mut session, server.turn_started()).unwrap();
        let aim = Aim {
            angle_deg: 130,
            power: 60,
        };
        for event in server.fire(Seat(0), aim).unwrap() {
            send(&mut session, event).unwrap();
        }
        assert!(session.my_turn());
        session.moved();
        assert!(!session.my_turn(), "one move per turn");
        assert_eq!(session.state(), Some(&server));
        assert_eq!(session.deadline_ms(), Some(5));
        assert_eq!(session.last_seq(), 3);
    }

    #[test]
    fn gaps_and_false_reports_are_errors() {
        let server = ArtilleryState::new(21, 2);
        let mut session = GameSession::new();
        session.on_frame(welcome(&server, 4, false)).unwrap();
        let gap = session.on_frame(ServerFrame::Event {
            seq: 6,
            event: server.turn_started(),
            deadline_ms: None,
        });
        assert_eq!(gap, Err(SessionError::OutOfOrder { last: 4, got: 6 }));

        let lie = session.on_frame(ServerFrame::Event {
            seq: 5,
            event: GameEvent::Shot {
                seat: Seat(0),
                aim: Aim {
                    angle_deg: 170,
                    power: 100,
                },
                landing: volley_shared::artillery::Landing::Lost,
                hits: vec![volley_shared::artillery::Hit {
                    seat: Seat(1),
                    damage: 50,
                }],
            },
            deadline_ms: None,
        });
        assert!(matches!(lie, Err(SessionError::Desync(_))));
    }

    #[test]
    fn refusals_do_not_end_the_session() {
        let mut session = GameSession::new();
        let update = session.on_frame(ServerFrame::Error {
            code: ErrorCode::NotYourTurn,
            message: "wait".into(),
        });
        assert!(matches!(update, Ok(Update::Refused { .. })));
    }
}
