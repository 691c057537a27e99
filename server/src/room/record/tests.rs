//! The record's stored formats, against a committed fixture written by the
//! first release.

use super::*;
use crate::internal::{RoomSetup, SeatSetup};
use volley_shared::connect_four::ConnectFour;
use volley_shared::{Game, Mode, PlayerId};

fn fixture() -> Vec<u8> {
    hex::decode(include_str!("../fixtures/record-v4-artillery.hex").trim()).unwrap()
}

fn fact(name: &str) -> String {
    include_str!("../fixtures/record-v4-artillery.facts")
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no fact {name}"))
        .to_string()
}

#[test]
fn a_record_written_by_the_first_release_reads_as_it_was() {
    let record = RoomRecord::from_blob(&fixture()).unwrap();
    let AnyRoom::Artillery(room) = &record.room else {
        panic!("format 4 is an artillery room");
    };
    assert_eq!(room.seq().to_string(), fact("seq"));
    assert_eq!(room.phase().name(), fact("phase"));
    assert_eq!(room.game().turn().to_string(), fact("turn"));
    assert_eq!(
        room.game()
            .to_move()
            .map(|s| s.0.to_string())
            .unwrap_or("none".into()),
        fact("to_move")
    );
    assert_eq!(hex::encode(room.game().digest()), fact("digest"));
    assert_eq!(format!("{:?}", room.setup().mode), fact("mode"));
    assert_eq!(record.created_by, fact("created_by"));
    assert_eq!(record.location_hint, Some(fact("location_hint")));
    assert_eq!(record.created_at_ms.to_string(), fact("created_at_ms"));
}

#[test]
fn an_artillery_record_is_written_as_the_first_release_writes_it() {
    let record = RoomRecord::from_blob(&fixture()).unwrap();
    assert_eq!(record.to_blob().unwrap(), fixture());
    assert_eq!(blob::leading_number(Kind::Stored, &fixture()), Ok(4));
}

#[test]
fn other_games_are_written_in_format_5() {
    let setup = RoomSetup::<ConnectFour> {
        mode: Mode::ConnectFour,
        config: (),
        seats: (0..2)
            .map(|n| SeatSetup {
                player: PlayerId(u64::MAX - n),
                name: format!("p{n}"),
                bot: n == 1,
            })
            .collect(),
        seed: 1,
        turn_timeout_ms: 1_000,
        reservation_ms: 1_000,
        retention_ms: 1_000,
    };
    let (room, _) = Room::new(setup, 5).unwrap();
    let record = RoomRecord::new(AnyRoom::ConnectFour(room), "c".into(), None, 5);
    let bytes = record.to_blob().unwrap();
    assert_eq!(blob::leading_number(Kind::Stored, &bytes), Ok(5));
    assert_eq!(RoomRecord::from_blob(&bytes).unwrap(), record);
    assert_eq!(record.room.seats()[1].player, PlayerId(u64::MAX - 1));
    assert_eq!(
        record.room.game_kind(),
        volley_shared::GameKind::ConnectFour
    );
}

#[test]
fn an_unknown_format_says_which_it_reads() {
    let bytes = blob::encode_as(Kind::Stored, blob::UNTAGGED, &(9u16, "later")).unwrap();
    let err = RoomRecord::from_blob(&bytes).unwrap_err().to_string();
    assert!(err.contains("format 9") && err.contains("4 and 5"), "{err}");
}
