//! Frames to room sockets become bytes, in the version each socket speaks.
//!
//! The engine speaks the current protocol's [`RoomServerFrame`]; a socket
//! that opened in version 1 gets the same frame as a version 1
//! `ServerFrame`. A frame that goes to many sockets is encoded once per
//! version ([`Encoded`]). Logged events are stored in version 1
//! ([`super::storage`]) and re-encoded here for later versions. Pure: no
//! `worker` types.

use volley_shared::Game;
use volley_shared::codec::{self, CodecError};
use volley_shared::protocol::{ErrorCode, RoomServerFrame, v1};

/// A frame encoded in every version a room socket may speak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    v1: Vec<u8>,
    current: Vec<u8>,
}

impl Encoded {
    /// Encodes `frame` for every version.
    pub fn new<G: Game>(frame: &RoomServerFrame<G>) -> Result<Encoded, CodecError> {
        Ok(Encoded {
            v1: codec::encode(&v1::ServerFrame::from(frame.clone()))?,
            current: codec::encode(frame)?,
        })
    }

    /// The bytes for a socket speaking `version`.
    pub fn for_version(&self, version: u16) -> &[u8] {
        if version == v1::VERSION {
            &self.v1
        } else {
            &self.current
        }
    }
}

/// Encodes `frame` for a socket speaking `version`.
pub fn encode_for<G: Game>(
    frame: &RoomServerFrame<G>,
    version: u16,
) -> Result<Vec<u8>, CodecError> {
    if version == v1::VERSION {
        codec::encode(&v1::ServerFrame::from(frame.clone()))
    } else {
        codec::encode(frame)
    }
}

/// An `Error` frame for a socket speaking `version`, from code that does
/// not know the room's game (an error frame's bytes do not depend on it).
pub fn encode_error(code: ErrorCode, message: &str, version: u16) -> Result<Vec<u8>, CodecError> {
    let frame = RoomServerFrame::<volley_shared::connect_four::ConnectFour>::Error {
        code,
        message: message.to_string(),
    };
    encode_for(&frame, version)
}

/// Logged event frames (stored in version 1) for a socket speaking
/// `version`.
pub fn logged_events<G: Game>(
    stored: Vec<Vec<u8>>,
    version: u16,
) -> Result<Vec<Vec<u8>>, CodecError> {
    if version == v1::VERSION {
        return Ok(stored);
    }
    stored
        .iter()
        .map(
            |bytes| match codec::decode_server::<v1::ServerFrame<G>>(bytes)?.sort() {
                v1::Received::Room(frame) => codec::encode(&frame),
                v1::Received::Lobby(_) => Err(CodecError::Malformed(
                    "a logged event is a coordinator frame".into(),
                )),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::connect_four::{ConnectFour, Event};
    use volley_shared::{Outcome, Seat};

    fn dropped(seq: u64) -> RoomServerFrame<ConnectFour> {
        RoomServerFrame::Event {
            seq,
            event: Event::Dropped {
                seat: Seat(1),
                column: 3,
            },
            deadline_ms: Some(99),
        }
    }

    #[test]
    fn each_version_gets_its_own_bytes_of_one_frame() {
        let frame = dropped(4);
        let encoded = Encoded::new(&frame).unwrap();
        let old: v1::ServerFrame<ConnectFour> =
            codec::decode_server(encoded.for_version(1)).unwrap();
        assert_eq!(old.sort(), v1::Received::Room(frame.clone()));
        let new: RoomServerFrame<ConnectFour> =
            codec::decode_server(encoded.for_version(2)).unwrap();
        assert_eq!(new, frame);
        assert_ne!(encoded.for_version(1), encoded.for_version(2));
        assert_eq!(encode_for(&frame, 2).unwrap(), encoded.for_version(2));
        assert_eq!(encode_for(&frame, 1).unwrap(), encoded.for_version(1));
    }

    #[test]
    fn logged_events_are_re_encoded_for_later_versions() {
        let stored: Vec<Vec<u8>> = (1..=3)
            .map(|seq| codec::encode(&v1::ServerFrame::from(dropped(seq))).unwrap())
            .collect();
        assert_eq!(
            logged_events::<ConnectFour>(stored.clone(), 1).unwrap(),
            stored
        );
        let later = logged_events::<ConnectFour>(stored, 2).unwrap();
        for (seq, bytes) in (1..=3).zip(later) {
            assert_eq!(
                codec::decode_server::<RoomServerFrame<ConnectFour>>(&bytes).unwrap(),
                dropped(seq)
            );
        }
        // A corrupt log entry is an error, not a panic.
        assert!(logged_events::<ConnectFour>(vec![vec![0xff]], 2).is_err());
        let over = RoomServerFrame::<ConnectFour>::GameOver {
            outcome: Outcome::Draw,
            seq: 1,
        };
        assert!(Encoded::new(&over).is_ok());
    }

    #[test]
    fn errors_encode_without_knowing_the_game() {
        let bytes = encode_error(ErrorCode::MalformedFrame, "binary only", 1).unwrap();
        let frame: v1::ServerFrame<volley_shared::artillery::Artillery> =
            codec::decode_server(&bytes).unwrap();
        assert!(matches!(
            frame,
            v1::ServerFrame::Error {
                code: ErrorCode::MalformedFrame,
                ..
            }
        ));
    }
}
