//! A player's view of one game, without I/O.
//!
//! The session checks that events arrive in order with no gaps and applies
//! them to the view it was welcomed with, through the same
//! [`Game::apply`] the server uses. Before applying a shot it also resolves
//! the shot itself with the shared rules and compares: the server runs on
//! wasm32 and a bot natively, so this checks determinism across platforms
//! in every game played. A mismatch is a [`SessionError`].

use thiserror::Error;
use volley_shared::artillery::{Artillery, ArtilleryEvent, Fire};
use volley_shared::protocol::{ClientFrame, ErrorCode, PROTOCOL_VERSION, Role, ServerFrame};
use volley_shared::{Game, Outcome, Seat, codec::CodecError};

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
    /// The room kept this session's state; the missed events follow.
    Resumed,
    /// One game event was applied.
    Event(ArtilleryEvent),
    /// Another seat is lining up this shot.
    Live {
        /// Whose aim.
        seat: Seat,
        /// The aim and weapon.
        fire: Fire,
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

/// One player's session in a room.
#[derive(Clone, Debug, Default)]
pub struct GameSession {
    role: Option<Role>,
    names: Vec<String>,
    state: Option<Artillery>,
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

    /// The first frame to send on a room socket: the join token, and the
    /// last event this session applied (so a reconnect resumes from there).
    pub fn hello(&self, token: &str) -> ClientFrame {
        ClientFrame::Hello {
            protocol: PROTOCOL_VERSION,
            token: token.to_string(),
            last_seq: self.last_seq,
        }
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
    pub fn state(&self) -> Option<&Artillery> {
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
        match (&self.state, self.seat()) {
            (Some(state), Some(seat)) => {
                !self.waiting
                    && state.to_move() == Some(seat)
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
                self.over = view.outcome;
                self.state = Some(view);
                self.deadline_ms = deadline_ms;
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
            ServerFrame::Resumed {
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
                Ok(Update::Resumed)
            }
            ServerFrame::Live { seat, live } => Ok(Update::Live { seat, fire: live }),
            ServerFrame::GameOver { outcome, seq } => {
                if seq != self.last_seq {
                    return Err(SessionError::OutOfOrder {
                        last: self.last_seq,
                        got: seq,
                    });
                }
                self.over = Some(outcome);
                Ok(Update::GameOver(outcome))
            }
            ServerFrame::Error { code, message } => Ok(Update::Refused { code, message }),
            ServerFrame::Pong { .. } => Ok(Update::Nothing),
            other @ (ServerFrame::Queued { .. } | ServerFrame::Matched { .. }) => {
                Err(SessionError::Unexpected(format!("{other:?}")))
            }
        }
    }

    /// Applies an event to the local view, after checking a shot against
    /// the local rules.
    fn apply(&mut self, event: &ArtilleryEvent) -> Result<(), SessionError> {
        let Some(state) = self.state.as_mut() else {
            return Err(SessionError::Unexpected(
                "an event before the welcome".into(),
            ));
        };
        if let ArtilleryEvent::Shot(report) = event {
            let mine = state.preview(report.seat, &report.fire).map_err(|e| {
                SessionError::Desync(format!("server accepted a shot the rules refuse: {e}"))
            })?;
            if mine != *report {
                return Err(SessionError::Desync(format!(
                    "server reported {report:?}, local rules gave {mine:?}"
                )));
            }
        }
        self.waiting = false;
        Artillery::apply(state, event);
        if let Some(outcome) = state.outcome {
            self.over = Some(outcome);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::artillery::{Aim, ArtilleryConfig, Landing, ShotReport, Weapon};

    fn new_game() -> Artillery {
        Artillery::new(&ArtilleryConfig::default(), 21, 2).unwrap()
    }

    fn welcome(state: &Artillery, seq: u64, waiting: bool) -> ServerFrame {
        ServerFrame::Welcome {
            role: Role::Player(Seat(1)),
            seq,
            names: vec!["ann".into(), "bob".into()],
            waiting,
            view: state.clone(),
            deadline_ms: None,
        }
    }

    #[test]
    fn the_session_follows_a_game_and_stays_in_sync() {
        let mut server = new_game();
        let mut session = GameSession::new();
        session.on_frame(welcome(&server, 0, true)).unwrap();
        assert_eq!(session.names(), ["ann", "bob"]);
        assert!(!session.my_turn());
        let mut seq = 0;
        let mut send = |session: &mut GameSession, event: ArtilleryEvent| {
            seq += 1;
            session.on_frame(ServerFrame::Event {
                seq,
                event,
                deadline_ms: Some(5),
            })
        };
        for event in server.begin() {
            send(&mut session, event).unwrap();
        }
        let fire = Fire {
            aim: Aim {
                angle_deg: 130,
                power: 60,
            },
            weapon: Weapon::Heavy,
        };
        for event in server.play(Seat(0), &fire).unwrap() {
            send(&mut session, event).unwrap();
        }
        assert!(session.my_turn());
        session.moved();
        assert!(!session.my_turn(), "one move per turn");
        assert_eq!(session.state(), Some(&server));
        assert_eq!(session.deadline_ms(), Some(5));
        assert_eq!(session.last_seq(), 3);
        assert!(matches!(
            session.hello("t"),
            ClientFrame::Hello { last_seq: 3, .. }
        ));
    }

    #[test]
    fn gaps_and_false_reports_are_errors() {
        let mut server = new_game();
        let begin = server.begin();
        let mut session = GameSession::new();
        session.on_frame(welcome(&server, 4, false)).unwrap();
        let gap = session.on_frame(ServerFrame::Event {
            seq: 6,
            event: begin[0].clone(),
            deadline_ms: None,
        });
        assert_eq!(gap, Err(SessionError::OutOfOrder { last: 4, got: 6 }));

        let lie = session.on_frame(ServerFrame::Event {
            seq: 5,
            event: ArtilleryEvent::Shot(ShotReport {
                seat: Seat(0),
                fire: Fire {
                    aim: Aim {
                        angle_deg: 170,
                        power: 100,
                    },
                    weapon: Weapon::Shell,
                },
                landing: Landing::Lost,
                crater: None,
                hits: vec![volley_shared::artillery::Hit {
                    seat: Seat(1),
                    damage: 50,
                }],
                falls: Vec::new(),
                destroyed: Vec::new(),
            }),
            deadline_ms: None,
        });
        assert!(matches!(lie, Err(SessionError::Desync(_))));
    }

    #[test]
    fn a_resume_keeps_the_state_and_takes_the_missed_events() {
        let mut server = new_game();
        server.begin();
        let mut session = GameSession::new();
        session.on_frame(welcome(&server, 1, false)).unwrap();
        let fire = Fire {
            aim: Aim {
                angle_deg: 45,
                power: 70,
            },
            weapon: Weapon::Shell,
        };
        let missed = server.play(Seat(0), &fire).unwrap();
        let resumed = |last_seq| ServerFrame::Resumed {
            role: Role::Player(Seat(1)),
            last_seq,
            seq: 3,
            waiting: false,
            deadline_ms: Some(9),
        };
        assert!(matches!(
            session.on_frame(resumed(0)),
            Err(SessionError::Unexpected(_))
        ));
        assert_eq!(session.on_frame(resumed(1)), Ok(Update::Resumed));
        for (i, event) in missed.into_iter().enumerate() {
            session
                .on_frame(ServerFrame::Event {
                    seq: 2 + i as u64,
                    event,
                    deadline_ms: Some(9),
                })
                .unwrap();
        }
        assert_eq!(session.state(), Some(&server));
        assert_eq!(session.deadline_ms(), Some(9));
    }

    #[test]
    fn refusals_and_live_aims_do_not_end_the_session() {
        let mut session = GameSession::new();
        let update = session.on_frame(ServerFrame::Error {
            code: ErrorCode::NotYourTurn,
            message: "wait".into(),
        });
        assert!(matches!(update, Ok(Update::Refused { .. })));
        let fire = Fire {
            aim: Aim {
                angle_deg: 1,
                power: 2,
            },
            weapon: Weapon::Shell,
        };
        assert_eq!(
            session.on_frame(ServerFrame::Live {
                seat: Seat(0),
                live: fire
            }),
            Ok(Update::Live {
                seat: Seat(0),
                fire
            })
        );
    }
}
