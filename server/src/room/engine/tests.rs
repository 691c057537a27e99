//! Transitions of the room state machine, on a manual clock.

use super::*;
use volley_shared::artillery::Aim;

const TIMEOUT: u64 = 30_000;

fn room() -> Room {
    Room::new(RoomSetup {
        mode: Mode::Duel,
        players: vec![PlayerId(10), PlayerId(11)],
        seed: 99,
        turn_timeout_ms: TIMEOUT,
    })
}

fn hello() -> ClientFrame {
    ClientFrame::Hello {
        protocol: PROTOCOL_VERSION,
    }
}

fn fire() -> ClientFrame {
    ClientFrame::Fire {
        aim: Aim {
            angle_deg: 170,
            power: 100,
        },
    }
}

fn started(now: u64) -> Room {
    let mut room = room();
    room.handle(now, Seat(0), hello());
    room.handle(now, Seat(1), hello());
    room
}

fn broadcasts(effects: &[Effect]) -> Vec<(u64, GameEvent)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast(ServerFrame::Event { seq, event, .. }) => Some((*seq, event.clone())),
            _ => None,
        })
        .collect()
}

fn error_code(effects: &[Effect]) -> Option<ErrorCode> {
    effects.iter().find_map(|e| match e {
        Effect::Reply(ServerFrame::Error { code, .. }) => Some(*code),
        _ => None,
    })
}

#[test]
fn the_game_starts_when_every_seat_has_joined() {
    let mut room = room();
    let first = room.handle(0, Seat(0), hello());
    assert!(matches!(
        first.as_slice(),
        [
            Effect::Persist,
            Effect::Reply(ServerFrame::Welcome { waiting: true, .. })
        ]
    ));
    assert!(matches!(room.phase(), Phase::Waiting { .. }));

    let second = room.handle(500, Seat(1), hello());
    assert_eq!(
        room.phase(),
        &Phase::Playing {
            deadline_ms: 500 + TIMEOUT
        }
    );
    assert!(second.contains(&Effect::SetAlarm(500 + TIMEOUT)));
    assert_eq!(broadcasts(&second), vec![(1, room.game().turn_started())]);
    let persist = second.iter().position(|e| *e == Effect::Persist);
    let broadcast = second
        .iter()
        .position(|e| matches!(e, Effect::Broadcast(_)));
    assert!(persist < broadcast, "persist before broadcast: {second:?}");
}

#[test]
fn moves_before_the_start_or_out_of_turn_are_refused() {
    let mut waiting = room();
    waiting.handle(0, Seat(0), hello());
    assert_eq!(
        error_code(&waiting.handle(0, Seat(0), fire())),
        Some(ErrorCode::UnexpectedFrame)
    );

    let mut room = started(0);
    let before = room.clone();
    assert_eq!(
        error_code(&room.handle(1, Seat(1), fire())),
        Some(ErrorCode::NotYourTurn)
    );
    assert_eq!(room, before, "a refused move changes nothing");
}

#[test]
fn a_move_is_persisted_broadcast_and_rearms_the_deadline() {
    let mut room = started(0);
    let effects = room.handle(1_000, Seat(0), fire());
    assert_eq!(effects.first(), Some(&Effect::Persist));
    assert!(effects.contains(&Effect::SetAlarm(1_000 + TIMEOUT)));
    let events = broadcasts(&effects);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].0, 2);
    assert!(matches!(events[0].1, GameEvent::Shot { seat: Seat(0), .. }));
    assert!(matches!(
        events[1].1,
        GameEvent::TurnStarted { seat: Seat(1), .. }
    ));
    assert_eq!(room.seq(), 3);
}

#[test]
fn an_early_or_repeated_alarm_does_nothing_but_rearm() {
    let mut room = started(0);
    let before = room.clone();
    assert_eq!(room.on_alarm(TIMEOUT - 1), vec![Effect::SetAlarm(TIMEOUT)]);
    assert_eq!(room, before);

    let effects = room.on_alarm(TIMEOUT);
    assert!(matches!(
        broadcasts(&effects).first(),
        Some((
            _,
            GameEvent::TurnTimedOut {
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
        if room.game().current == Seat(0) {
            room.handle(now - 1, Seat(0), fire());
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
    assert_eq!(
        error_code(&room.handle(now, Seat(0), fire())),
        Some(ErrorCode::GameOver)
    );
}

#[test]
fn an_unsupported_protocol_is_refused_and_closed() {
    let mut room = room();
    let effects = room.handle(0, Seat(0), ClientFrame::Hello { protocol: 999 });
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
fn a_rejoin_gets_the_current_state() {
    let mut room = started(0);
    room.handle(10, Seat(0), fire());
    let effects = room.handle(20, Seat(0), hello());
    assert_eq!(effects, vec![Effect::Reply(room.welcome(Seat(0)))]);
    assert!(matches!(
        room.welcome(Seat(0)),
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
fn seats_belong_to_their_players() {
    let room = room();
    assert!(room.seats(Seat(0), PlayerId(10)));
    assert!(!room.seats(Seat(0), PlayerId(11)));
    assert!(!room.seats(Seat(5), PlayerId(10)));
}
