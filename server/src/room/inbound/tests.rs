//! Bytes in, effects out: every way a socket's frames are read.

use super::*;
use crate::internal::{RoomSetup, SeatSetup};
use crate::token::TokenError;
use volley_shared::artillery::{Aim, Artillery, Fire, Weapon};
use volley_shared::protocol::{Answer, Opening, RoomServerFrame, Versions};
use volley_shared::{Mode, PlayerId, Seat};

fn room() -> Room<Artillery> {
    let seats = (0..2)
        .map(|n| SeatSetup {
            player: PlayerId(10 + n),
            name: format!("p{n}"),
            bot: false,
        })
        .collect();
    let setup = RoomSetup {
        mode: Mode::Duel,
        config: Default::default(),
        seats,
        seed: 5,
        turn_timeout_ms: 30_000,
        reservation_ms: 60_000,
        retention_ms: 60_000,
    };
    Room::new(setup, 0).unwrap().0
}

fn grant(token: &str) -> Result<Grant, Denied> {
    match token {
        "seat-0" => Ok(Grant {
            role: Role::Player(Seat(0)),
            player: PlayerId(10),
            expires_ms: u64::MAX,
        }),
        _ => Err(TokenError::BadSignature.into()),
    }
}

/// A protocol `min`..=`max` opening that joins with `token`.
fn join_opening(min: u16, max: u16, token: &str) -> Vec<u8> {
    codec::encode_opening(&Opening {
        versions: Versions { min, max },
        hello: Hello::Join {
            token: token.into(),
            last_seq: 0,
        },
    })
    .unwrap()
}

/// A protocol `min`..=`max` opening that asks for a duel (a lobby's).
fn find_match_opening(min: u16, max: u16) -> Vec<u8> {
    codec::encode_opening(&Opening {
        versions: Versions { min, max },
        hello: Hello::FindMatch {
            mode: Mode::Duel,
            name: "x".into(),
            party: None,
        },
    })
    .unwrap()
}

fn v1_bytes(frame: v1::ClientFrame<Artillery>) -> Vec<u8> {
    codec::encode(&frame).unwrap()
}

fn receive(room: &mut Room<Artillery>, caller: Caller, bytes: &[u8]) -> Vec<Effect<Artillery>> {
    let mut guard = FloodGuard::new(0);
    super::receive(room, 1, caller, bytes, &mut guard, grant)
}

fn error_code(effects: &[Effect<Artillery>]) -> Option<ErrorCode> {
    effects.iter().find_map(|e| match e {
        Effect::Reply(RoomServerFrame::Error { code, .. }) => Some(*code),
        _ => None,
    })
}

fn fire() -> Fire {
    Fire {
        aim: Aim {
            angle_deg: 60,
            power: 50,
        },
        weapon: Weapon::Shell,
    }
}

const PLAYER_0_V1: Caller = Caller::Admitted {
    role: Role::Player(Seat(0)),
    version: 1,
};

#[test]
fn a_version_1_hello_is_admitted_without_an_answer() {
    let mut room = room();
    let hello = v1_bytes(v1::ClientFrame::Hello {
        protocol: 1,
        token: "seat-0".into(),
        last_seq: 0,
    });
    let effects = receive(&mut room, Caller::Pending, &hello);
    assert!(
        matches!(
            effects.as_slice(),
            [
                Effect::Admit(Role::Player(Seat(0))),
                Effect::Reply(RoomServerFrame::Welcome { .. }),
                Effect::Persist
            ]
        ),
        "{effects:?}"
    );
}

#[test]
fn an_opening_is_answered_then_admitted() {
    let mut room = room();
    let opening = join_opening(2, 4, "seat-0");
    let effects = receive(&mut room, Caller::Pending, &opening);
    assert!(matches!(
        effects.first(),
        Some(Effect::Answer(Answer::Agreed { version: 2 }))
    ));
    assert!(effects.contains(&Effect::Admit(Role::Player(Seat(0)))));
    // A forged token after an agreed opening.
    let forged = join_opening(2, 2, "forged");
    let effects = receive(&mut room, Caller::Pending, &forged);
    assert_eq!(error_code(&effects), Some(ErrorCode::BadToken));
}

#[test]
fn a_first_frame_that_is_not_a_hello_closes_the_socket() {
    let mut room = room();
    let effects = receive(
        &mut room,
        Caller::Pending,
        &v1_bytes(v1::ClientFrame::Move(fire())),
    );
    assert_eq!(error_code(&effects), Some(ErrorCode::UnexpectedFrame));
    assert!(matches!(
        effects.last(),
        Some(Effect::Close {
            code: close::PROTOCOL_VIOLATION,
            ..
        })
    ));
    let lobby = find_match_opening(2, 2);
    let effects = receive(&mut room, Caller::Pending, &lobby);
    assert!(matches!(
        effects.last(),
        Some(Effect::Close {
            code: close::PROTOCOL_VIOLATION,
            ..
        })
    ));
}

#[test]
fn a_ping_before_hello_is_answered_as_version_1_did() {
    let mut room = room();
    let effects = receive(
        &mut room,
        Caller::Pending,
        &v1_bytes(v1::ClientFrame::Ping { nonce: 4 }),
    );
    assert_eq!(
        effects,
        vec![Effect::Reply(RoomServerFrame::Pong { nonce: 4 })]
    );
}

#[test]
fn unreadable_bytes_get_an_error_and_the_socket_stays_open() {
    let mut room = room();
    for caller in [
        Caller::Pending,
        PLAYER_0_V1,
        Caller::Admitted {
            role: Role::Spectator,
            version: 2,
        },
    ] {
        let effects = receive(&mut room, caller, &[0xff, 0xff, 0xff]);
        assert_eq!(
            error_code(&effects),
            Some(ErrorCode::MalformedFrame),
            "{caller:?}"
        );
        assert!(!effects.iter().any(|e| matches!(e, Effect::Close { .. })));
        let big = vec![1u8; volley_shared::codec::MAX_CLIENT_FRAME_BYTES + 1];
        assert_eq!(
            error_code(&receive(&mut room, caller, &big)),
            Some(ErrorCode::FrameTooLarge)
        );
    }
}

#[test]
fn later_frames_are_read_in_the_socket_version() {
    let mut room = room();
    let v1_ping = v1_bytes(v1::ClientFrame::Ping { nonce: 1 });
    assert_eq!(
        receive(&mut room, PLAYER_0_V1, &v1_ping),
        vec![Effect::Reply(RoomServerFrame::Pong { nonce: 1 })]
    );
    let v2_ping = codec::encode(&RoomClientFrame::<Artillery>::Ping { nonce: 2 }).unwrap();
    let player_0_v2 = Caller::Admitted {
        role: Role::Player(Seat(0)),
        version: 2,
    };
    assert_eq!(
        receive(&mut room, player_0_v2, &v2_ping),
        vec![Effect::Reply(RoomServerFrame::Pong { nonce: 2 })]
    );
    // A second hello on an admitted version 1 socket.
    let hello = v1_bytes(v1::ClientFrame::Hello {
        protocol: 1,
        token: "seat-0".into(),
        last_seq: 0,
    });
    assert_eq!(
        error_code(&receive(&mut room, PLAYER_0_V1, &hello)),
        Some(ErrorCode::UnexpectedFrame)
    );
    let find = v1_bytes(v1::ClientFrame::FindMatch {
        protocol: 1,
        mode: Mode::Duel,
        name: "x".into(),
    });
    assert_eq!(
        error_code(&receive(&mut room, PLAYER_0_V1, &find)),
        Some(ErrorCode::UnexpectedFrame)
    );
}

#[test]
fn live_frames_over_their_rate_are_dropped_quietly() {
    let mut room = room();
    let mut guard = FloodGuard::new(0);
    let live = v1_bytes(v1::ClientFrame::Live(fire()));
    // Not the seat's turn (the game has not begun): refused, but read.
    let first = super::receive(&mut room, 100, PLAYER_0_V1, &live, &mut guard, grant);
    assert_eq!(error_code(&first), Some(ErrorCode::NotInPlay));
    let second = super::receive(&mut room, 110, PLAYER_0_V1, &live, &mut guard, grant);
    assert_eq!(second, vec![]);
}

#[test]
fn a_join_token_is_found_in_a_first_frame_of_either_version() {
    let v1_hello = v1_bytes(v1::ClientFrame::Hello {
        protocol: 1,
        token: "seat-0".into(),
        last_seq: 3,
    });
    let opening = join_opening(2, 4, "seat-0");
    assert_eq!(joining_token(&v1_hello).as_deref(), Some("seat-0"));
    assert_eq!(joining_token(&opening).as_deref(), Some("seat-0"));
    let find_match = find_match_opening(2, 4);
    let ping = v1_bytes(v1::ClientFrame::Ping { nonce: 1 });
    for not_a_join in [find_match, ping, vec![0xFE; 40], Vec::new()] {
        assert_eq!(joining_token(&not_a_join), None, "{not_a_join:?}");
    }
}
