//! Frames to room sockets become bytes, in the version each socket speaks.
//!
//! The engine speaks the current protocol's [`RoomServerFrame`]; a socket
//! that opened in version 1 gets the same frame as a version 1
//! `ServerFrame`. A frame that goes to many sockets is encoded once per
//! version ([`Encoded`]). Logged events are stored as frames
//! ([`super::storage`]) and re-encoded here for sockets of other versions.
//! Pure: no `worker` types.

use crate::blob::{self, Kind};
use volley_shared::Game;
use volley_shared::codec::{self, CodecError};
use volley_shared::protocol::{ErrorCode, PROTOCOL_VERSION, RoomServerFrame, v1};

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

/// What brings a client up to date ([`crate::room::effects::Effect::CatchUp`]):
/// `resumed` and then the `missed` events, or the `welcome` snapshot
/// alone when that is shorter.
pub fn catch_up(resumed: Vec<u8>, missed: Vec<Vec<u8>>, welcome: Vec<u8>) -> Vec<Vec<u8>> {
    let missed_bytes: usize = missed.iter().map(Vec::len).sum();
    if resumed.len() + missed_bytes < welcome.len() {
        std::iter::once(resumed).chain(missed).collect()
    } else {
        vec![welcome]
    }
}

/// Logged event frames for a socket speaking `version`.
///
/// A logged event is a frame in the protocol version its stored format
/// names ([`crate::blob`]): format 1, untagged, is a version 1 frame (what
/// the first release wrote, and what this one writes); format 2, tagged, a
/// version 2 frame (what a later release may write).
pub fn logged_events<G: Game>(
    stored: Vec<Vec<u8>>,
    version: u16,
) -> Result<Vec<Vec<u8>>, CodecError> {
    stored
        .into_iter()
        .map(|bytes| logged_event::<G>(bytes, version))
        .collect()
}

fn logged_event<G: Game>(bytes: Vec<u8>, version: u16) -> Result<Vec<u8>, CodecError> {
    let malformed = |e: blob::BlobError| CodecError::Malformed(format!("a logged event: {e}"));
    let (format, body) = blob::split_format(Kind::Stored, &bytes).map_err(malformed)?;
    if format == version {
        return Ok(body.to_vec());
    }
    let frame: RoomServerFrame<G> = match format {
        v1::VERSION => match codec::decode_server::<v1::ServerFrame<G>>(body)?.sort() {
            v1::Received::Room(frame) => frame,
            v1::Received::Lobby(_) => {
                return Err(CodecError::Malformed(
                    "a logged event is a coordinator frame".into(),
                ));
            }
        },
        PROTOCOL_VERSION => codec::decode_server(body)?,
        later => {
            return Err(CodecError::Malformed(format!(
                "a logged event in format {later} was written by a later release"
            )));
        }
    };
    encode_for(&frame, version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::connect_four::{ConnectFour, Event};
    use volley_shared::{Outcome, Seat};

    #[test]
    fn a_catch_up_sends_the_missed_events_unless_the_welcome_is_shorter() {
        let (resumed, missed, welcome) = (vec![1; 4], vec![vec![2; 3], vec![3; 3]], vec![9; 11]);
        assert_eq!(
            catch_up(resumed.clone(), missed.clone(), welcome.clone()),
            [vec![1; 4], vec![2; 3], vec![3; 3]]
        );
        // As long as the welcome: the welcome, one frame instead of three.
        assert_eq!(catch_up(resumed, missed, vec![9; 10]), [vec![9; 10]]);
    }

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

    /// A logged event in format 1 (a version 1 frame, the first release's
    /// golden bytes) and in format 2 (a tagged version 2 frame, a committed
    /// fixture) each reach sockets of both versions as the same frame.
    #[test]
    fn logged_events_of_either_format_reach_every_version() {
        use volley_shared::artillery::Artillery;
        let hex = |text: &str| ::hex::decode(text.trim()).unwrap();
        let v1_frame = hex(include_str!(
            "../../../shared/tests/golden/v1/server-event-shot.hex"
        ));
        let v2_frame = hex(include_str!(
            "../../../shared/tests/golden/v2/room-artillery-server-event-shot.hex"
        ));
        let tagged = hex(include_str!("fixtures/event-v2-shot.hex"));
        assert_eq!(&tagged[2..], &v2_frame[..]);
        let as_v1 = logged_events::<Artillery>(vec![v1_frame.clone(), tagged.clone()], 1).unwrap();
        let as_v2 = logged_events::<Artillery>(vec![v1_frame.clone(), tagged], 2).unwrap();
        assert_eq!(as_v2[1], v2_frame, "format 2 goes to version 2 as stored");
        assert_eq!(as_v1[0], v1_frame, "format 1 goes to version 1 as stored");
        let frame =
            |bytes: &[u8]| codec::decode_server::<RoomServerFrame<Artillery>>(bytes).unwrap();
        let old = |bytes: &[u8]| match codec::decode_server::<v1::ServerFrame<Artillery>>(bytes)
            .unwrap()
            .sort()
        {
            v1::Received::Room(frame) => frame,
            v1::Received::Lobby(_) => panic!("a lobby frame"),
        };
        assert_eq!(frame(&as_v2[0]), old(&v1_frame));
        assert_eq!(old(&as_v1[1]), frame(&v2_frame));
        // A format from a later release is an error, not a guess.
        let later = blob::encode_as(Kind::Stored, 3, &0u8).unwrap();
        let err = logged_events::<Artillery>(vec![later], 1).unwrap_err();
        assert!(err.to_string().contains("later release"), "{err}");
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
