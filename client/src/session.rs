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
        Ok(RoomClientFrame::Move(mv))
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
            RoomServerFrame::Error { code, message } => Ok(Update::Refused { code, message }),
            RoomServerFrame::Pong { .. } => Ok(Update::Nothing),
        }
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
mod tests {
    use super::*;
    use volley_shared::artillery::{
        Aim, Artillery, ArtilleryConfig, ArtilleryEvent, Fire, Landing, ShotReport, Weapon,
    };
    use volley_shared::connect_four::{self, ConnectFour};
    use volley_shared::{Game, RuleError};

    type ServerFrame = RoomServerFrame<Artillery>;
    type Session = GameSession<Artillery>;

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
        let mut session = Session::new();
        session.on_frame(welcome(&server, 0, true)).unwrap();
        assert_eq!(session.names(), ["ann", "bob"]);
        assert!(!session.my_turn());
        let mut seq = 0;
        let mut send = |session: &mut Session, event: ArtilleryEvent| {
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
        let mine = Fire {
            aim: Aim {
                angle_deg: 50,
                power: 60,
            },
            weapon: Weapon::Shell,
        };
        assert_eq!(session.make_move(mine), Ok(RoomClientFrame::Move(mine)));
        assert!(!session.my_turn(), "one move per turn");
        assert_eq!(session.make_move(mine), Err(MoveError::AlreadyMoved));
        assert_eq!(session.state(), Some(&server));
        assert_eq!(session.deadline_ms(), Some(5));
        assert_eq!(session.last_seq(), 3);
        assert!(matches!(
            session.hello("t").hello,
            Hello::Join { last_seq: 3, .. }
        ));
        assert_eq!(session.hello("t").versions, SPOKEN);
    }

    #[test]
    fn gaps_and_false_reports_are_errors() {
        let mut server = new_game();
        let begin = server.begin();
        let mut session = Session::new();
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
        let mut session = Session::new();
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
        let mut session = Session::new();
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
                live: fire
            })
        );
    }

    #[test]
    fn a_move_out_of_turn_or_against_the_rules_is_never_sent() {
        let mut server = ConnectFour::new(&(), 0, 2).unwrap();
        let mut session = GameSession::<ConnectFour>::new();
        assert_eq!(session.make_move(3), Err(MoveError::NotSeated));
        session
            .on_frame(RoomServerFrame::Welcome {
                role: Role::Player(Seat(1)),
                seq: 0,
                names: vec!["a".into(), "b".into()],
                waiting: false,
                view: server.clone(),
                deadline_ms: None,
            })
            .unwrap();
        let began = server.begin();
        session
            .on_frame(RoomServerFrame::Event {
                seq: 1,
                event: began[0].clone(),
                deadline_ms: None,
            })
            .unwrap();
        assert!(matches!(
            session.make_move(3),
            Err(MoveError::Rules(RuleError::NotYourTurn { .. }))
        ));
        for (seq, event) in server.play(Seat(0), &3).unwrap().into_iter().enumerate() {
            session
                .on_frame(RoomServerFrame::Event {
                    seq: 2 + seq as u64,
                    event,
                    deadline_ms: None,
                })
                .unwrap();
        }
        assert!(matches!(
            session.make_move(9),
            Err(MoveError::Rules(RuleError::Illegal(
                connect_four::Illegal::NoSuchColumn(9)
            )))
        ));
        assert_eq!(session.show_live(4), Ok(RoomClientFrame::Live(4)));
        assert_eq!(session.make_move(4), Ok(RoomClientFrame::Move(4)));
    }
}
