//! The one place frames become bytes and bytes become frames.
//!
//! bincode 2 with an explicit, fixed configuration (little endian, variable
//! length integers) and a decode limit, so a hostile length prefix cannot make
//! the decoder allocate more than the limit. A frame longer than its limit is
//! refused before it is decoded.

use crate::game::Game;
use crate::protocol::{ClientFrame, ServerFrame};
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

/// Decodes a frame sent by a client (server side).
pub fn decode_client<G: Game>(bytes: &[u8]) -> Result<ClientFrame<G>, CodecError> {
    decode_limited::<ClientFrame<G>, MAX_CLIENT_FRAME_BYTES>(bytes)
}

/// Decodes a frame sent by the server (client side).
pub fn decode_server<G: Game>(bytes: &[u8]) -> Result<ServerFrame<G>, CodecError> {
    decode_limited::<ServerFrame<G>, MAX_SERVER_FRAME_BYTES>(bytes)
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
    use crate::artillery::{Aim, Artillery, Fire, Weapon};
    use crate::protocol::{ErrorCode, PROTOCOL_VERSION};

    fn fire() -> ClientFrame {
        ClientFrame::Move(Fire {
            aim: Aim {
                angle_deg: 45,
                power: 70,
            },
            weapon: Weapon::Heavy,
        })
    }

    #[test]
    fn fire_is_four_bytes() {
        // variant 3, angle 45, power 70, weapon 1: varints below 251 take
        // one byte each.
        assert_eq!(encode(&fire()).unwrap(), [3, 45, 70, 1]);
        assert_eq!(decode_client::<Artillery>(&[3, 45, 70, 1]).unwrap(), fire());
    }

    #[test]
    fn server_error_round_trips() {
        let frame: ServerFrame = ServerFrame::Error {
            code: ErrorCode::NotYourTurn,
            message: "wait".into(),
        };
        assert_eq!(decode_server(&encode(&frame).unwrap()), Ok(frame));
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            decode_client::<Artillery>(&[0xff, 0xff, 0xff]),
            Err(CodecError::Malformed(_))
        ));
        assert!(matches!(
            decode_client::<Artillery>(&[]),
            Err(CodecError::Malformed(_))
        ));
    }

    #[test]
    fn oversized_frames_are_refused_before_decoding() {
        let big = vec![0u8; MAX_CLIENT_FRAME_BYTES + 1];
        assert_eq!(
            decode_client::<Artillery>(&big),
            Err(CodecError::TooLarge {
                len: MAX_CLIENT_FRAME_BYTES + 1,
                limit: MAX_CLIENT_FRAME_BYTES
            })
        );
    }

    #[test]
    fn hostile_length_prefix_does_not_allocate() {
        // Hello with a token claiming 2^32 bytes.
        let bytes = [1u8, 1, 252, 0xff, 0xff, 0xff, 0xff];
        assert!(decode_client::<Artillery>(&bytes).is_err());
        let hello = ClientFrame::<Artillery>::Hello {
            protocol: PROTOCOL_VERSION,
            token: "t".into(),
            last_seq: 0,
        };
        assert_eq!(encode(&hello).unwrap()[..2], [1, 1]);
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = encode(&ClientFrame::<Artillery>::Ping { nonce: 1 }).unwrap();
        bytes.push(0);
        assert_eq!(
            decode_client::<Artillery>(&bytes),
            Err(CodecError::TrailingBytes(1))
        );
    }
}
