//! The one place frames become bytes and bytes become frames.
//!
//! bincode 2 with an explicit, fixed configuration (little endian, variable
//! length integers) and a decode limit, so a hostile length prefix cannot make
//! the decoder allocate more than the limit. A frame longer than its limit is
//! refused before it is decoded. The same functions serve every frame type
//! of every protocol version, and the server's stored blobs and internal
//! messages ([`decode_limited`]); the one frame with a layout of its own is
//! the [`Opening`] and its [`Answer`], which start with a tag byte
//! ([`crate::protocol::opening`]).

use crate::protocol::opening::{Answer, OPENING_TAG, Opening};
use crate::protocol::{ErrorCode, Versions};
use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use serde::{Serialize, de::DeserializeOwned};
use thiserror::Error;

/// The largest client frame a server accepts, in bytes. Longer frames are
/// refused before decoding.
pub const MAX_CLIENT_FRAME_BYTES: usize = 1024;

/// The largest server frame a client accepts, in bytes. A welcome frame
/// carries a whole snapshot, so this is larger than the client limit.
pub const MAX_SERVER_FRAME_BYTES: usize = 64 * 1024;

type Config<const N: usize> = Configuration<LittleEndian, Varint, Limit<N>>;

const fn config<const N: usize>() -> Config<N> {
    bincode::config::standard().with_limit::<N>()
}

/// Why bytes could not become a frame, or a frame bytes.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CodecError {
    /// The frame is longer than the limit for its direction.
    #[error("frame of {len} bytes is over the limit of {limit} bytes")]
    TooLarge {
        /// The frame's length.
        len: usize,
        /// The limit it broke.
        limit: usize,
    },
    /// The bytes are not a valid frame.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// The bytes hold a valid frame followed by garbage.
    #[error("{0} unexpected bytes after the frame")]
    TrailingBytes(usize),
    /// A frame could not be encoded.
    #[error("could not encode frame: {0}")]
    Encode(String),
}

impl CodecError {
    /// The error code a peer gets for bytes that could not be read.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            CodecError::TooLarge { .. } => ErrorCode::FrameTooLarge,
            _ => ErrorCode::MalformedFrame,
        }
    }
}

/// Encodes any frame. Fails only if the frame is over the server frame limit.
pub fn encode<T: Serialize>(frame: &T) -> Result<Vec<u8>, CodecError> {
    let mut bytes = Vec::new();
    encode_into(frame, &mut bytes)?;
    Ok(bytes)
}

/// Encodes a frame into `buffer`, replacing its contents and keeping its
/// capacity, so a sender that reuses one buffer does not allocate per frame.
pub fn encode_into<T: Serialize>(frame: &T, buffer: &mut Vec<u8>) -> Result<(), CodecError> {
    buffer.clear();
    bincode::serde::encode_into_std_write(frame, buffer, config::<MAX_SERVER_FRAME_BYTES>())
        .map(drop)
        .map_err(|e| CodecError::Encode(e.to_string()))
}

/// Decodes a frame sent by a client (server side), of any frame type.
pub fn decode_client<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    decode_limited::<T, MAX_CLIENT_FRAME_BYTES>(bytes)
}

/// Decodes a frame sent by the server (client side), of any frame type.
pub fn decode_server<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    decode_limited::<T, MAX_SERVER_FRAME_BYTES>(bytes)
}

/// Encodes a client's [`Opening`]: its tag byte, then the opening.
pub fn encode_opening(opening: &Opening) -> Result<Vec<u8>, CodecError> {
    tagged(opening)
}

/// Encodes the server's [`Answer`] to an opening: its tag byte, then the
/// answer.
pub fn encode_answer(answer: &Answer) -> Result<Vec<u8>, CodecError> {
    tagged(answer)
}

/// Decodes a client's first frame as an [`Opening`]; `None` when it does
/// not start with the opening tag (a version 1 first frame).
pub fn decode_opening(bytes: &[u8]) -> Result<Option<Opening>, CodecError> {
    untagged::<Opening, MAX_CLIENT_FRAME_BYTES>(bytes)
}

/// The versions an opening offers, read from its fixed prefix alone: a
/// server answers even an opening whose hello it cannot read (one from a
/// later version naming a mode it does not know, or a malformed one).
/// `None` when the bytes do not start with an opening's tag and versions.
pub fn opening_versions(bytes: &[u8]) -> Option<Versions> {
    match bytes.split_first() {
        Some((&OPENING_TAG, rest)) if bytes.len() <= MAX_CLIENT_FRAME_BYTES => {
            bincode::serde::decode_from_slice::<Versions, _>(
                rest,
                config::<MAX_CLIENT_FRAME_BYTES>(),
            )
            .ok()
            .map(|(versions, _)| versions)
        }
        _ => None,
    }
}

/// Decodes the server's first frame as an [`Answer`]; `None` when it does
/// not start with the opening tag (a server that speaks version 1 only).
pub fn decode_answer(bytes: &[u8]) -> Result<Option<Answer>, CodecError> {
    untagged::<Answer, MAX_SERVER_FRAME_BYTES>(bytes)
}

fn tagged<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut bytes = vec![OPENING_TAG];
    bincode::serde::encode_into_std_write(value, &mut bytes, config::<MAX_SERVER_FRAME_BYTES>())
        .map_err(|e| CodecError::Encode(e.to_string()))?;
    Ok(bytes)
}

fn untagged<T: DeserializeOwned, const N: usize>(bytes: &[u8]) -> Result<Option<T>, CodecError> {
    match bytes.split_first() {
        Some((&OPENING_TAG, rest)) if bytes.len() <= N => decode_limited::<T, N>(rest).map(Some),
        Some((&OPENING_TAG, _)) => Err(CodecError::TooLarge {
            len: bytes.len(),
            limit: N,
        }),
        _ => Ok(None),
    }
}

/// Decodes anything Volley stores or sends (room records, internal
/// messages), with a limit of `N` bytes.
pub fn decode_limited<T: DeserializeOwned, const N: usize>(bytes: &[u8]) -> Result<T, CodecError> {
    if bytes.len() > N {
        return Err(CodecError::TooLarge {
            len: bytes.len(),
            limit: N,
        });
    }
    let (frame, used) = bincode::serde::decode_from_slice(bytes, config::<N>())
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::TrailingBytes(bytes.len() - used));
    }
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect_four::ConnectFour;
    use crate::ids::Mode;
    use crate::protocol::Versions;
    use crate::protocol::opening::Hello;
    use crate::protocol::v1::{ClientFrame, ServerFrame};

    type Client = ClientFrame<ConnectFour>;

    fn decode_client_v1(bytes: &[u8]) -> Result<Client, CodecError> {
        decode_client(bytes)
    }

    #[test]
    fn a_move_is_two_bytes() {
        // Variant 3, column 5: varints below 251 take one byte each.
        let drop = Client::Move(5);
        assert_eq!(encode(&drop).unwrap(), [3, 5]);
        assert_eq!(decode_client_v1(&[3, 5]).unwrap(), drop);
    }

    #[test]
    fn server_error_round_trips() {
        let frame: ServerFrame<ConnectFour> = ServerFrame::Error {
            code: ErrorCode::NotYourTurn,
            message: "wait".into(),
        };
        assert_eq!(decode_server(&encode(&frame).unwrap()), Ok(frame));
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            decode_client_v1(&[0xff, 0xff, 0xff]),
            Err(CodecError::Malformed(_))
        ));
        assert!(matches!(
            decode_client_v1(&[]),
            Err(CodecError::Malformed(_))
        ));
    }

    #[test]
    fn oversized_frames_are_refused_before_decoding() {
        let big = vec![0u8; MAX_CLIENT_FRAME_BYTES + 1];
        assert_eq!(
            decode_client_v1(&big),
            Err(CodecError::TooLarge {
                len: MAX_CLIENT_FRAME_BYTES + 1,
                limit: MAX_CLIENT_FRAME_BYTES
            })
        );
    }

    #[test]
    fn a_server_frame_may_be_up_to_64_kib_and_an_oversized_one_says_so() {
        use crate::protocol::{ErrorCode, RoomServerFrame};
        let long = |n: usize| RoomServerFrame::<ConnectFour>::Error {
            code: ErrorCode::MalformedFrame,
            message: "x".repeat(n),
        };
        // A welcome carries a whole game: far more than a client frame.
        let bytes = encode(&long(60_000)).unwrap();
        assert_eq!(decode_server(&bytes), Ok(long(60_000)));
        let big = vec![0u8; MAX_SERVER_FRAME_BYTES + 1];
        let refused = decode_server::<RoomServerFrame<ConnectFour>>(&big);
        assert_eq!(
            refused,
            Err(CodecError::TooLarge {
                len: MAX_SERVER_FRAME_BYTES + 1,
                limit: MAX_SERVER_FRAME_BYTES
            })
        );
        assert_eq!(refused.unwrap_err().error_code(), ErrorCode::FrameTooLarge);
        assert_eq!(
            CodecError::TrailingBytes(1).error_code(),
            ErrorCode::MalformedFrame
        );
    }

    #[test]
    fn a_frame_exactly_at_the_limit_is_read() {
        let value = [7u8; 16];
        let bytes = encode(&value).unwrap();
        assert_eq!(bytes.len(), 16);
        assert_eq!(decode_limited::<[u8; 16], 16>(&bytes), Ok(value));
        assert!(matches!(
            decode_limited::<[u8; 16], 15>(&bytes),
            Err(CodecError::TooLarge { len: 16, limit: 15 })
        ));
    }

    #[test]
    fn an_oversized_opening_offers_no_versions() {
        use crate::protocol::{Hello, Opening, Versions};
        let opening = Opening {
            versions: Versions { min: 1, max: 2 },
            hello: Hello::Join {
                token: "t".into(),
                last_seq: 0,
            },
        };
        let mut bytes = encode_opening(&opening).unwrap();
        assert_eq!(opening_versions(&bytes), Some(opening.versions));
        bytes.resize(MAX_CLIENT_FRAME_BYTES, 0);
        assert_eq!(opening_versions(&bytes), Some(opening.versions));
        bytes.push(0);
        assert_eq!(opening_versions(&bytes), None);
    }

    #[test]
    fn hostile_length_prefix_does_not_allocate() {
        // Hello with a token claiming 2^32 bytes.
        let bytes = [1u8, 1, 252, 0xff, 0xff, 0xff, 0xff];
        assert!(decode_client_v1(&bytes).is_err());
        let hello = Client::Hello {
            protocol: 1,
            token: "t".into(),
            last_seq: 0,
        };
        assert_eq!(encode(&hello).unwrap()[..2], [1, 1]);
    }

    #[test]
    fn openings_carry_their_tag_and_no_v1_frame_starts_with_it() {
        let opening = Opening {
            versions: Versions { min: 2, max: 2 },
            hello: Hello::FindMatch {
                mode: Mode::ConnectFour,
                name: "ann".into(),
                party: None,
            },
        };
        let bytes = encode_opening(&opening).unwrap();
        assert_eq!(bytes[0], OPENING_TAG);
        assert_eq!(decode_opening(&bytes), Ok(Some(opening)));
        // A version 1 first frame is not an opening.
        let v1 = encode(&Client::Ping { nonce: 1 }).unwrap();
        assert_eq!(decode_opening(&v1), Ok(None));
        assert_eq!(decode_opening(&[]), Ok(None));
        let answer = Answer::Agreed { version: 2 };
        let bytes = encode_answer(&answer).unwrap();
        assert_eq!(bytes, [OPENING_TAG, 0, 2]);
        assert_eq!(decode_answer(&bytes), Ok(Some(answer)));
        let error = encode(&ServerFrame::<ConnectFour>::Pong { nonce: 3 }).unwrap();
        assert_eq!(decode_answer(&error), Ok(None));
    }

    #[test]
    fn an_opening_s_versions_read_even_when_its_hello_does_not() {
        let opening = Opening {
            versions: Versions { min: 2, max: 9 },
            hello: Hello::Join {
                token: "t".into(),
                last_seq: 0,
            },
        };
        let mut bytes = encode_opening(&opening).unwrap();
        assert_eq!(opening_versions(&bytes), Some(Versions { min: 2, max: 9 }));
        // A hello this build cannot read (a mode from a later version).
        bytes.truncate(3);
        bytes.extend([0, 77, 1, b'x', 0]);
        assert!(decode_opening(&bytes).is_err());
        assert_eq!(opening_versions(&bytes), Some(Versions { min: 2, max: 9 }));
        assert_eq!(opening_versions(&[3, 5]), None);
        assert_eq!(opening_versions(&[OPENING_TAG]), None);
    }

    #[test]
    fn oversized_openings_are_refused_before_decoding() {
        let mut big = vec![OPENING_TAG];
        big.resize(MAX_CLIENT_FRAME_BYTES + 1, 0);
        assert!(matches!(
            decode_opening(&big),
            Err(CodecError::TooLarge { .. })
        ));
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = encode(&Client::Ping { nonce: 1 }).unwrap();
        bytes.push(0);
        assert_eq!(decode_client_v1(&bytes), Err(CodecError::TrailingBytes(1)));
        bytes.extend([0, 0]);
        assert_eq!(decode_client_v1(&bytes), Err(CodecError::TrailingBytes(3)));
    }
}
