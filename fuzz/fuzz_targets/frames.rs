//! Every frame decoder, on any bytes: the server's (client frames of both
//! versions, both objects, both games, and the opening) and the client's
//! (server frames). None may panic, and a frame that decodes encodes again
//! to bytes that decode and encode to the same bytes (bytes, not frames, are
//! compared: a float in a frame may be NaN).

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use volley_shared::artillery::Artillery;
use volley_shared::codec::{self, CodecError};
use volley_shared::connect_four::ConnectFour;
use volley_shared::protocol::{
    LobbyClientFrame, LobbyServerFrame, RoomClientFrame, RoomServerFrame, v1,
};

fn round_trip<T: Serialize + DeserializeOwned + Debug>(
    data: &[u8],
    decode: fn(&[u8]) -> Result<T, CodecError>,
) {
    if let Ok(frame) = decode(data) {
        let bytes = codec::encode(&frame).expect("a decoded frame encodes");
        let again = decode(&bytes).expect("an encoded frame decodes");
        let bytes_again = codec::encode(&again).expect("it encodes again");
        assert_eq!(bytes, bytes_again, "{frame:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<RoomClientFrame<Artillery>>(data, codec::decode_client);
    round_trip::<RoomClientFrame<ConnectFour>>(data, codec::decode_client);
    round_trip::<LobbyClientFrame>(data, codec::decode_client);
    round_trip::<v1::ClientFrame<Artillery>>(data, codec::decode_client);
    round_trip::<RoomServerFrame<Artillery>>(data, codec::decode_server);
    round_trip::<RoomServerFrame<ConnectFour>>(data, codec::decode_server);
    round_trip::<LobbyServerFrame>(data, codec::decode_server);
    round_trip::<v1::ServerFrame<Artillery>>(data, codec::decode_server);
    if let Ok(Some(opening)) = codec::decode_opening(data) {
        let bytes = codec::encode_opening(&opening).expect("a decoded opening encodes");
        assert_eq!(codec::decode_opening(&bytes), Ok(Some(opening)));
    }
});
