//! The one bincode helper for everything the server keeps or sends between
//! its own objects: stored blobs (room records, logged actions, tickets),
//! socket attachments, and internal messages. Frames to and from clients go
//! through `volley_shared::codec` instead; both use the same bincode
//! configuration (little endian, variable-length integers).
//!
//! Every kind of blob has a size limit, checked on both sides: a value over
//! it is not written, and bytes over it are refused before they are decoded,
//! so a corrupt or hostile length prefix cannot make the decoder allocate
//! more than the limit.

use serde::{Serialize, de::DeserializeOwned};
use thiserror::Error;
use volley_shared::codec;

/// What kind of blob, and so its size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A value in a SQLite column (a row or blob may hold up to 2 MB; a room
    /// record is a few KB).
    Stored,
    /// A hibernation attachment, stored as hex text: the runtime allows
    /// 2,048 bytes serialized, so 1,000 bytes of bincode.
    Attachment,
    /// A message between the coordinator and a room.
    Message,
}

impl Kind {
    /// The largest blob of this kind, in bytes.
    pub const fn limit(self) -> usize {
        match self {
            Kind::Stored => STORED_LIMIT,
            Kind::Attachment => ATTACHMENT_LIMIT,
            Kind::Message => MESSAGE_LIMIT,
        }
    }
}

const STORED_LIMIT: usize = 1 << 20;
const ATTACHMENT_LIMIT: usize = 1_000;
const MESSAGE_LIMIT: usize = 64 * 1024;

/// Why a value could not become a blob, or a blob a value.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum BlobError {
    /// The value or the bytes are over the kind's limit.
    #[error("a {kind:?} blob of {len} bytes is over the limit of {limit}")]
    TooLarge {
        /// The kind.
        kind: Kind,
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The value could not be encoded.
    #[error("could not encode a {0:?} blob: {1}")]
    Encode(Kind, String),
    /// The bytes are not a value of the expected type.
    #[error("a {0:?} blob is unreadable: {1}")]
    Decode(Kind, String),
}

/// Encodes `value` as a blob of `kind`.
pub fn encode<T: Serialize>(kind: Kind, value: &T) -> Result<Vec<u8>, BlobError> {
    let bytes = bincode::serde::encode_to_vec(value, bincode::config::standard())
        .map_err(|e| BlobError::Encode(kind, e.to_string()))?;
    check(kind, bytes.len())?;
    Ok(bytes)
}

/// Decodes a blob of `kind` (every byte must belong to the value).
pub fn decode<T: DeserializeOwned>(kind: Kind, bytes: &[u8]) -> Result<T, BlobError> {
    check(kind, bytes.len())?;
    let decoded = match kind {
        Kind::Stored => codec::decode_limited::<T, STORED_LIMIT>(bytes),
        Kind::Attachment => codec::decode_limited::<T, ATTACHMENT_LIMIT>(bytes),
        Kind::Message => codec::decode_limited::<T, MESSAGE_LIMIT>(bytes),
    };
    decoded.map_err(|e| BlobError::Decode(kind, e.to_string()))
}

/// The format number a blob starts with: every versioned blob's first field
/// is its format, a `u16`, so it can be read before the rest is decoded.
pub fn leading_version(kind: Kind, bytes: &[u8]) -> Result<u16, BlobError> {
    check(kind, bytes.len())?;
    bincode::serde::decode_from_slice::<u16, _>(bytes, bincode::config::standard())
        .map(|(version, _)| version)
        .map_err(|e| BlobError::Decode(kind, format!("no format number: {e}")))
}

fn check(kind: Kind, len: usize) -> Result<(), BlobError> {
    let limit = kind.limit();
    if len > limit {
        return Err(BlobError::TooLarge { kind, len, limit });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_within_their_limits() {
        let value = (7u64, "seven".to_string(), vec![1u8, 2, 3]);
        for kind in [Kind::Stored, Kind::Attachment, Kind::Message] {
            let bytes = encode(kind, &value).unwrap();
            assert_eq!(
                decode::<(u64, String, Vec<u8>)>(kind, &bytes),
                Ok(value.clone())
            );
        }
    }

    #[test]
    fn oversized_values_and_bytes_are_refused() {
        let big = vec![0u8; Kind::Attachment.limit()];
        assert!(matches!(
            encode(Kind::Attachment, &big),
            Err(BlobError::TooLarge { .. })
        ));
        let bytes = vec![0u8; Kind::Message.limit() + 1];
        assert!(matches!(
            decode::<Vec<u8>>(Kind::Message, &bytes),
            Err(BlobError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_hostile_length_prefix_is_an_error_not_an_allocation() {
        // A Vec<u8> claiming 2^32 elements.
        let bytes = [252u8, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            decode::<Vec<u8>>(Kind::Stored, &bytes),
            Err(BlobError::Decode(..))
        ));
        // Trailing bytes are refused too.
        assert!(decode::<u8>(Kind::Stored, &[1, 2]).is_err());
    }
}
