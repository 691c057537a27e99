//! The room record: everything a room keeps in its one `room` row, and the
//! stored formats it has had.
//!
//! | format | written by | holds | this release |
//! |---|---|---|---|
//! | 4 | the first release | an artillery `Room` | reads; writes for artillery rooms |
//! | 5 | this release | any game's room ([`AnyRoom`]) | reads; writes for other games |
//!
//! A gradual rollout runs two releases side by side, and a rollback puts the
//! previous one back over what this one wrote: so an artillery room is
//! still written in format 4, which the previous release reads, and only
//! rooms the previous release cannot host at all (Connect Four) use format
//! 5. A later release can write format 5 for every room once no release
//! that reads only format 4 is deployed (expand, then contract). The
//! record's format is its first field, so it is never tagged
//! ([`crate::blob::Versioned`]).

use super::any::AnyRoom;
use super::engine::Room;
use crate::blob::{self, BlobError, Kind, UNTAGGED};
use serde::{Deserialize, Serialize};
use volley_shared::artillery::Artillery;

/// Everything a room keeps in its one `room` row.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomRecord {
    /// The room.
    pub room: AnyRoom,
    /// The Durable Object id of the coordinator that created the room.
    pub created_by: String,
    /// The location hint the room was created with.
    pub location_hint: Option<String>,
    /// When the room was created, in ms since the Unix epoch.
    pub created_at_ms: u64,
}

/// Format 4: an artillery room, as the first release stores it. (Written
/// from borrowed parts: a room is saved after every change, and copying it
/// just to write it would cost a clone of the whole game each time.)
#[derive(Serialize, Deserialize)]
#[serde(bound(deserialize = "R: serde::de::DeserializeOwned, S: serde::de::DeserializeOwned"))]
struct Stored<R, S> {
    version: u16,
    room: R,
    created_by: S,
    location_hint: Option<S>,
    created_at_ms: u64,
}

/// Format 4 as read.
type Format4 = Stored<Room<Artillery>, String>;
/// Format 5 (any game) as read.
type Format5 = Stored<AnyRoom, String>;

impl RoomRecord {
    /// A record for a new room.
    pub fn new(
        room: AnyRoom,
        created_by: String,
        location_hint: Option<String>,
        now_ms: u64,
    ) -> Self {
        RoomRecord {
            room,
            created_by,
            location_hint,
            created_at_ms: now_ms,
        }
    }

    /// The stored bytes: format 4 for artillery, 5 for other games.
    pub fn to_blob(&self) -> Result<Vec<u8>, BlobError> {
        match &self.room {
            AnyRoom::Artillery(room) => {
                blob::encode_as(Kind::Stored, UNTAGGED, &self.stored(4, room))
            }
            room => blob::encode_as(Kind::Stored, UNTAGGED, &self.stored(5, room)),
        }
    }

    fn stored<'a, R>(&'a self, version: u16, room: &'a R) -> Stored<&'a R, &'a str> {
        Stored {
            version,
            room,
            created_by: &self.created_by,
            location_hint: self.location_hint.as_deref(),
            created_at_ms: self.created_at_ms,
        }
    }

    /// Reads stored bytes of either format.
    pub fn from_blob(bytes: &[u8]) -> Result<RoomRecord, BlobError> {
        match blob::leading_number(Kind::Stored, bytes)? {
            4 => {
                let stored: Format4 = blob::decode_bare(Kind::Stored, bytes)?;
                Ok(RoomRecord {
                    room: AnyRoom::Artillery(stored.room),
                    created_by: stored.created_by,
                    location_hint: stored.location_hint,
                    created_at_ms: stored.created_at_ms,
                })
            }
            5 => {
                let stored: Format5 = blob::decode_bare(Kind::Stored, bytes)?;
                Ok(RoomRecord {
                    room: stored.room,
                    created_by: stored.created_by,
                    location_hint: stored.location_hint,
                    created_at_ms: stored.created_at_ms,
                })
            }
            other => Err(BlobError::Decode(
                Kind::Stored,
                format!(
                    "room record format {other} is not known to this release (it reads 4 and 5)"
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests;
