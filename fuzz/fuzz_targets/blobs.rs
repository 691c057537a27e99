//! Every stored blob and internal message reader, on any bytes: logged
//! actions, stored tickets, `ClaimSeat` and `GameResult` (in every format
//! this release reads), the room record, `InitRoom` at both paths, and
//! logged events served to sockets of both versions. None may panic, and
//! whatever is written reads back to the same bytes. (A value may decode
//! yet be refused for writing: one whose untagged bytes would start with
//! the tag byte, such as a seat of 255.)

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::fmt::Debug;
use volley_server::blob::{self, Kind, Versioned};
use volley_server::internal::{ClaimSeat, GameResult, INIT_ROOM_PATH, INIT_ROOM_V2_PATH, InitRoom};
use volley_server::matchmaker::storage::StoredTicket;
use volley_server::room::outbound::logged_events;
use volley_server::room::record::RoomRecord;
use volley_shared::artillery::Artillery;
use volley_shared::connect_four::ConnectFour;
use volley_shared::replay::Action;

fn round_trip<T: Versioned + Debug>(kind: Kind, data: &[u8]) {
    if let Ok(value) = blob::decode::<T>(kind, data)
        && let Ok(bytes) = blob::encode(kind, &value)
    {
        let again = blob::decode::<T>(kind, &bytes).expect("an encoded blob decodes");
        assert_eq!(
            blob::encode(kind, &again).as_deref(),
            Ok(&bytes[..]),
            "{value:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<Action<Artillery>>(Kind::Stored, data);
    round_trip::<Action<ConnectFour>>(Kind::Stored, data);
    round_trip::<StoredTicket>(Kind::Stored, data);
    round_trip::<ClaimSeat>(Kind::Message, data);
    round_trip::<GameResult>(Kind::Message, data);
    if let Ok(record) = RoomRecord::from_blob(data) {
        let bytes = record.to_blob().expect("a record read is written");
        let again = RoomRecord::from_blob(&bytes).expect("a record written reads");
        assert_eq!(again.to_blob().as_deref(), Ok(&bytes[..]));
    }
    for path in [INIT_ROOM_PATH, INIT_ROOM_V2_PATH] {
        if let Ok(init) = InitRoom::decode(path, data) {
            let (path, bytes) = init.encode().expect("an InitRoom read is written");
            assert!(InitRoom::decode(path, &bytes).is_ok());
        }
    }
    for version in [1, 2] {
        let _ = logged_events::<Artillery>(vec![data.to_vec()], version);
        let _ = logged_events::<ConnectFour>(vec![data.to_vec()], version);
    }
});
