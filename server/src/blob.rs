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
//!
//! Every blob has a format ([`Versioned`]). Format 1 is what the first
//! release wrote: the bare bincode of the value. Later formats are tagged:
//! the byte [`TAG`], the format number (a variable-length `u16`), then the
//! value. No bare encoding of a blob type starts with [`TAG`]: each begins
//! with a variable-length integer (an enum's variant, a length, a number,
//! which bincode never starts with 255), an `Option`'s 0 or 1, or a seat
//! number, which is below 255; a value whose untagged bytes would start
//! with [`TAG`] anyway is refused for writing. So a reader tells the two
//! apart from the first byte, and one release can read what the release before it and the
//! release after it write (expand, then contract).

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
    /// The blob is in a format a later release wrote.
    #[error(
        "a {what} in format {format} was written by a later release; this one reads formats up to {reads}"
    )]
    Format {
        /// What it is.
        what: &'static str,
        /// Its format.
        format: u16,
        /// The newest format this release reads.
        reads: u16,
    },
}

/// The first byte of a blob in format 2 or later.
pub const TAG: u8 = 0xFF;

/// The format of the first release's blobs: bare bincode, no tag.
pub const UNTAGGED: u16 = 1;

/// A value that is stored or sent between objects, so that two releases
/// must agree on its bytes.
///
/// Every blob type today has one layout, written in format 1 (untagged) or
/// 2 (tagged, the same value). This release reads both and writes format
/// 1, which the first release reads too; the release after it may write
/// format 2, since this one reads it. A type whose layout changes gets a
/// new format number and decodes it in [`Versioned::decode_format`].
pub trait Versioned: Serialize + DeserializeOwned {
    /// What the value is, for errors.
    const NAME: &'static str;
    /// The newest format this release reads.
    const READS: u16 = 2;
    /// The format this release writes: one the previous release reads.
    const WRITES: u16 = UNTAGGED;

    /// Decodes the value's bytes (after the tag) in `format`, which is at
    /// most [`Versioned::READS`].
    fn decode_format(kind: Kind, _format: u16, body: &[u8]) -> Result<Self, BlobError> {
        decode_bare(kind, body)
    }
}

/// Encodes `value` as a blob of `kind`, in the format this release writes.
pub fn encode<T: Versioned>(kind: Kind, value: &T) -> Result<Vec<u8>, BlobError> {
    encode_as(kind, T::WRITES, value)
}

/// Encodes `value` in a given format: 1 untagged, anything later tagged.
pub fn encode_as<T: Serialize>(kind: Kind, format: u16, value: &T) -> Result<Vec<u8>, BlobError> {
    let config = bincode::config::standard();
    let encode = |e: bincode::error::EncodeError| BlobError::Encode(kind, e.to_string());
    let mut bytes = Vec::new();
    if format != UNTAGGED {
        bytes.push(TAG);
        bytes.extend(bincode::serde::encode_to_vec(format, config).map_err(encode)?);
    }
    let value_at = bytes.len();
    bytes.extend(bincode::serde::encode_to_vec(value, config).map_err(encode)?);
    if format == UNTAGGED && bytes.get(value_at) == Some(&TAG) {
        // It would read back as a tagged blob (only a value no blob holds,
        // such as seat 255, starts so; the fuzzer found it).
        return Err(BlobError::Encode(
            kind,
            "its untagged bytes would start with the tag byte".into(),
        ));
    }
    check(kind, bytes.len())?;
    Ok(bytes)
}

/// Decodes a blob of `kind` in any format this release reads (every byte
/// must belong to the value).
pub fn decode<T: Versioned>(kind: Kind, bytes: &[u8]) -> Result<T, BlobError> {
    let (format, body) = split_format(kind, bytes)?;
    if format > T::READS {
        return Err(BlobError::Format {
            what: T::NAME,
            format,
            reads: T::READS,
        });
    }
    T::decode_format(kind, format, body)
}

/// A blob's format and the bytes of its value: format 1 and all of `bytes`
/// when it is untagged.
pub fn split_format(kind: Kind, bytes: &[u8]) -> Result<(u16, &[u8]), BlobError> {
    check(kind, bytes.len())?;
    let Some(tagged) = bytes.strip_prefix(&[TAG]) else {
        return Ok((UNTAGGED, bytes));
    };
    let (format, read) =
        bincode::serde::decode_from_slice::<u16, _>(tagged, bincode::config::standard())
            .map_err(|e| BlobError::Decode(kind, format!("no format number after the tag: {e}")))?;
    if format <= UNTAGGED {
        return Err(BlobError::Decode(
            kind,
            format!("format {format} is never tagged"),
        ));
    }
    let body = tagged
        .get(read..)
        .ok_or_else(|| BlobError::Decode(kind, "the format number overruns the blob".into()))?;
    Ok((format, body))
}

/// Decodes the bincode of a value, with no format around it.
pub fn decode_bare<T: DeserializeOwned>(kind: Kind, bytes: &[u8]) -> Result<T, BlobError> {
    check(kind, bytes.len())?;
    let decoded = match kind {
        Kind::Stored => codec::decode_limited::<T, STORED_LIMIT>(bytes),
        Kind::Attachment => codec::decode_limited::<T, ATTACHMENT_LIMIT>(bytes),
        Kind::Message => codec::decode_limited::<T, MESSAGE_LIMIT>(bytes),
    };
    decoded.map_err(|e| BlobError::Decode(kind, e.to_string()))
}

/// The number a value's bincode starts with (a room record's own format,
/// its first field, a `u16`), read before the rest is decoded.
pub fn leading_number(kind: Kind, body: &[u8]) -> Result<u16, BlobError> {
    check(kind, body.len())?;
    bincode::serde::decode_from_slice::<u16, _>(body, bincode::config::standard())
        .map(|(number, _)| number)
        .map_err(|e| BlobError::Decode(kind, format!("no format number: {e}")))
}

fn check(kind: Kind, len: usize) -> Result<(), BlobError> {
    let limit = kind.limit();
    if len > limit {
        return Err(BlobError::TooLarge { kind, len, limit });
    }
    Ok(())
}

/// Checks a blob type against its committed fixtures: `v1_hex` (what the
/// first release wrote) and `v2_hex` (the same value tagged as format 2)
/// decode to the same value, and this release writes that value as
/// `v1_hex`, byte for byte.
#[cfg(test)]
pub fn assert_fixtures<T: Versioned + PartialEq + std::fmt::Debug>(
    kind: Kind,
    v1_hex: &str,
    v2_hex: &str,
) -> T {
    let v1 = hex::decode(v1_hex.trim()).expect("format 1 fixture is hex");
    let v2 = hex::decode(v2_hex.trim()).expect("format 2 fixture is hex");
    assert_ne!(
        v1.first(),
        Some(&TAG),
        "an untagged {} starts with the tag",
        T::NAME
    );
    let value: T = decode(kind, &v1).expect("format 1 fixture decodes");
    assert_eq!(decode::<T>(kind, &v2).as_ref(), Ok(&value), "{}", T::NAME);
    assert_eq!(encode(kind, &value).as_deref(), Ok(&v1[..]), "{}", T::NAME);
    assert_eq!(
        encode_as(kind, 2, &value).as_deref(),
        Ok(&v2[..]),
        "{}",
        T::NAME
    );
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Sample(u64, String, Vec<u8>);

    impl Versioned for Sample {
        const NAME: &'static str = "sample";
    }

    fn sample() -> Sample {
        Sample(7, "seven".to_string(), vec![1, 2, 3])
    }

    #[test]
    fn values_round_trip_within_their_limits() {
        for kind in [Kind::Stored, Kind::Attachment, Kind::Message] {
            let bytes = encode(kind, &sample()).unwrap();
            assert_eq!(decode::<Sample>(kind, &bytes), Ok(sample()));
        }
    }

    #[test]
    fn this_release_writes_format_1_and_reads_1_and_2() {
        let bare = encode(Kind::Stored, &sample()).unwrap();
        assert_eq!(bare[0], 7, "untagged: the value's first field");
        let tagged = encode_as(Kind::Stored, 2, &sample()).unwrap();
        assert_eq!(&tagged[..2], &[TAG, 2]);
        assert_eq!(&tagged[2..], &bare[..]);
        assert_eq!(decode::<Sample>(Kind::Stored, &tagged), Ok(sample()));
        assert_eq!(split_format(Kind::Stored, &bare), Ok((1, &bare[..])));
        assert_eq!(split_format(Kind::Stored, &tagged), Ok((2, &bare[..])));
    }

    #[test]
    fn a_later_format_is_refused_with_what_it_is() {
        let later = encode_as(Kind::Message, 3, &sample()).unwrap();
        let err = decode::<Sample>(Kind::Message, &later).unwrap_err();
        assert_eq!(
            err,
            BlobError::Format {
                what: "sample",
                format: 3,
                reads: 2
            }
        );
        assert!(err.to_string().contains("later release"), "{err}");
        // A value whose bare bytes would start with the tag is refused
        // rather than written to be misread (found by the blobs fuzzer:
        // a ClaimSeat for seat 255).
        assert!(encode(Kind::Message, &Sample(0xff, String::new(), vec![])).is_ok());
        assert!(matches!(
            encode_as(Kind::Message, UNTAGGED, &0xffu8),
            Err(BlobError::Encode(..))
        ));
        // Format 1 is never tagged, and a tag needs a number after it.
        assert!(decode::<Sample>(Kind::Message, &[TAG, 1, 7, 0, 0]).is_err());
        assert!(decode::<Sample>(Kind::Message, &[TAG]).is_err());
    }

    #[test]
    fn oversized_values_and_bytes_are_refused() {
        let big = Sample(0, String::new(), vec![0u8; Kind::Attachment.limit()]);
        assert!(matches!(
            encode(Kind::Attachment, &big),
            Err(BlobError::TooLarge { .. })
        ));
        let bytes = vec![0u8; Kind::Message.limit() + 1];
        assert!(matches!(
            decode::<Sample>(Kind::Message, &bytes),
            Err(BlobError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_hostile_length_prefix_is_an_error_not_an_allocation() {
        // A string claiming 2^32 bytes.
        let bytes = [7u8, 252, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            decode::<Sample>(Kind::Stored, &bytes),
            Err(BlobError::Decode(..))
        ));
        // Trailing bytes are refused too.
        let mut trailing = encode(Kind::Stored, &sample()).unwrap();
        trailing.push(0);
        assert!(decode::<Sample>(Kind::Stored, &trailing).is_err());
    }
}
