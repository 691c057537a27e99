//! Unit tests of the session: a whole artillery game followed in sync, gaps
//! and false reports caught, a resume, refusals and live aims, and moves
//! refused before they are sent (in Connect Four). Kept out of `session.rs`
//! so that file holds only the session itself.

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
    assert_eq!(session.role(), Some(Role::Player(Seat(1))));
    assert!(session.waiting(), "the room still waits for seats");
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
    assert!(!session.waiting(), "an event means the game began");
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
fn the_end_is_taken_only_at_the_last_event() {
    let server = new_game();
    let mut session = Session::new();
    session.on_frame(welcome(&server, 4, false)).unwrap();
    let early = ServerFrame::GameOver {
        outcome: Outcome::Winner(Seat(0)),
        seq: 5,
    };
    assert_eq!(
        session.on_frame(early),
        Err(SessionError::OutOfOrder { last: 4, got: 5 })
    );
    assert_eq!(session.outcome(), None);
    let over = ServerFrame::GameOver {
        outcome: Outcome::Winner(Seat(0)),
        seq: 4,
    };
    assert_eq!(
        session.on_frame(over),
        Ok(Update::GameOver(Outcome::Winner(Seat(0))))
    );
    assert_eq!(session.outcome(), Some(Outcome::Winner(Seat(0))));
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

#[test]
fn a_move_may_be_made_again_after_a_refusal_or_a_reconnect() {
    let mut server = ConnectFour::new(&(), 0, 2).unwrap();
    server.begin();
    let mut session = GameSession::<ConnectFour>::new();
    let welcome = |view: &ConnectFour, seq| RoomServerFrame::Welcome {
        role: Role::Player(Seat(0)),
        seq,
        names: vec!["a".into(), "b".into()],
        waiting: false,
        view: view.clone(),
        deadline_ms: None,
    };
    session.on_frame(welcome(&server, 1)).unwrap();
    assert!(session.make_move(3).is_ok());
    assert!(!session.my_turn());
    session
        .on_frame(RoomServerFrame::Error {
            code: volley_shared::ErrorCode::RateLimited,
            message: "slow down".into(),
        })
        .unwrap();
    assert!(session.my_turn(), "a refused move can be sent again");
    assert!(session.make_move(3).is_ok());
    session.on_frame(welcome(&server, 1)).unwrap();
    assert!(
        session.my_turn(),
        "a move lost in a reconnection can be sent again"
    );
}

#[test]
fn a_move_is_acknowledged_once_when_its_first_event_arrives() {
    let mut server = ConnectFour::new(&(), 0, 2).unwrap();
    let begun = server.begin();
    let mut session = GameSession::<ConnectFour>::new();
    session
        .on_frame(RoomServerFrame::Welcome {
            role: Role::Player(Seat(0)),
            seq: begun.len() as u64,
            names: vec!["a".into(), "b".into()],
            waiting: false,
            view: server.clone(),
            deadline_ms: None,
        })
        .unwrap();
    assert_eq!(session.take_ack(), None, "nothing moved yet");
    session.make_move(3).unwrap();
    assert_eq!(session.take_ack(), None, "its event has not arrived");
    let first = session.last_seq() + 1;
    for (seq, event) in (first..).zip(server.play(Seat(0), &3).unwrap()) {
        session
            .on_frame(RoomServerFrame::Event {
                seq,
                event,
                deadline_ms: None,
            })
            .unwrap();
    }
    assert_eq!(first, begun.len() as u64 + 1);
    assert_eq!(
        session.take_ack(),
        Some(RoomClientFrame::Ping {
            nonce: move_ack::nonce(first)
        }),
        "the first event of the move is acknowledged"
    );
    assert_eq!(session.take_ack(), None, "once");
}
