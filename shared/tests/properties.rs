//! Property tests: the rules keep their invariants under any sequence of
//! moves, and the decoders survive any bytes.

use proptest::prelude::*;
use volley_shared::artillery::{
    Aim, Artillery, ArtilleryConfig, Fire, Illegal, MAX_ANGLE, MAX_POWER, START_HP, Weapon,
};
use volley_shared::codec;
use volley_shared::connect_four::ConnectFour;
use volley_shared::protocol::v1::{ClientFrame, ServerFrame};
use volley_shared::protocol::{
    LobbyClientFrame, LobbyServerFrame, RoomClientFrame, RoomServerFrame,
};
use volley_shared::{Game, RuleError, Seat, Viewer};

/// Every decoder a server or a client runs on bytes from the other side,
/// in every version and for every game; each must answer, never panic, and
/// whatever one accepts must be a frame: encoded again, it decodes to the
/// same value, and encoding that gives the same bytes.
fn decode_every_way(bytes: &[u8]) {
    round_trip(bytes, codec::decode_client::<ClientFrame<Artillery>>);
    round_trip(bytes, codec::decode_server::<ServerFrame<Artillery>>);
    round_trip(bytes, codec::decode_client::<LobbyClientFrame>);
    round_trip(bytes, codec::decode_server::<LobbyServerFrame>);
    round_trip(bytes, codec::decode_client::<RoomClientFrame<Artillery>>);
    round_trip(bytes, codec::decode_server::<RoomServerFrame<Artillery>>);
    round_trip(bytes, codec::decode_client::<RoomClientFrame<ConnectFour>>);
    round_trip(bytes, codec::decode_server::<RoomServerFrame<ConnectFour>>);
    if let Ok(Some(opening)) = codec::decode_opening(bytes) {
        let again = codec::encode_opening(&opening).unwrap();
        assert_eq!(codec::decode_opening(&again), Ok(Some(opening)));
    }
    if let Ok(Some(answer)) = codec::decode_answer(bytes) {
        let again = codec::encode_answer(&answer).unwrap();
        assert_eq!(codec::decode_answer(&again), Ok(Some(answer)));
    }
}

/// If `decode` accepts `bytes`, the value survives encoding and decoding
/// again, and its encoding is stable.
fn round_trip<T, E>(bytes: &[u8], decode: fn(&[u8]) -> Result<T, E>)
where
    T: serde::Serialize + PartialEq + std::fmt::Debug,
    E: std::fmt::Debug,
{
    let Ok(value) = decode(bytes) else {
        return;
    };
    let encoded = codec::encode(&value).expect("a decoded frame encodes");
    let again = decode(&encoded).expect("a re-encoded frame decodes");
    assert_eq!(again, value);
    assert_eq!(codec::encode(&again).unwrap(), encoded);
}

/// Something a player (or the clock) may do, legal or not.
#[derive(Clone, Debug)]
enum Action {
    /// The seat to move fires.
    Fire { angle: u16, power: u16, heavy: bool },
    /// Somebody who is not to move fires.
    FireOutOfTurn,
    /// The turn times out.
    TimeOut,
    /// A seat resigns.
    Resign(u8),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        8 => (0..=MAX_ANGLE + 20, 0..=MAX_POWER + 20, any::<bool>())
            .prop_map(|(angle, power, heavy)| Action::Fire { angle, power, heavy }),
        1 => Just(Action::FireOutOfTurn),
        2 => Just(Action::TimeOut),
        1 => (0u8..5).prop_map(Action::Resign),
    ]
}

/// Checks everything that must hold after every step.
fn check_invariants(game: &Artillery, config: &ArtilleryConfig) {
    for tank in &game.tanks {
        assert!(tank.hp <= START_HP, "{tank:?}");
        assert!(tank.heavy_shells <= config.heavy_shells, "{tank:?}");
        assert_eq!(
            tank.y,
            game.terrain.height_at(tank.x),
            "tank off the ground: {tank:?}"
        );
    }
    match (game.outcome(), game.to_move()) {
        (Some(_), mover) => assert_eq!(mover, None, "a finished game has nobody to move"),
        (None, Some(seat)) => {
            assert!(
                game.tank(seat).is_some_and(|t| t.alive()),
                "{seat} to move is out"
            );
            assert!(game.tanks.iter().filter(|t| t.alive()).count() >= 2);
        }
        (None, None) => panic!("a running game with nobody to move"),
    }
}

/// When the turn passed from `from` to `to`, every seat in between (going
/// round) must be out of the game.
fn check_turn_order(game: &Artillery, from: Seat, to: Seat) {
    let count = game.tanks.len();
    let mut i = (from.index() + 1) % count;
    while i != to.index() {
        assert!(!game.tanks[i].alive(), "seat {i} was skipped but is alive");
        i = (i + 1) % count;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn any_sequence_of_moves_keeps_the_invariants(
        seed in any::<u64>(),
        seats in 2u8..=4,
        actions in prop::collection::vec(action(), 0..50),
    ) {
        let config = ArtilleryConfig::default();
        let mut game = Artillery::new(&config, seed, seats).unwrap();
        let mut view = game.view(Viewer::Spectator);
        let mut events = game.begin();
        check_invariants(&game, &config);
        for action in actions {
            let Some(seat) = game.to_move() else { break };
            let before = game.clone();
            let result = match action {
                Action::Fire { angle, power, heavy } => {
                    let fire = Fire {
                        aim: Aim { angle_deg: angle, power },
                        weapon: if heavy { Weapon::Heavy } else { Weapon::Shell },
                    };
                    let legal_aim = angle <= MAX_ANGLE && power <= MAX_POWER;
                    let has_ammo = !heavy || before.tank(seat).unwrap().heavy_shells > 0;
                    let result = game.play(seat, &fire);
                    match (&result, legal_aim, has_ammo) {
                        (Ok(_), true, true) => {}
                        (Err(RuleError::Illegal(Illegal::AimOutOfRange { .. })), false, _) => {}
                        (Err(RuleError::Illegal(Illegal::OutOfAmmo(Weapon::Heavy))), true, false) => {}
                        other => panic!("unexpected result {other:?}"),
                    }
                    result
                }
                Action::FireOutOfTurn => {
                    let other = Seat(((seat.index() + 1) % game.tanks.len()) as u8);
                    let result = game.play(other, &Fire {
                        aim: Aim { angle_deg: 90, power: 50 },
                        weapon: Weapon::Shell,
                    });
                    let is_refused = matches!(result, Err(RuleError::NotYourTurn { .. }));
                    prop_assert!(is_refused);
                    result
                }
                Action::TimeOut => Ok(game.time_out()),
                Action::Resign(who) => {
                    let who = Seat(who);
                    let alive = game.tank(who).is_some_and(|t| t.alive());
                    let result = game.resign(who);
                    prop_assert_eq!(result.is_ok(), alive);
                    result
                }
            };
            match result {
                Ok(new_events) => {
                    prop_assert!(!new_events.is_empty());
                    events.extend(new_events);
                }
                Err(_) => prop_assert_eq!(&game, &before, "a refused move changed the game"),
            }
            check_invariants(&game, &config);
            if let (Some(to), true) = (game.to_move(), game.turn() != before.turn()) {
                check_turn_order(&game, seat, to);
            }
        }
        for event in &events {
            Artillery::apply(&mut view, event);
        }
        prop_assert_eq!(view, game.view(Viewer::Spectator));
    }

    #[test]
    fn any_bytes_decode_to_a_frame_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..1500)) {
        decode_every_way(&bytes);
    }

    #[test]
    fn mangled_real_frames_decode_to_a_frame_or_an_error(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut game = Artillery::new(&ArtilleryConfig::default(), 9, 4).unwrap();
        game.begin();
        let welcome: ServerFrame<Artillery> = ServerFrame::Welcome {
            role: volley_shared::Role::Spectator,
            seq: 1,
            names: vec!["a".into(); 4],
            waiting: false,
            view: game,
            deadline_ms: None,
        };
        let mut bytes = codec::encode(&welcome).unwrap();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        decode_every_way(&bytes);
    }
}

#[test]
fn a_client_frame_decodes_as_itself_and_a_server_frame_too() {
    let frame: ClientFrame<Artillery> = ClientFrame::Resign;
    let bytes = codec::encode(&frame).unwrap();
    assert_eq!(codec::decode_client(&bytes), Ok(frame));
    let server: ServerFrame<Artillery> = ServerFrame::Pong { nonce: 7 };
    let bytes = codec::encode(&server).unwrap();
    assert_eq!(codec::decode_server(&bytes), Ok(server));
    decode_every_way(&bytes);
}
