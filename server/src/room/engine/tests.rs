//! Transitions of the room state machine, on a manual clock, with the
//! artillery game and with Connect Four (the room must not care which).

use super::*;
use volley_shared::artillery::{Aim, Artillery, ArtilleryConfig, ArtilleryEvent, Fire, Weapon};
use volley_shared::connect_four::{self, ConnectFour};

const TIMEOUT: u64 = 30_000;

fn setup<G: Game>(config: G::Config) -> RoomSetup<G> {
    RoomSetup {
        mode: Mode::Duel,
        config,
        seats: vec![
            SeatSetup {
                player: PlayerId(10),
                name: "ann".into(),
            },
            SeatSetup {
                player: PlayerId(11),
                name: "bob".into(),
            },
        ],
        seed: 99,
        turn_timeout_ms: TIMEOUT,
    }
}

fn room() -> Room<Artillery> {
    Room::new(setup(ArtilleryConfig::default())).unwrap()
}

fn player(seat: Seat) -> PlayerId {
    PlayerId(10 + u64::from(seat.0))
}

fn join<G: Game>(room: &mut Room<G>, now: u64, seat: Seat) -> Vec<Effect<G>> {
    room.hello(now, seat, player(seat), PROTOCOL_VERSION)
}

/// A shot out of the world on the shooter's own side.
fn away(room: &Room<Artillery>) -> ClientFrame<Artillery> {
    let seat = room.game().to_move().unwrap();
    let left = room.game().tanks[seat.index()].x < 512.0;
    ClientFrame::Move(Fire {
        aim: Aim {
            angle_deg: if left { 135 } else { 45 },
            power: 100,
        },
        weapon: Weapon::Shell,
    })
}

fn started(now: u64) -> Room<Artillery> {
    let mut room = room();
    join(&mut room, now, Seat(0));
    join(&mut room, now, Seat(1));
    room
}

fn events<G: Game>(effects: &[Effect<G>]) -> Vec<(u64, G::Event)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast(ServerFrame::Event { seq, event, .. }) => Some((*seq, event.clone())),
            _ => None,
        })
        .collect()
}

fn error_code<G: Game>(effects: &[Effect<G>]) -> Option<ErrorCode> {
    effects.iter().find_map(|e| match e {
        Effect::Reply(ServerFrame::Error { code, .. }) => Some(*code),
        _ => None,
    })
}

#[test]
fn the_game_starts_when_every_seat_has_joined() {
    let mut room = room();
    let first = join(&mut room, 0, Seat(0));
    assert!(matches!(
        first.as_slice(),
        [
            Effect::Admit(Seat(0)),
            Effect::Persist,
            Effect::Reply(ServerFrame::Welcome { waiting: true, .. })
        ]
    ));
    assert!(matches!(room.phase(), Phase::Waiting { .. }));

    let second = join(&mut room, 500, Seat(1));
    assert_eq!(
        room.phase(),
        &Phase::Playing {
            deadline_ms: 500 + TIMEOUT
        }
    );
    assert!(second.contains(&Effect::SetAlarm(500 + TIMEOUT)));
    assert!(matches!(
        events(&second).as_slice(),
        [(
            1,
            ArtilleryEvent::TurnStarted {
                seat: Seat(0),
                turn: 1,
                ..
            }
        )]
    ));
    let persist = second.iter().position(|e| *e == Effect::Persist);
    let broadcast = second
        .iter()
        .position(|e| matches!(e, Effect::Broadcast(_)));
    assert!(persist < broadcast, "persist before broadcast: {second:?}");
}

#[test]
fn a_welcome_names_the_players_and_shows_the_game() {
    let room = started(0);
    let ServerFrame::Welcome {
        role, names, view, ..
    } = room.welcome(Role::Player(Seat(1)))
    else {
        panic!("not a welcome");
    };
    assert_eq!(role, Role::Player(Seat(1)));
    assert_eq!(names, ["ann", "bob"]);
    assert_eq!(&view, room.game());
}

#[test]
fn moves_before_the_start_or_out_of_turn_are_refused() {
    let mut waiting = room();
    join(&mut waiting, 0, Seat(0));
    let fire = away(&started(0));
    assert_eq!(
        error_code(&waiting.handle(0, Seat(0), fire.clone())),
        Some(ErrorCode::NotInPlay)
    );

    let mut room = started(0);
    let before = room.clone();
    assert_eq!(
        error_code(&room.handle(1, Seat(1), fire)),
        Some(ErrorCode::NotYourTurn)
    );
    assert_eq!(room, before, "a refused move changes nothing");
}

#[test]
fn a_move_is_persisted_broadcast_and_rearms_the_deadline() {
    let mut room = started(0);
    let effects = room.handle(1_000, Seat(0), away(&room));
    assert_eq!(effects.first(), Some(&Effect::Persist));
    assert!(effects.contains(&Effect::SetAlarm(1_000 + TIMEOUT)));
    let events = events(&effects);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].0, 2);
    assert!(matches!(&events[0].1, ArtilleryEvent::Shot(shot) if shot.seat == Seat(0)));
    assert!(matches!(
        events[1].1,
        ArtilleryEvent::TurnStarted { seat: Seat(1), .. }
    ));
    assert_eq!(room.seq(), 3);
}

#[test]
fn live_aims_are_relayed_to_the_others_and_only_from_the_seat_to_move() {
    let mut room = started(0);
    let aim = Fire {
        aim: Aim {
            angle_deg: 80,
            power: 40,
        },
        weapon: Weapon::Shell,
    };
    let before = room.clone();
    assert_eq!(
        room.handle(5, Seat(0), ClientFrame::Live(aim)),
        vec![Effect::Relay(ServerFrame::Live {
            seat: Seat(0),
            live: aim
        })]
    );
    assert_eq!(room, before, "live aims are not stored");
    assert_eq!(
        error_code(&room.handle(5, Seat(1), ClientFrame::Live(aim))),
        Some(ErrorCode::NotYourTurn)
    );
    let wild = Fire {
        aim: Aim {
            angle_deg: 500,
            power: 40,
        },
        ..aim
    };
    assert_eq!(
        error_code(&room.handle(5, Seat(0), ClientFrame::Live(wild))),
        Some(ErrorCode::IllegalMove)
    );
}

#[test]
fn resigning_ends_a_duel_for_the_other_seat() {
    let mut room = started(0);
    let effects = room.handle(7, Seat(1), ClientFrame::Resign);
    assert!(effects.contains(&Effect::ClearAlarm));
    assert_eq!(
        effects.last(),
        Some(&Effect::Broadcast(ServerFrame::GameOver {
            outcome: Outcome::Winner(Seat(0)),
            seq: 3
        }))
    );
    assert_eq!(
        error_code(&room.handle(8, Seat(1), ClientFrame::Resign)),
        Some(ErrorCode::NotInPlay)
    );
}

#[test]
fn an_early_or_repeated_alarm_does_nothing_but_rearm() {
    let mut room = started(0);
    let before = room.clone();
    assert_eq!(room.on_alarm(TIMEOUT - 1), vec![Effect::SetAlarm(TIMEOUT)]);
    assert_eq!(room, before);

    let effects = room.on_alarm(TIMEOUT);
    assert!(matches!(
        events(&effects).first(),
        Some((
            _,
            ArtilleryEvent::TurnTimedOut {
                seat: Seat(0),
                forfeited: false
            }
        ))
    ));
    // The same alarm delivered again finds the new deadline in the future.
    assert_eq!(room.on_alarm(TIMEOUT), vec![Effect::SetAlarm(2 * TIMEOUT)]);
}

#[test]
fn an_absent_player_forfeits_after_three_timeouts() {
    let mut room = started(0);
    let mut now = 0;
    let mut last = Vec::new();
    while !matches!(room.phase(), Phase::Finished { .. }) {
        now += TIMEOUT;
        if room.game().to_move() == Some(Seat(0)) {
            room.handle(now - 1, Seat(0), away(&room));
        }
        last = room.on_alarm(now);
        assert!(now < 20 * TIMEOUT, "never finished");
    }
    assert_eq!(
        room.phase(),
        &Phase::Finished {
            outcome: Outcome::Winner(Seat(0))
        }
    );
    assert!(last.contains(&Effect::ClearAlarm));
    assert_eq!(room.on_alarm(now + TIMEOUT), vec![Effect::ClearAlarm]);
    let fire = ClientFrame::Move(Fire {
        aim: Aim {
            angle_deg: 90,
            power: 10,
        },
        weapon: Weapon::Shell,
    });
    assert_eq!(
        error_code(&room.handle(now, Seat(0), fire)),
        Some(ErrorCode::NotInPlay)
    );
}

#[test]
fn an_unsupported_protocol_is_refused_and_closed() {
    let mut room = room();
    let effects = room.hello(0, Seat(0), PlayerId(10), 999);
    assert_eq!(error_code(&effects), Some(ErrorCode::UnsupportedProtocol));
    assert!(matches!(
        effects.last(),
        Some(Effect::Close {
            code: close::UNSUPPORTED_PROTOCOL,
            ..
        })
    ));
    assert!(matches!(room.phase(), Phase::Waiting { joined } if joined == &[false, false]));
}

#[test]
fn a_token_for_someone_else_is_refused_and_closed() {
    let mut room = room();
    for (seat, player) in [(Seat(0), PlayerId(11)), (Seat(7), PlayerId(10))] {
        let effects = room.hello(0, seat, player, PROTOCOL_VERSION);
        assert_eq!(error_code(&effects), Some(ErrorCode::BadToken));
        assert!(matches!(
            effects.last(),
            Some(Effect::Close {
                code: close::BAD_TOKEN,
                ..
            })
        ));
    }
}

#[test]
fn a_rejoin_gets_the_current_state() {
    let mut room = started(0);
    room.handle(10, Seat(0), away(&room));
    let effects = join(&mut room, 20, Seat(0));
    assert_eq!(
        effects,
        vec![
            Effect::Admit(Seat(0)),
            Effect::Reply(room.welcome(Role::Player(Seat(0))))
        ]
    );
    assert!(matches!(
        room.welcome(Role::Player(Seat(0))),
        ServerFrame::Welcome {
            seq: 3,
            waiting: false,
            ..
        }
    ));
}

#[test]
fn pings_are_answered_and_lobby_frames_refused() {
    let mut room = room();
    assert_eq!(
        room.handle(0, Seat(0), ClientFrame::Ping { nonce: 7 }),
        vec![Effect::Reply(ServerFrame::Pong { nonce: 7 })]
    );
    let effects = room.handle(
        0,
        Seat(0),
        ClientFrame::FindMatch {
            protocol: PROTOCOL_VERSION,
            mode: Mode::Duel,
            name: String::new(),
        },
    );
    assert_eq!(error_code(&effects), Some(ErrorCode::UnexpectedFrame));
}

#[test]
fn the_room_runs_connect_four_too() {
    let mut room: Room<ConnectFour> = Room::new(setup(())).unwrap();
    join(&mut room, 0, Seat(0));
    let start = join(&mut room, 0, Seat(1));
    assert!(matches!(
        events(&start).as_slice(),
        [(1, connect_four::Event::Began { first: Seat(0) })]
    ));
    let mut now = 0;
    let mut last = Vec::new();
    for (seat, column) in [(0, 3), (1, 4), (0, 3), (1, 4), (0, 3), (1, 4), (0, 3)] {
        now += 1_000;
        last = room.handle(now, Seat(seat), ClientFrame::Move(column));
        assert_eq!(error_code(&last), None, "{last:?}");
    }
    assert_eq!(
        last.last(),
        Some(&Effect::Broadcast(ServerFrame::GameOver {
            outcome: Outcome::Winner(Seat(0)),
            seq: 9
        }))
    );
    assert_eq!(
        error_code(&room.handle(now, Seat(0), ClientFrame::Move(9))),
        Some(ErrorCode::NotInPlay)
    );
}

#[test]
fn a_room_refuses_a_seat_count_its_game_cannot_take() {
    let mut three = setup::<ConnectFour>(());
    three.seats.push(SeatSetup {
        player: PlayerId(12),
        name: "cy".into(),
    });
    assert!(Room::new(three).is_err());
}
