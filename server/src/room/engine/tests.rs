//! Transitions of the room state machine, on a manual clock, with the
//! artillery game and with Connect Four (the room must not care which).

use super::*;
use crate::room::refusals::Denied;
use crate::token::{Grant, TokenError};
use volley_shared::Mode;
use volley_shared::artillery::{Aim, Artillery, ArtilleryConfig, ArtilleryEvent, Fire, Weapon};
use volley_shared::connect_four::{self, ConnectFour};
use volley_shared::game::Outcome;

const TIMEOUT: u64 = 30_000;
const RESERVATION: u64 = 60_000;
const RETENTION: u64 = 3_600_000;

fn setup<G: Game>(config: G::Config) -> RoomSetup<G> {
    RoomSetup {
        mode: Mode::Duel,
        config,
        seats: vec![
            SeatSetup {
                player: PlayerId(10),
                name: "ann".into(),
                bot: false,
            },
            SeatSetup {
                player: PlayerId(11),
                name: "bob".into(),
                bot: false,
            },
        ],
        seed: 99,
        turn_timeout_ms: TIMEOUT,
        reservation_ms: RESERVATION,
        retention_ms: RETENTION,
    }
}

fn room() -> Room<Artillery> {
    Room::new(setup(ArtilleryConfig::default()), 0).unwrap().0
}

fn player(seat: Seat) -> PlayerId {
    PlayerId(10 + u64::from(seat.0))
}

/// A version 1 hello whose token grants `role` to `player`.
fn greet<G: Game>(
    room: &mut Room<G>,
    now: u64,
    role: Role,
    player: PlayerId,
    last_seq: u64,
) -> Vec<Effect<G>> {
    greet_with(room, now, Offered::V1(1), Ok((role, player)), last_seq)
}

/// A hello offering `offered`, whose token verifies to `verdict`.
fn greet_with<G: Game>(
    room: &mut Room<G>,
    now: u64,
    offered: Offered,
    verdict: Result<(Role, PlayerId), TokenError>,
    last_seq: u64,
) -> Vec<Effect<G>> {
    let greeting = Greeting {
        offered,
        token: "token".into(),
        last_seq,
    };
    room.hello(now, greeting, |token| {
        assert_eq!(token, "token");
        verdict
            .map(|(role, player)| Grant {
                role,
                player,
                expires_ms: u64::MAX,
            })
            .map_err(Denied::from)
    })
}

fn join<G: Game>(room: &mut Room<G>, now: u64, seat: Seat) -> Vec<Effect<G>> {
    greet(room, now, Role::Player(seat), player(seat), 0)
}

fn play(
    room: &mut Room<Artillery>,
    now: u64,
    frame: RoomClientFrame<Artillery>,
) -> Vec<Effect<Artillery>> {
    let seat = room.game().to_move().unwrap();
    room.handle(now, Role::Player(seat), 1, frame)
}

/// The seat to move fires `away`.
fn play_away(room: &mut Room<Artillery>, now: u64) -> Vec<Effect<Artillery>> {
    let fire = away(room);
    play(room, now, fire)
}

/// A shot out of the world on the shooter's own side.
fn away(room: &Room<Artillery>) -> RoomClientFrame<Artillery> {
    let seat = room.game().to_move().unwrap();
    let left = room.game().tanks[seat.index()].x < 512.0;
    RoomClientFrame::Move(Fire {
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

fn turn_timer(room: &Room<Artillery>) -> Timer {
    let Phase::InTurn { deadline_ms } = *room.phase() else {
        panic!("not in turn: {:?}", room.phase());
    };
    Timer {
        kind: TimerKind::TurnDeadline,
        due_ms: deadline_ms,
        epoch: u64::from(room.game().turn()),
    }
}

fn events<G: Game>(effects: &[Effect<G>]) -> Vec<(u64, G::Event)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Commit(commit) => Some(commit.events.iter()),
            _ => None,
        })
        .flatten()
        .filter_map(|(seq, frame)| match frame {
            RoomServerFrame::Event { event, .. } => Some((*seq, event.clone())),
            _ => None,
        })
        .collect()
}

fn error_code<G: Game>(effects: &[Effect<G>]) -> Option<ErrorCode> {
    effects.iter().find_map(|e| match e {
        Effect::Reply(RoomServerFrame::Error { code, .. }) => Some(*code),
        _ => None,
    })
}

#[test]
fn a_new_room_saves_itself_and_reserves_its_seats() {
    let (_, effects) = Room::new(setup::<Artillery>(ArtilleryConfig::default()), 100).unwrap();
    assert_eq!(
        effects,
        vec![
            Effect::Persist,
            Effect::SetTimer(Timer {
                kind: TimerKind::SeatReservation,
                due_ms: 100 + RESERVATION,
                epoch: 0
            })
        ]
    );
}

#[test]
fn the_game_starts_when_every_seat_has_joined() {
    let mut room = room();
    let first = join(&mut room, 0, Seat(0));
    assert!(matches!(
        first.as_slice(),
        [
            Effect::Admit(Role::Player(Seat(0))),
            Effect::Reply(RoomServerFrame::Welcome { waiting: true, .. }),
            Effect::Persist,
        ]
    ));
    assert!(matches!(room.phase(), Phase::Waiting { .. }));

    let second = join(&mut room, 500, Seat(1));
    assert_eq!(
        room.phase(),
        &Phase::InTurn {
            deadline_ms: 500 + TIMEOUT
        }
    );
    assert!(second.contains(&Effect::CancelTimer(TimerKind::SeatReservation)));
    assert!(second.contains(&Effect::SetTimer(Timer {
        kind: TimerKind::TurnDeadline,
        due_ms: 500 + TIMEOUT,
        epoch: 1
    })));
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
    let Some(Effect::Commit(commit)) = second.iter().find(|e| matches!(e, Effect::Commit(_)))
    else {
        panic!("no commit: {second:?}");
    };
    assert_eq!(commit.action.number, 1);
    assert_eq!(commit.action.action, Action::Begin);
}

#[test]
fn a_welcome_names_the_players_and_shows_the_game() {
    let room = started(0);
    let RoomServerFrame::Welcome {
        role, names, view, ..
    } = room.welcome(Role::Player(Seat(1)))
    else {
        panic!("not a welcome");
    };
    assert_eq!(role, Role::Player(Seat(1)));
    assert_eq!(names, ["ann", "bob"]);
    // The whole game but the seed of the wind.
    assert_eq!(
        view,
        Artillery {
            seed: 0,
            ..room.game().clone()
        }
    );
}

#[test]
fn moves_before_the_start_or_out_of_turn_are_refused() {
    let mut waiting = room();
    join(&mut waiting, 0, Seat(0));
    let fire = away(&started(0));
    assert_eq!(
        error_code(&waiting.handle(0, Role::Player(Seat(0)), 1, fire.clone())),
        Some(ErrorCode::NotInPlay)
    );

    let mut room = started(0);
    let before = room.clone();
    assert_eq!(
        error_code(&room.handle(1, Role::Player(Seat(1)), 1, fire)),
        Some(ErrorCode::NotYourTurn)
    );
    assert_eq!(room, before, "a refused move changes nothing");
}

#[test]
fn a_move_is_logged_with_its_events_and_rearms_the_deadline() {
    let mut room = started(0);
    let fire = away(&room);
    let effects = play(&mut room, 1_000, fire.clone());
    let timer = Effect::SetTimer(Timer {
        kind: TimerKind::TurnDeadline,
        due_ms: 1_000 + TIMEOUT,
        epoch: 2,
    });
    assert_eq!(effects.first(), Some(&timer));
    let Some(Effect::Commit(commit)) = effects.get(1) else {
        panic!("no commit: {effects:?}");
    };
    let RoomClientFrame::Move(mv) = fire else {
        unreachable!()
    };
    assert_eq!(
        commit.action,
        LoggedAction {
            number: 2,
            at_ms: 1_000,
            action: Action::Move { seat: Seat(0), mv }
        }
    );
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
        room.handle(5, Role::Player(Seat(0)), 1, RoomClientFrame::Live(aim)),
        vec![Effect::Relay(RoomServerFrame::Live {
            seat: Seat(0),
            live: aim
        })]
    );
    assert_eq!(room, before, "live aims are not stored");
    assert_eq!(
        error_code(&room.handle(5, Role::Player(Seat(1)), 1, RoomClientFrame::Live(aim))),
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
        error_code(&room.handle(5, Role::Player(Seat(0)), 1, RoomClientFrame::Live(wild))),
        Some(ErrorCode::IllegalMove)
    );
}

#[test]
fn resigning_ends_a_duel_and_starts_the_retention_clock() {
    let mut room = started(0);
    let effects = room.handle(7, Role::Player(Seat(1)), 1, RoomClientFrame::Resign);
    assert!(effects.contains(&Effect::CancelTimer(TimerKind::TurnDeadline)));
    assert!(effects.contains(&Effect::SetTimer(Timer {
        kind: TimerKind::Retention,
        due_ms: 7 + RETENTION,
        epoch: 0
    })));
    assert!(
        effects.contains(&Effect::Broadcast(RoomServerFrame::GameOver {
            outcome: Outcome::Winner(Seat(0)),
            seq: 3
        }))
    );
    assert_eq!(
        effects.last(),
        Some(&Effect::ReportResult(Outcome::Winner(Seat(0)))),
        "the result goes to the coordinator"
    );
    let retry = Timer {
        kind: TimerKind::ReportRetry,
        due_ms: 7 + REPORT_RETRY_MS,
        epoch: 0,
    };
    assert!(effects.contains(&Effect::SetTimer(retry)));
    assert_eq!(
        room.on_timer(retry.due_ms, retry).last(),
        Some(&Effect::ReportResult(Outcome::Winner(Seat(0)))),
        "reported again until acknowledged"
    );
    assert_eq!(
        error_code(&room.handle(8, Role::Player(Seat(1)), 1, RoomClientFrame::Resign)),
        Some(ErrorCode::NotInPlay)
    );
}

#[test]
fn a_game_of_long_turns_first_retries_its_report_at_its_last_deadline() {
    // Turns of two minutes: the room's alarm rings by the last turn's
    // deadline, so the first retry waits for it rather than move the alarm
    // earlier in the game's last write.
    let mut setup = setup::<Artillery>(ArtilleryConfig::default());
    setup.turn_timeout_ms = 120_000;
    let mut room = Room::new(setup, 0).unwrap().0;
    join(&mut room, 0, Seat(0));
    join(&mut room, 0, Seat(1));
    let deadline = turn_timer(&room).due_ms;
    assert_eq!(deadline, 120_000);
    let effects = room.handle(7, Role::Player(Seat(1)), 1, RoomClientFrame::Resign);
    let retry = Timer {
        kind: TimerKind::ReportRetry,
        due_ms: deadline,
        epoch: 0,
    };
    assert!(effects.contains(&Effect::SetTimer(retry)), "{effects:?}");
    // Later retries keep to their own pace.
    let again = room.on_timer(deadline, retry);
    assert!(again.contains(&Effect::SetTimer(Timer {
        due_ms: deadline + REPORT_RETRY_MS,
        ..retry
    })));
}

#[test]
fn a_first_report_retry_comes_before_the_retention_ends() {
    // Turns longer than the retention: the first retry cannot wait for
    // the last deadline, or the room would delete itself unreported when
    // nobody acknowledged the last move.
    let mut setup = setup::<Artillery>(ArtilleryConfig::default());
    setup.turn_timeout_ms = 300_000;
    setup.retention_ms = 20_000;
    let mut room = Room::new(setup, 0).unwrap().0;
    join(&mut room, 0, Seat(0));
    join(&mut room, 0, Seat(1));
    let effects = room.handle(7, Role::Player(Seat(1)), 1, RoomClientFrame::Resign);
    let retention = Timer {
        kind: TimerKind::Retention,
        due_ms: 7 + 20_000,
        epoch: 0,
    };
    let retry = Timer {
        kind: TimerKind::ReportRetry,
        due_ms: retention.due_ms - 1,
        epoch: 0,
    };
    assert!(
        effects.contains(&Effect::SetTimer(retention)),
        "{effects:?}"
    );
    assert!(effects.contains(&Effect::SetTimer(retry)), "{effects:?}");
}

#[test]
fn an_early_a_stale_or_a_repeated_turn_timer_does_nothing() {
    let mut room = started(0);
    let timer = turn_timer(&room);
    let before = room.clone();
    assert_eq!(
        room.on_timer(TIMEOUT - 1, timer),
        vec![Effect::SetTimer(timer)],
        "early: wait for the real deadline"
    );
    assert_eq!(room, before);

    let effects = room.on_timer(TIMEOUT, timer);
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
    // The same timer delivered again belongs to a turn that is over.
    let after = room.clone();
    assert_eq!(room.on_timer(TIMEOUT + 5, timer), vec![]);
    assert_eq!(room.on_timer(10 * TIMEOUT, timer), vec![]);
    assert_eq!(room, after);
}

#[test]
fn a_late_timer_still_times_the_turn_out() {
    let mut room = started(0);
    let timer = turn_timer(&room);
    let effects = room.on_timer(TIMEOUT * 5, timer);
    assert_eq!(events(&effects).len(), 2, "{effects:?}");
    assert_eq!(
        room.phase(),
        &Phase::InTurn {
            deadline_ms: TIMEOUT * 6
        },
        "the next turn counts from when the timeout was handled"
    );
}

#[test]
fn an_absent_player_forfeits_after_three_timeouts() {
    let mut room = started(0);
    let mut now = 0;
    while !matches!(room.phase(), Phase::Finished { .. }) {
        now += TIMEOUT;
        if room.game().to_move() == Some(Seat(0)) {
            play_away(&mut room, now - 1);
        }
        let timer = turn_timer(&room);
        room.on_timer(now, timer);
        assert!(now < 20 * TIMEOUT, "never finished");
    }
    assert_eq!(
        room.phase(),
        &Phase::Finished {
            outcome: Outcome::Winner(Seat(0))
        }
    );
}

#[test]
fn the_reservation_starts_a_half_empty_room_and_closes_an_empty_one() {
    let reservation = Timer {
        kind: TimerKind::SeatReservation,
        due_ms: RESERVATION,
        epoch: 0,
    };
    let mut half = room();
    join(&mut half, 10, Seat(1));
    let effects = half.on_timer(RESERVATION, reservation);
    assert!(matches!(
        events(&effects).as_slice(),
        [(1, ArtilleryEvent::TurnStarted { seat: Seat(0), .. })]
    ));
    assert!(matches!(half.phase(), Phase::InTurn { .. }));
    // The seat nobody took is a bot's now: it moves, and nobody is rated.
    assert!(half.setup().seats[0].bot);
    assert!(!half.setup().seats[1].bot);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::SetTimer(Timer {
            kind: TimerKind::BotTurn,
            ..
        })
    )));
    assert_eq!(
        half.on_timer(RESERVATION, reservation),
        vec![],
        "a second firing does nothing"
    );

    let mut empty = room();
    let effects = empty.on_timer(RESERVATION, reservation);
    assert_eq!(effects.last(), Some(&Effect::DeleteAll));
    assert_eq!(empty.phase(), &Phase::Closed);
}

#[test]
fn retention_deletes_a_finished_room_and_nothing_else() {
    let retention = Timer {
        kind: TimerKind::Retention,
        due_ms: RETENTION,
        epoch: 0,
    };
    let mut playing = started(0);
    assert_eq!(playing.on_timer(RETENTION, retention), vec![]);
    playing.handle(1, Role::Player(Seat(0)), 1, RoomClientFrame::Resign);
    let effects = playing.on_timer(RETENTION, retention);
    assert!(matches!(
        effects.as_slice(),
        [
            Effect::CloseAll {
                code: close::ROOM_CLOSED,
                ..
            },
            Effect::DeleteAll
        ]
    ));
    assert_eq!(playing.phase(), &Phase::Closed);
}

#[test]
fn an_unsupported_protocol_is_refused_and_closed() {
    let mut room = room();
    let effects = greet_with(
        &mut room,
        0,
        Offered::V1(999),
        Ok((Role::Player(Seat(0)), PlayerId(10))),
        0,
    );
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
        let effects = greet(&mut room, 0, Role::Player(seat), player, 0);
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
fn a_rejoin_without_history_gets_a_snapshot() {
    let mut room = started(0);
    play_away(&mut room, 10);
    let effects = join(&mut room, 20, Seat(0));
    assert_eq!(
        effects,
        vec![
            Effect::Admit(Role::Player(Seat(0))),
            Effect::Reply(room.welcome(Role::Player(Seat(0))))
        ]
    );
}

#[test]
fn a_rejoin_with_history_catches_up_from_its_last_event() {
    let mut room = started(0);
    play_away(&mut room, 10);
    let effects = greet(&mut room, 20, Role::Player(Seat(1)), PlayerId(11), 1);
    let [
        Effect::Admit(_),
        Effect::CatchUp {
            last_seq: 1,
            resumed,
            welcome,
        },
    ] = effects.as_slice()
    else {
        panic!("no catch-up: {effects:?}");
    };
    assert_eq!(
        resumed,
        &RoomServerFrame::Resumed {
            role: Role::Player(Seat(1)),
            last_seq: 1,
            seq: 3,
            waiting: false,
            deadline_ms: Some(10 + TIMEOUT)
        }
    );
    assert_eq!(welcome, &room.welcome(Role::Player(Seat(1))));
    // A client claiming events the room never sent gets a snapshot.
    let effects = greet(&mut room, 20, Role::Player(Seat(1)), PlayerId(11), 99);
    assert!(matches!(
        effects.get(1),
        Some(Effect::Reply(RoomServerFrame::Welcome { seq: 3, .. }))
    ));
    // One who has seen every event catches up with nothing.
    let effects = greet(&mut room, 20, Role::Player(Seat(1)), PlayerId(11), 3);
    assert!(
        matches!(effects.get(1), Some(Effect::CatchUp { last_seq: 3, .. })),
        "{effects:?}"
    );
}

#[test]
fn phases_have_their_status_names() {
    let mut room = room();
    assert_eq!(room.phase().name(), "waiting");
    join(&mut room, 0, Seat(0));
    join(&mut room, 0, Seat(1));
    assert_eq!(room.phase().name(), "in_turn");
    room.handle(10, Role::Player(Seat(1)), 1, RoomClientFrame::Resign);
    assert_eq!(room.phase().name(), "finished");
    assert_eq!(Phase::Closed.name(), "closed");
}

#[test]
fn spectators_watch_but_cannot_act() {
    let mut room = started(0);
    let effects = greet(&mut room, 5, Role::Spectator, PlayerId(0), 0);
    assert_eq!(
        effects,
        vec![
            Effect::Admit(Role::Spectator),
            Effect::Reply(room.welcome(Role::Spectator))
        ]
    );
    let before = room.clone();
    for frame in [away(&room), RoomClientFrame::Resign] {
        assert_eq!(
            error_code(&room.handle(6, Role::Spectator, 1, frame)),
            Some(ErrorCode::UnexpectedFrame)
        );
    }
    assert_eq!(room, before);
    assert_eq!(
        room.handle(6, Role::Spectator, 1, RoomClientFrame::Ping { nonce: 3 }),
        vec![Effect::Reply(RoomServerFrame::Pong { nonce: 3 })]
    );
}

#[test]
fn joining_a_finished_room_says_how_it_ended() {
    let mut room = started(0);
    room.handle(1, Role::Player(Seat(0)), 1, RoomClientFrame::Resign);
    let effects = greet(&mut room, 2, Role::Spectator, PlayerId(0), 0);
    assert_eq!(
        effects.last(),
        Some(&Effect::Reply(RoomServerFrame::GameOver {
            outcome: Outcome::Winner(Seat(1)),
            seq: 3
        }))
    );
}

#[test]
fn pings_are_answered() {
    let mut room = room();
    assert_eq!(
        room.handle(
            0,
            Role::Player(Seat(0)),
            1,
            RoomClientFrame::Ping { nonce: 7 }
        ),
        vec![Effect::Reply(RoomServerFrame::Pong { nonce: 7 })]
    );
}

#[test]
fn the_action_log_replays_to_the_same_game() {
    let mut log = Vec::new();
    let take = |log: &mut Vec<_>, effects: Vec<Effect<Artillery>>| {
        for effect in effects {
            if let Effect::Commit(commit) = effect {
                log.push(commit.action);
            }
        }
    };
    // The wind comes from the room's secret, as in a room the Worker makes.
    let mut fresh = room().with_secret(0x5EC2_E700);
    join(&mut fresh, 0, Seat(0));
    take(&mut log, join(&mut fresh, 0, Seat(1)));
    let mut now = 0;
    for _ in 0..6 {
        now += 1_000;
        take(&mut log, play_away(&mut fresh, now));
    }
    take(&mut log, fresh.on_timer(now + TIMEOUT, turn_timer(&fresh)));
    // While the game is on, the replay keeps the secret, which would tell
    // the wind to come; without it the log does not replay to this game.
    let live = fresh.replay(log.clone());
    assert_eq!(live.secret, None);
    assert_ne!(&live.run().unwrap().0, fresh.game());
    take(
        &mut log,
        fresh.handle(
            now + TIMEOUT,
            Role::Player(Seat(1)),
            1,
            RoomClientFrame::Resign,
        ),
    );
    let over = fresh.replay(log);
    assert_eq!(over.secret, Some(0x5EC2_E700));
    let (game, events) = over.run().unwrap();
    assert_eq!(&game, fresh.game());
    assert_eq!(events.len() as u64, fresh.seq());
}

#[test]
fn the_secret_is_taken_only_before_the_game_begins() {
    let mut room = room();
    join(&mut room, 0, Seat(0));
    join(&mut room, 0, Seat(1));
    let begun = room.game().clone();
    assert_eq!(room.with_secret(42).game(), &begun);
}

/// Seat 0 wins Connect Four in column 3, each move sent in protocol
/// `version`, one a second from `now` = 1 s; the effects of the last.
fn four_in_a_column(room: &mut Room<ConnectFour>, version: u16) -> Vec<Effect<ConnectFour>> {
    let mut now = 0;
    let mut last = Vec::new();
    for (seat, column) in [(0, 3), (1, 4), (0, 3), (1, 4), (0, 3), (1, 4), (0, 3)] {
        now += 1_000;
        let frame = RoomClientFrame::Move(column);
        last = room.handle(now, Role::Player(Seat(seat)), version, frame);
        assert_eq!(error_code(&last), None, "{last:?}");
    }
    last
}

fn connect_four_started() -> (Room<ConnectFour>, Vec<Effect<ConnectFour>>) {
    let mut room: Room<ConnectFour> = Room::new(setup(()), 0).unwrap().0;
    join(&mut room, 0, Seat(0));
    let start = join(&mut room, 0, Seat(1));
    (room, start)
}

#[test]
fn the_room_runs_connect_four_too() {
    let (mut room, start) = connect_four_started();
    assert!(matches!(
        events(&start).as_slice(),
        [(1, connect_four::Event::Began { first: Seat(0) })]
    ));
    let last = four_in_a_column(&mut room, 1);
    assert!(last.contains(&Effect::Broadcast(RoomServerFrame::GameOver {
        outcome: Outcome::Winner(Seat(0)),
        seq: 9
    })));
    assert_eq!(
        error_code(&room.handle(8_000, Role::Player(Seat(0)), 1, RoomClientFrame::Move(9))),
        Some(ErrorCode::NotInPlay)
    );
}

#[test]
fn a_game_a_version_2_move_ends_is_reported_on_a_players_acknowledgement() {
    let reports = |effects: &[Effect<ConnectFour>]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::ReportResult(_)))
            .count()
    };
    let ping = |nonce| RoomClientFrame::Ping { nonce };
    let pong = |nonce| Effect::Reply(RoomServerFrame::Pong { nonce });
    // Version 1 clients never acknowledge: their last move reports.
    let (mut old, _) = connect_four_started();
    assert_eq!(reports(&four_in_a_column(&mut old, 1)), 1);

    let (mut room, _) = connect_four_started();
    // An acknowledgement during the game is noted, and not answered.
    assert_eq!(
        room.handle(500, Role::Player(Seat(0)), 2, ping(move_ack::nonce(1))),
        [Effect::MoveAcknowledged {
            seat: Seat(0),
            seq: 1
        }]
    );
    let last = four_in_a_column(&mut room, 2);
    assert_eq!(reports(&last), 0, "{last:?}");
    assert!(
        last.iter().any(|e| matches!(
            e,
            Effect::SetTimer(Timer {
                kind: TimerKind::ReportRetry,
                ..
            })
        )),
        "the retry timer reports if no acknowledgement comes: {last:?}"
    );
    // A liveness ping, or a spectator's acknowledgement, is a ping: it is
    // answered, and reports nothing.
    assert_eq!(
        room.handle(8_000, Role::Player(Seat(0)), 2, ping(7)),
        [pong(7)]
    );
    let ack = move_ack::nonce(9);
    assert_eq!(
        room.handle(8_000, Role::Spectator, 2, ping(ack)),
        [pong(ack)]
    );
    // A player's acknowledgement reports, of any event: an instance
    // evicted since the last move cannot match it to the move.
    assert_eq!(
        room.handle(8_000, Role::Player(Seat(1)), 2, ping(move_ack::nonce(4))),
        [
            Effect::MoveAcknowledged {
                seat: Seat(1),
                seq: 4
            },
            Effect::ReportResult(Outcome::Winner(Seat(0)))
        ]
    );
}

#[test]
fn a_resignation_reports_at_once_and_a_version_1_acknowledgement_is_answered() {
    let (mut room, _) = connect_four_started();
    // Version 1 promised an answer to every ping.
    let ack = move_ack::nonce(1);
    assert_eq!(
        room.handle(
            500,
            Role::Player(Seat(0)),
            1,
            RoomClientFrame::Ping { nonce: ack }
        ),
        [
            Effect::MoveAcknowledged {
                seat: Seat(0),
                seq: 1
            },
            Effect::Reply(RoomServerFrame::Pong { nonce: ack })
        ]
    );
    // Nobody acknowledges a resignation: in either version it reports.
    let effects = room.handle(600, Role::Player(Seat(1)), 2, RoomClientFrame::Resign);
    assert_eq!(
        effects.last(),
        Some(&Effect::ReportResult(Outcome::Winner(Seat(0)))),
        "{effects:?}"
    );
}

#[test]
fn a_room_refuses_a_seat_count_its_game_cannot_take() {
    let mut three = setup::<ConnectFour>(());
    three.seats.push(SeatSetup {
        player: PlayerId(12),
        name: "cy".into(),
        bot: false,
    });
    assert!(Room::new(three, 0).is_err());
}

#[test]
fn a_bot_seat_is_played_by_the_room_after_a_pause() {
    let mut setup = setup::<Artillery>(ArtilleryConfig::default());
    setup.seats[1].bot = true;
    let mut room = Room::new(setup, 0).unwrap().0;
    assert_eq!(
        error_code(&greet(&mut room, 0, Role::Player(Seat(1)), PlayerId(11), 0)),
        Some(ErrorCode::BadToken),
        "nobody may take a bot's seat"
    );
    let start = join(&mut room, 0, Seat(0));
    assert!(matches!(room.phase(), Phase::InTurn { .. }), "{start:?}");
    let effects = play_away(&mut room, 1_000);
    let bot_timer = Timer {
        kind: TimerKind::BotTurn,
        due_ms: 1_000 + BOT_THINK_MS,
        epoch: 2,
    };
    assert!(
        effects.contains(&Effect::SetTimer(bot_timer)),
        "{effects:?}"
    );
    let effects = room.on_timer(bot_timer.due_ms, bot_timer);
    let events = events(&effects);
    assert!(
        matches!(&events[0].1, ArtilleryEvent::Shot(shot) if shot.seat == Seat(1)),
        "{events:?}"
    );
    assert_eq!(room.game().to_move(), Some(Seat(0)), "back to the human");
    assert_eq!(
        room.on_timer(bot_timer.due_ms + 5, bot_timer),
        vec![],
        "a repeated bot timer does nothing"
    );
}

#[test]
fn a_bot_in_a_room_of_short_turns_moves_before_its_turn_runs_out() {
    // The shortest turn the settings take, 1 s, is shorter than a bot's
    // usual pause: it thinks for half a turn instead.
    let mut setup = setup::<Artillery>(ArtilleryConfig::default());
    setup.seats[1].bot = true;
    setup.turn_timeout_ms = 1_000;
    let mut room = Room::new(setup, 0).unwrap().0;
    join(&mut room, 0, Seat(0));
    let effects = play_away(&mut room, 100);
    let timers: Vec<Timer> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::SetTimer(timer) => Some(*timer),
            _ => None,
        })
        .collect();
    let bot = timers
        .iter()
        .find(|t| t.kind == TimerKind::BotTurn)
        .expect("a bot timer");
    let turn = timers
        .iter()
        .find(|t| t.kind == TimerKind::TurnDeadline)
        .expect("a turn timer");
    assert_eq!(bot.due_ms, 100 + 500);
    assert!(bot.due_ms < turn.due_ms, "{bot:?} / {turn:?}");
    assert_eq!(bot_think_ms(30_000), BOT_THINK_MS);
}

#[test]
fn a_private_seat_is_claimed_once_before_it_is_joined() {
    let mut room = room();
    assert_eq!(
        room.claim(Seat(1), PlayerId(77), "friend".into()),
        Some(vec![Effect::Persist])
    );
    assert_eq!(room.setup().seats[1].player, PlayerId(77));
    assert!(
        greet(&mut room, 0, Role::Player(Seat(1)), PlayerId(77), 0)
            .contains(&Effect::Admit(Role::Player(Seat(1))))
    );
    assert_eq!(
        room.claim(Seat(1), PlayerId(78), "late".into()),
        None,
        "joined"
    );
    assert_eq!(room.claim(Seat(9), PlayerId(78), "nowhere".into()), None);
}

#[test]
fn a_player_cannot_claim_a_second_seat() {
    let mut room = room();
    // Seat 0 holds player(Seat(0)): the creator tries to be the friend too.
    assert_eq!(
        room.claim(Seat(1), player(Seat(0)), "me again".into()),
        None
    );
    assert_ne!(room.setup().seats[1].player, player(Seat(0)));
}

#[test]
fn an_opening_is_answered_before_the_welcome_in_the_agreed_version() {
    use volley_shared::protocol::{Answer, Versions};
    let mut room = room();
    let effects = greet_with(
        &mut room,
        0,
        Offered::Range(Versions { min: 2, max: 5 }),
        Ok((Role::Player(Seat(0)), PlayerId(10))),
        0,
    );
    assert!(
        matches!(
            effects.as_slice(),
            [
                Effect::Answer(Answer::Agreed { version: 2 }),
                Effect::Admit(Role::Player(Seat(0))),
                Effect::Reply(RoomServerFrame::Welcome { .. }),
                Effect::Persist,
            ]
        ),
        "{effects:?}"
    );
}

#[test]
fn an_opening_with_no_common_version_is_refused_before_the_token() {
    use volley_shared::protocol::{Answer, Versions};
    let mut room = room();
    let effects = greet_with(
        &mut room,
        0,
        Offered::Range(Versions { min: 7, max: 9 }),
        Err(TokenError::BadSignature),
        0,
    );
    assert!(
        matches!(
            effects.as_slice(),
            [
                Effect::Answer(Answer::Refused { .. }),
                Effect::Close {
                    code: close::SERVER_TOO_OLD,
                    ..
                },
            ]
        ),
        "{effects:?}"
    );
}

#[test]
fn a_bad_token_after_an_agreed_opening_is_refused_in_that_version() {
    use volley_shared::protocol::{Answer, Versions};
    let mut room = room();
    let effects = greet_with(
        &mut room,
        0,
        Offered::Range(Versions { min: 2, max: 2 }),
        Err(TokenError::Expired),
        0,
    );
    assert!(matches!(
        effects.first(),
        Some(Effect::Answer(Answer::Agreed { version: 2 }))
    ));
    assert_eq!(error_code(&effects), Some(ErrorCode::BadToken));
    assert!(matches!(
        effects.last(),
        Some(Effect::Close {
            code: close::BAD_TOKEN,
            ..
        })
    ));
    assert!(matches!(room.phase(), Phase::Waiting { joined } if joined == &[false, false]));
}

#[test]
fn a_connect_four_room_refuses_version_1() {
    let mut setup = setup::<ConnectFour>(());
    setup.mode = volley_shared::Mode::ConnectFour;
    let mut room = Room::new(setup, 0).unwrap().0;
    let effects = greet(&mut room, 0, Role::Player(Seat(0)), PlayerId(10), 0);
    assert_eq!(error_code(&effects), Some(ErrorCode::UnsupportedProtocol));
    assert!(matches!(
        effects.last(),
        Some(Effect::Close {
            code: close::UNSUPPORTED_PROTOCOL,
            ..
        })
    ));
}

#[test]
fn a_resignation_out_of_turn_in_a_three_player_game_keeps_the_turn_and_its_deadline() {
    let mut setup = setup::<Artillery>(ArtilleryConfig::default());
    setup.mode = Mode::Ffa3;
    setup.seats.push(SeatSetup {
        player: PlayerId(12),
        name: "cy".into(),
        bot: false,
    });
    let mut room = Room::new(setup, 0).unwrap().0;
    for seat in 0..3 {
        join(&mut room, 0, Seat(seat));
    }
    let before = turn_timer(&room);
    assert_eq!(room.game().to_move(), Some(Seat(0)));
    // Seat 2 gives up while seat 0 is to move: the game goes on for two,
    // seat 0 keeps its turn and the deadline it had.
    let effects = room.handle(5_000, Role::Player(Seat(2)), 1, RoomClientFrame::Resign);
    assert!(
        events(&effects)
            .iter()
            .any(|(_, e)| matches!(e, ArtilleryEvent::Resigned { seat: Seat(2) })),
        "{effects:?}"
    );
    assert_eq!(room.game().to_move(), Some(Seat(0)));
    assert_eq!(turn_timer(&room), before, "the deadline moved");
    assert!(room.game().outcome().is_none());
    // Seat 0 moves: the turn skips the seat that left.
    play_away(&mut room, 6_000);
    assert_eq!(room.game().to_move(), Some(Seat(1)));
}
