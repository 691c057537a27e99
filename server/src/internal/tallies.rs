//! What a room hands its coordinator shard for the operators' dashboard:
//! the counts it kept ([`crate::tally`]), posted to [`TALLIES_PATH`] when
//! its game ends, and when it deletes itself (`ended`, so the shard stops
//! counting it alive). A shard of the release before this message answers
//! 404, and the room lets the counts go.

use crate::blob::Versioned;
use crate::tally::Count;
use serde::{Deserialize, Serialize};
use volley_shared::RoomId;

/// Where a room posts [`RoomTallies`], on its coordinator.
pub const TALLIES_PATH: &str = "/internal/tallies";

/// The most counts one message carries (a room hands the rest over
/// next time).
pub const MAX_COUNTS: usize = 1_000;

/// A room's counts (format 1: this release's, untagged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomTallies {
    /// The counts, oldest minute first.
    pub counts: Vec<Count>,
    /// The room.
    pub room: RoomId,
    /// The room is deleting itself.
    pub ended: bool,
}

impl Versioned for RoomTallies {
    const NAME: &'static str = "room tallies";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::{self, Kind};

    #[test]
    fn format_1_reads_and_writes_as_committed() {
        let bytes = hex::decode(include_str!("fixtures/room-tallies-v1.hex").trim()).unwrap();
        let tallies = RoomTallies {
            counts: vec![
                Count {
                    minute: 29_400_000,
                    name: "rtt:12".into(),
                    n: 3,
                },
                Count {
                    minute: 29_400_001,
                    name: "close:4008".into(),
                    n: 1,
                },
            ],
            room: RoomId("ab".repeat(32)),
            ended: true,
        };
        assert_eq!(
            blob::decode::<RoomTallies>(Kind::Message, &bytes).unwrap(),
            tallies
        );
        assert_eq!(blob::encode(Kind::Message, &tallies).unwrap(), bytes);
    }
}
