//! What the coordinator shards and the player objects exchange: a player's
//! rating in a mode, a settled game for one player, and a leaderboard line.
//!
//! Every shard of a mode must see one rating per player, so ratings live in
//! one object per player (`player:{id}`, the `Player` class), not in a
//! shard. A shard reads a player's rating when they queue
//! ([`PLAYER_RATING_PATH`]); the shard a room reports to settles the game
//! once and posts each person their line ([`PLAYER_RESULT_PATH`]); each
//! player object then posts its new standing to the mode's leaderboard,
//! kept by the mode's global shard ([`LEADER_PATH`]) in the `players`
//! table the first releases kept ratings in.
//!
//! All three are new in this release, in format 1 (untagged bincode, like
//! every first format); their fixtures are committed and decoded below.

use crate::blob::Versioned;
use serde::{Deserialize, Serialize};
use volley_shared::{Mode, PlayerId, RoomId};

/// `GET` on a player object, `?player=ID&mode=..`: the player's
/// [`Standing`] in the mode.
pub const PLAYER_RATING_PATH: &str = "/internal/player/rating";
/// `POST` of a [`PlayerResult`] on a player object.
pub const PLAYER_RESULT_PATH: &str = "/internal/player/result";
/// `POST` of a [`LeaderLine`] on a mode's global coordinator shard.
pub const LEADER_PATH: &str = "/internal/leader";

/// A player's standing in one mode. The count comes first: a blob's bare
/// encoding must begin with a variable-length integer, never with a float,
/// whose first byte can be the tag byte ([`crate::blob`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// Games counted for them in this mode.
    pub games: u64,
    /// Their rating (the default for a player with no games).
    pub rating: f64,
}

impl Versioned for Standing {
    const NAME: &'static str = "player standing";
}

/// One person's line of a finished game, as the shard that settled it
/// computed it. A player object applies a room's line once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayerResult {
    /// Whose line it is.
    pub player: PlayerId,
    /// The room (a line is applied once per room).
    pub room: RoomId,
    /// The mode it was played in.
    pub mode: Mode,
    /// The name they played under.
    pub name: String,
    /// `"win"`, `"loss"` or `"draw"`.
    pub result: String,
    /// How much their rating moves (0 in an unrated game). A change, not a
    /// new rating, so two games settled at once both count.
    pub change: f64,
    /// When the game ended, in ms since the Unix epoch.
    pub at_ms: u64,
}

impl Versioned for PlayerResult {
    const NAME: &'static str = "player result";
}

/// A player's standing for the mode's leaderboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaderLine {
    /// Who.
    pub player: PlayerId,
    /// Their latest name.
    pub name: String,
    /// Their rating and game count: a line with fewer games than the one
    /// kept is stale and changes nothing.
    pub standing: Standing,
    /// When their latest game ended.
    pub at_ms: u64,
}

impl Versioned for LeaderLine {
    const NAME: &'static str = "leaderboard line";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::{self, Kind};

    fn fixture(text: &str) -> Vec<u8> {
        hex::decode(text.trim()).unwrap()
    }

    /// The first format of each message, as committed: a later release
    /// must still read them.
    #[test]
    fn the_first_formats_of_the_player_messages_still_decode() {
        let bytes = fixture(include_str!("fixtures/player-result-v1.hex"));
        let result: PlayerResult = blob::decode(Kind::Message, &bytes).unwrap();
        assert_eq!(
            result,
            PlayerResult {
                player: PlayerId(u64::MAX),
                room: RoomId("ab".repeat(32)),
                mode: Mode::Ffa3,
                name: "ann".into(),
                result: "win".into(),
                change: 10.5,
                at_ms: 1_900_000_000_000,
            }
        );
        assert_eq!(blob::encode(Kind::Message, &result).unwrap(), bytes);

        let bytes = fixture(include_str!("fixtures/leader-line-v1.hex"));
        let line: LeaderLine = blob::decode(Kind::Message, &bytes).unwrap();
        assert_eq!(
            line,
            LeaderLine {
                player: PlayerId(u64::MAX),
                name: "ann".into(),
                standing: Standing {
                    games: 3,
                    rating: 1516.0,
                },
                at_ms: 1_900_000_000_000,
            }
        );
        assert_eq!(blob::encode(Kind::Message, &line).unwrap(), bytes);
    }

    /// Every rating encodes, whatever its bytes: a standing whose rating's
    /// lowest byte is the tag byte once could not be sent (found by the
    /// end-to-end suite: the ticket was refused).
    #[test]
    fn a_standing_encodes_whatever_the_rating() {
        for bits in [0x4097_b000_0000_00ffu64, u64::MAX >> 1, 0] {
            let standing = Standing {
                games: 1,
                rating: f64::from_bits(bits),
            };
            let bytes = blob::encode(Kind::Message, &standing).unwrap();
            let back: Standing = blob::decode(Kind::Message, &bytes).unwrap();
            assert_eq!(back.rating.to_bits(), bits);
        }
    }
}
