//! Everything the coordinator and the rooms exchange, in one module that
//! both import, so that neither Durable Object imports the other.
//!
//! - this file: the messages (pure types): a room's set-up, [`InitRoom`],
//!   [`ClaimSeat`] and [`GameResult`], and the paths they are posted to.
//! - [`charter`]: a public room's set-up signed into its players' tokens,
//!   so the room sets itself up at the first `Hello`.
//! - [`link`]: how to reach the other side: binding and shard names, stubs,
//!   and posting and reading a message over Durable Object `fetch` (Rust
//!   Durable Objects cannot serve RPC).
//! - [`players`]: what the shards and the player objects exchange
//!   (ratings, settled games, leaderboard lines).
//! - [`tallies`]: the counts a room hands its shard for the dashboard.
//!
//! Messages are bincode ([`crate::blob`], with a size limit), so 64-bit ids
//! and seeds cross intact. Each message's layout is a format: during a
//! gradual rollout a coordinator and the rooms it creates can run different
//! versions, so a release reads every format the previous one wrote and
//! writes what the previous one reads. `InitRoom` has two formats, told apart
//! by path: format 1 (the first release's, artillery only) at
//! [`INIT_ROOM_PATH`], still written for every artillery room, and format 2
//! (any game) at [`INIT_ROOM_V2_PATH`], which a first-release room answers
//! with an error instead of misreading.

pub mod charter;
pub mod link;
pub mod players;
pub mod set_up;
pub mod tallies;

use crate::blob::{self, BlobError, Kind, UNTAGGED, Versioned};
use serde::{Deserialize, Serialize};
use volley_shared::artillery::Artillery;
use volley_shared::connect_four::ConnectFour;
use volley_shared::{Game, GameKind, Mode, Outcome, PlayerId, RoomId, Seat};

/// Where a coordinator posts a format 1 [`InitRoom`] (artillery). The Worker
/// never forwards outside requests to paths under `/internal/`.
pub const INIT_ROOM_PATH: &str = "/internal/init";
/// Where a coordinator posts a format 2 [`InitRoom`] (any game).
pub const INIT_ROOM_V2_PATH: &str = "/internal/init/2";
/// Where a coordinator posts [`ClaimSeat`], on a private room.
pub const CLAIM_PATH: &str = "/internal/claim";
/// Where a room posts [`GameResult`], on its coordinator.
pub const RESULT_PATH: &str = "/internal/result";
/// The header a room's answer to [`InitRoom`] names its build in (rooms of
/// releases before build ids send none).
pub const BUILD_HEADER: &str = "X-Volley-Build";
/// What a coordinator counts a room as when its answer names no build.
pub const UNKNOWN_BUILD: &str = "before build ids";

/// One seat as the coordinator filled it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatSetup {
    /// The player who holds the seat.
    pub player: PlayerId,
    /// Their display name.
    pub name: String,
    /// Whether the room plays this seat itself, with the game's AI.
    pub bot: bool,
}

/// How a room is set up by the coordinator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct RoomSetup<G: Game> {
    /// The kind of match.
    pub mode: Mode,
    /// The game's settings for this mode.
    pub config: G::Config,
    /// The seats, in seat order.
    pub seats: Vec<SeatSetup>,
    /// The seed the game grows from.
    pub seed: u64,
    /// How long a turn lasts before it times out.
    pub turn_timeout_ms: u64,
    /// How long seats wait to be taken before the game starts without
    /// them (their turns then time out as the rules say).
    pub reservation_ms: u64,
    /// How long a finished room keeps its replay before deleting itself.
    pub retention_ms: u64,
}

/// What every game's set-up has; the game's own config is its default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    /// The kind of match (it names the game).
    pub mode: Mode,
    /// The seats, in seat order.
    pub seats: Vec<SeatSetup>,
    /// The seed the game grows from.
    pub seed: u64,
    /// How long a turn lasts.
    pub turn_timeout_ms: u64,
    /// How long seats wait to be taken.
    pub reservation_ms: u64,
    /// How long a finished room keeps its replay.
    pub retention_ms: u64,
}

impl<G: Game> RoomSetup<G> {
    /// A set-up with the game's default config.
    pub fn with_terms(terms: Terms) -> Self {
        RoomSetup {
            mode: terms.mode,
            config: G::Config::default(),
            seats: terms.seats,
            seed: terms.seed,
            turn_timeout_ms: terms.turn_timeout_ms,
            reservation_ms: terms.reservation_ms,
            retention_ms: terms.retention_ms,
        }
    }
}

/// A room's set-up for whichever game its mode plays. (Variants are only
/// appended: the index is in format 2 of [`InitRoom`].)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AnySetup {
    /// An artillery room.
    Artillery(RoomSetup<Artillery>),
    /// A Connect Four room.
    ConnectFour(RoomSetup<ConnectFour>),
}

impl AnySetup {
    /// The set-up for `terms`, in the game its mode plays.
    pub fn new(terms: Terms) -> Self {
        match terms.mode.game() {
            GameKind::Artillery => AnySetup::Artillery(RoomSetup::with_terms(terms)),
            GameKind::ConnectFour => AnySetup::ConnectFour(RoomSetup::with_terms(terms)),
        }
    }

    /// The mode the room is for.
    pub fn mode(&self) -> Mode {
        match self {
            AnySetup::Artillery(setup) => setup.mode,
            AnySetup::ConnectFour(setup) => setup.mode,
        }
    }
}

/// Sets up a freshly created room.
#[derive(Clone, Debug, PartialEq)]
pub struct InitRoom {
    /// The match to host.
    pub setup: AnySetup,
    /// The Durable Object id of the coordinator that created the room.
    pub created_by: String,
    /// The location hint the room was created with, if any.
    pub location_hint: Option<String>,
}

/// [`InitRoom`] in format 1: artillery only, no format number.
#[derive(Serialize, Deserialize)]
struct InitRoomV1 {
    setup: RoomSetup<Artillery>,
    created_by: String,
    location_hint: Option<String>,
}

/// [`InitRoom`] in format 2.
#[derive(Serialize, Deserialize)]
struct InitRoomV2 {
    format: u16,
    setup: AnySetup,
    created_by: String,
    location_hint: Option<String>,
}

impl InitRoom {
    /// The path and body to post: format 1 for artillery (a room of the
    /// previous release reads it), format 2 for any other game.
    pub fn encode(&self) -> Result<(&'static str, Vec<u8>), BlobError> {
        match &self.setup {
            AnySetup::Artillery(setup) => {
                let v1 = InitRoomV1 {
                    setup: setup.clone(),
                    created_by: self.created_by.clone(),
                    location_hint: self.location_hint.clone(),
                };
                Ok((
                    INIT_ROOM_PATH,
                    blob::encode_as(Kind::Message, UNTAGGED, &v1)?,
                ))
            }
            setup => {
                let v2 = InitRoomV2 {
                    format: 2,
                    setup: setup.clone(),
                    created_by: self.created_by.clone(),
                    location_hint: self.location_hint.clone(),
                };
                Ok((
                    INIT_ROOM_V2_PATH,
                    blob::encode_as(Kind::Message, UNTAGGED, &v2)?,
                ))
            }
        }
    }

    /// Reads a body posted to `path` (either format).
    pub fn decode(path: &str, bytes: &[u8]) -> Result<InitRoom, BlobError> {
        if path == INIT_ROOM_V2_PATH {
            let v2: InitRoomV2 = blob::decode_bare(Kind::Message, bytes)?;
            if v2.format != 2 {
                return Err(BlobError::Decode(
                    Kind::Message,
                    format!("InitRoom format {} is not known here", v2.format),
                ));
            }
            return Ok(InitRoom {
                setup: v2.setup,
                created_by: v2.created_by,
                location_hint: v2.location_hint,
            });
        }
        let v1: InitRoomV1 = blob::decode_bare(Kind::Message, bytes)?;
        Ok(InitRoom {
            setup: AnySetup::Artillery(v1.setup),
            created_by: v1.created_by,
            location_hint: v1.location_hint,
        })
    }
}

/// Gives a private room's open seat to a friend who joined by code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimSeat {
    /// The seat.
    pub seat: Seat,
    /// The friend's player id.
    pub player: PlayerId,
    /// The friend's display name.
    pub name: String,
}

impl Versioned for ClaimSeat {
    const NAME: &'static str = "ClaimSeat message";
}

/// How a room's game ended, for ratings and match history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GameResult {
    /// The room (a result is applied once per room).
    pub room: RoomId,
    /// The mode it was played in.
    pub mode: Mode,
    /// The seats, in seat order.
    pub seats: Vec<SeatSetup>,
    /// How it ended.
    pub outcome: Outcome,
    /// When it ended, in ms since the Unix epoch.
    pub at_ms: u64,
}

impl Versioned for GameResult {
    const NAME: &'static str = "game result";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(mode: Mode) -> Terms {
        Terms {
            mode,
            seats: vec![
                SeatSetup {
                    player: PlayerId(u64::MAX),
                    name: "ann".into(),
                    bot: false,
                },
                SeatSetup {
                    player: PlayerId(2),
                    name: "bot 1".into(),
                    bot: true,
                },
            ],
            seed: u64::MAX - 1,
            turn_timeout_ms: 30_000,
            reservation_ms: 60_000,
            retention_ms: 86_400_000,
        }
    }

    fn init(mode: Mode) -> InitRoom {
        InitRoom {
            setup: AnySetup::new(terms(mode)),
            created_by: "c0ffee".into(),
            location_hint: Some("weur".into()),
        }
    }

    #[test]
    fn artillery_rooms_are_initialised_in_format_1() {
        let (path, bytes) = init(Mode::Duel).encode().unwrap();
        assert_eq!(path, INIT_ROOM_PATH);
        assert_eq!(InitRoom::decode(path, &bytes).unwrap(), init(Mode::Duel));
    }

    #[test]
    fn other_games_are_initialised_in_format_2() {
        let (path, bytes) = init(Mode::ConnectFour).encode().unwrap();
        assert_eq!(path, INIT_ROOM_V2_PATH);
        let back = InitRoom::decode(path, &bytes).unwrap();
        assert_eq!(back, init(Mode::ConnectFour));
        assert!(matches!(back.setup, AnySetup::ConnectFour(_)));
    }

    /// Format 1 as the first release wrote it (a committed fixture).
    #[test]
    fn a_format_1_message_from_the_first_release_still_decodes() {
        let bytes = hex::decode(include_str!("fixtures/init-room-v1.hex").trim()).unwrap();
        let init = InitRoom::decode(INIT_ROOM_PATH, &bytes).unwrap();
        assert_eq!(init.setup.mode(), Mode::Duel);
        assert_eq!(init.created_by, "c0ffee");
        let AnySetup::Artillery(setup) = &init.setup else {
            panic!("format 1 is artillery");
        };
        assert_eq!(setup.seats.len(), 2);
        assert_eq!(setup.seed, u64::MAX - 1);
        // And this release writes an artillery room's init the same way.
        assert_eq!(init.encode().unwrap(), (INIT_ROOM_PATH, bytes));
    }

    /// `ClaimSeat` and `GameResult` as the first release encoded them.
    #[test]
    fn claims_and_results_of_the_first_release_still_decode() {
        let claim_bytes = hex::decode(include_str!("fixtures/claim-seat-v1.hex").trim()).unwrap();
        let claim: ClaimSeat = blob::decode(Kind::Message, &claim_bytes).unwrap();
        assert_eq!(
            claim,
            ClaimSeat {
                seat: Seat(1),
                player: PlayerId(u64::MAX),
                name: "friend".into(),
            }
        );
        assert_eq!(blob::encode(Kind::Message, &claim).unwrap(), claim_bytes);
        let result_bytes = hex::decode(include_str!("fixtures/game-result-v1.hex").trim()).unwrap();
        let result: GameResult = blob::decode(Kind::Message, &result_bytes).unwrap();
        assert_eq!(result.room, RoomId("ab".repeat(32)));
        assert_eq!(result.mode, Mode::Ffa3);
        assert_eq!(result.outcome, Outcome::Winner(Seat(2)));
        assert_eq!(result.seats.len(), 3);
        assert!(result.seats[1].bot);
        assert_eq!(result.at_ms, 1_900_000_000_000);
        assert_eq!(blob::encode(Kind::Message, &result).unwrap(), result_bytes);
    }

    #[test]
    fn claims_and_results_tagged_as_format_2_decode_the_same() {
        let claim: ClaimSeat = blob::assert_fixtures(
            Kind::Message,
            include_str!("fixtures/claim-seat-v1.hex"),
            include_str!("fixtures/claim-seat-v2.hex"),
        );
        assert_eq!(claim.name, "friend");
        let result: GameResult = blob::assert_fixtures(
            Kind::Message,
            include_str!("fixtures/game-result-v1.hex"),
            include_str!("fixtures/game-result-v2.hex"),
        );
        assert_eq!(result.mode, Mode::Ffa3);
    }
}
