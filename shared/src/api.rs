//! The JSON bodies of Volley's HTTP routes, one type per body, used by the
//! server that writes them and by the browser, the bots and the tests that
//! read them.
//!
//! Player ids travel as 16 hex digits (JavaScript numbers would round a
//! 64-bit id); modes and games by their URL names (`duel`, `connect4`).
//! Fields are only added, never renamed or removed: an older page or bot
//! ignores what it does not know.

use crate::games::GameKind;
use crate::ids::{Mode, RoomId, Seat};
use serde::{Deserialize, Serialize};

/// `GET /api/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always true when the Worker answers.
    pub ok: bool,
    /// The server crate's version.
    pub version: String,
    /// The newest protocol version this build speaks.
    pub protocol: u16,
    /// The oldest protocol version this build still serves.
    #[serde(default = "one")]
    pub min_protocol: u16,
    /// The build this Worker was made from (a commit, `-dirty` when the
    /// tree had changes).
    #[serde(default)]
    pub build: String,
    /// The deployed Worker version that answered, when the runtime says.
    #[serde(default)]
    pub version_id: Option<String>,
    /// That version's tag (`wrangler versions upload --tag`), if any.
    #[serde(default)]
    pub version_tag: Option<String>,
}

fn one() -> u16 {
    1
}

/// Any error: `{"error": "..."}` with a 4xx or 5xx status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, for people.
    pub error: String,
}

/// `POST /api/guests` (a new guest identity) and `POST /api/guests/renew`
/// (the same one, with a fresh token): the token is the identity and
/// expires 90 days after it was issued. Send it in `Authorization: Bearer`
/// or, on a WebSocket, as the subprotocol [`GUEST_SUBPROTOCOL`]`<token>`
/// beside [`SUBPROTOCOL`] to be rated (`?guest=` is still read, for
/// clients of the first releases, but URLs get logged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    /// The player id, 16 hex digits.
    pub player: String,
    /// The signed guest token.
    pub token: String,
}

/// The subprotocol a Volley WebSocket answers with when it is offered.
pub const SUBPROTOCOL: &str = "volley";
/// What a guest token is prefixed with among a WebSocket's offered
/// subprotocols (`volley, volley-guest.<token>`).
pub const GUEST_SUBPROTOCOL: &str = "volley-guest.";

/// `POST /api/rooms` (a private room, for its creator) and
/// `POST /api/rooms/join` (a friend's seat): a seat and how to take it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatGrant {
    /// The room's join code.
    pub code: String,
    /// The room, to connect to at `/api/rooms/{room}/ws`.
    pub room: RoomId,
    /// The room's mode (absent from servers older than protocol 2: a duel).
    #[serde(default = "duel", with = "url_name")]
    pub mode: Mode,
    /// The game the room plays (absent from servers older than protocol 2:
    /// artillery).
    #[serde(default = "artillery")]
    pub game: GameKind,
    /// The seat.
    pub seat: Seat,
    /// The join token for `Hello`.
    pub token: String,
    /// The player id the seat is for, 16 hex digits.
    pub player: String,
    /// When the join code stops working, in ms since the Unix epoch.
    pub expires_ms: u64,
}

fn duel() -> Mode {
    Mode::Duel
}

fn artillery() -> GameKind {
    GameKind::Artillery
}

/// `POST /api/rooms/{id}/spectate`: a token to watch a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpectatorGrant {
    /// The room.
    pub room: RoomId,
    /// The game it plays.
    #[serde(default = "artillery")]
    pub game: GameKind,
    /// The spectator's join token.
    pub token: String,
}

/// `GET /api/rooms/{id}`: public facts about a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    /// The room.
    pub room_id: RoomId,
    /// The Durable Object id of the coordinator that created it.
    pub created_by: String,
    /// The location hint it was created with.
    pub location_hint: Option<String>,
    /// When it was created, in ms since the Unix epoch.
    pub created_at_ms: u64,
    /// The mode it was matched for.
    #[serde(with = "url_name")]
    pub mode: Mode,
    /// The game it plays.
    #[serde(default = "artillery")]
    pub game: GameKind,
    /// `waiting`, `in_turn`, `finished` or `closed`.
    pub phase: String,
    /// The last event's sequence number.
    pub seq: u64,
    /// The game's turn number.
    pub turn: u32,
    /// Open sockets.
    pub connections: usize,
    /// Changes whenever the runtime constructs the object again (after
    /// hibernation or a restart), so tests can tell that it did.
    pub instance: String,
    /// The build the room's object runs (during a rollout, rooms run
    /// either version).
    #[serde(default)]
    pub build: String,
    /// Who plays, in seat order (empty from a room of a release before).
    #[serde(default)]
    pub players: Vec<RoomSeat>,
}

/// One seat of a room, as anyone may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSeat {
    /// The display name.
    pub name: String,
    /// The player id, 16 hex digits (as on the leaderboard).
    pub player: String,
    /// Whether the room plays this seat itself.
    pub bot: bool,
}

/// `GET /api/stats?mode=..`: one coordinator shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardStats {
    /// The shard's Durable Object id.
    pub coordinator_id: String,
    /// The shard's mode.
    #[serde(with = "url_name")]
    pub mode: Mode,
    /// Tickets in the queue.
    pub tickets_waiting: u64,
    /// Parties still waiting for members.
    pub parties_forming: u64,
    /// Matches made (rooms created for the public queue).
    pub matches_made: u64,
    /// Median wait of the latest matched tickets.
    pub wait_ms_p50: Option<u64>,
    /// 99th percentile wait of the latest matched tickets.
    pub wait_ms_p99: Option<u64>,
    /// Rooms created, per location hint (`none` without one).
    pub rooms_per_location_hint: std::collections::BTreeMap<String, u64>,
    /// The latest public rooms.
    pub recent_rooms: Vec<CreatedRoom>,
    /// Public rooms created, per build of the room's object (during a
    /// rollout rooms run either version).
    #[serde(default)]
    pub rooms_per_build: std::collections::BTreeMap<String, u64>,
    /// The build the coordinator's object runs.
    #[serde(default)]
    pub build: String,
}

/// A room a shard created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedRoom {
    /// The room.
    pub room_id: RoomId,
    /// Its location hint.
    pub location_hint: Option<String>,
    /// When it was created.
    pub created_at_ms: u64,
}

/// `GET /api/stats`: every mode's shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllStats {
    /// One entry per mode.
    pub modes: Vec<ShardStats>,
}

/// A rated player in one mode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayerRecord {
    /// The player id, 16 hex digits.
    pub player: String,
    /// Their latest display name.
    pub name: String,
    /// Their rating in this mode.
    pub rating: f64,
    /// Rated games played in this mode.
    pub games: u64,
    /// The latest games, newest first.
    pub recent: Vec<PlayedMatch>,
    /// The mode (filled in by `GET /api/players/{id}`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "url_name::option"
    )]
    pub mode: Option<Mode>,
}

/// `GET /api/leaderboard?mode=..`: a mode's best rated players.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    /// The mode.
    #[serde(with = "url_name")]
    pub mode: Mode,
    /// At most [`LEADERBOARD_SIZE`], best first.
    pub leaders: Vec<Leader>,
}

/// The request header through which tests and load runs say which
/// continent a client is on (Cloudflare's code, `EU`); only a server
/// started with `VOLLEY_TEST_HOOKS=1` believes it instead of `request.cf`.
pub const TEST_CONTINENT_HEADER: &str = "X-Volley-Test-Continent";

/// How many players a leaderboard lists.
pub const LEADERBOARD_SIZE: usize = 100;

/// One line of a leaderboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leader {
    /// 1 for the best.
    pub rank: u32,
    /// The player id, 16 hex digits.
    pub player: String,
    /// Their latest display name.
    pub name: String,
    /// Their rating in the mode.
    pub rating: f64,
    /// Rated games played in the mode.
    pub games: u64,
}

/// One game in a player's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayedMatch {
    /// The room it was played in.
    pub room_id: RoomId,
    /// When it ended.
    pub at_ms: u64,
    /// `win`, `loss` or `draw`.
    pub result: String,
    /// The rating after it.
    pub rating_after: f64,
}

/// `GET /api/players/{id}`: a player's records in every mode they played.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayerModes {
    /// The player id, 16 hex digits.
    pub player: String,
    /// One record per mode with rated games.
    pub modes: Vec<PlayerRecord>,
}

/// One minute of a coordinator's matching, for the operators' dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsMinute {
    /// Minutes since the Unix epoch.
    pub minute: u64,
    /// Rooms created for the public queue in that minute.
    pub matches: u64,
    /// Tickets matched in that minute.
    pub matched_tickets: u64,
    /// Their median wait.
    pub wait_ms_p50: Option<u64>,
    /// Their 99th percentile wait.
    pub wait_ms_p99: Option<u64>,
    /// Moves whose round trip the rooms measured in that minute (from
    /// a move's arrival to its player's acknowledgement of its event).
    #[serde(default)]
    pub moves_measured: u64,
    /// Their median round trip, to within a bucket (its upper bound).
    #[serde(default)]
    pub rtt_ms_p50: Option<u64>,
    /// Their 99th percentile round trip, to within a bucket.
    #[serde(default)]
    pub rtt_ms_p99: Option<u64>,
}

/// One kind of thing counted over the hour (`close:4008`,
/// `error:RateLimited`, `refused:LIMIT_SPECTATORS`), for the dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsKind {
    /// What was counted.
    pub name: String,
    /// How many in the hour.
    pub total: u64,
    /// How many in each minute of the hour, oldest first.
    pub per_minute: Vec<u64>,
}

/// One pool's last hour, minute by minute (oldest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsPool {
    /// `global`, or a region's code (`eu`).
    pub pool: String,
    /// Every minute of the hour, empty ones included.
    pub minutes: Vec<OpsMinute>,
}

/// `GET /api/ops?mode=..`: a mode's last hour, per pool and summed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsMode {
    /// The mode.
    #[serde(with = "url_name")]
    pub mode: Mode,
    /// Every shard of the mode summed (waits merged, not averaged).
    pub all: Vec<OpsMinute>,
    /// Each shard that answered.
    pub pools: Vec<OpsPool>,
    /// Public rooms created in the hour, per build of the room's object.
    pub rooms_per_build: std::collections::BTreeMap<String, u64>,
    /// Public rooms alive now (made, not yet reported over), per build.
    #[serde(default)]
    pub rooms_alive_per_build: std::collections::BTreeMap<String, u64>,
    /// Connections closed by code, error frames by code and refusals by
    /// limit, from the shards and their rooms, most frequent first.
    #[serde(default)]
    pub kinds: Vec<OpsKind>,
}

/// `GET /api/ops`: every mode's last hour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsReport {
    /// The minute the report was made in (minutes since the epoch).
    pub now_minute: u64,
    /// One entry per mode.
    pub modes: Vec<OpsMode>,
}

/// Modes in JSON bodies by their URL names (`duel`, `connect4`).
mod url_name {
    use crate::ids::Mode;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(mode: &Mode, to: S) -> Result<S::Ok, S::Error> {
        to.serialize_str(mode.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Mode, D::Error> {
        let name = String::deserialize(from)?;
        Mode::parse(&name).ok_or_else(|| D::Error::custom(format!("unknown mode {name:?}")))
    }

    /// The same for an optional mode.
    pub mod option {
        use crate::ids::Mode;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(mode: &Option<Mode>, to: S) -> Result<S::Ok, S::Error> {
            match mode {
                Some(mode) => super::serialize(mode, to),
                None => to.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Option<Mode>, D::Error> {
            #[derive(Deserialize)]
            struct Named(#[serde(with = "super")] Mode);
            Ok(Option::<Named>::deserialize(from)?.map(|Named(mode)| mode))
        }
    }
}

/// The rating a player starts with in every mode.
pub const START_RATING: f64 = 1500.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_games_travel_by_their_url_names() {
        let info = RoomInfo {
            room_id: RoomId("ab".repeat(32)),
            created_by: "c".into(),
            location_hint: None,
            created_at_ms: 1,
            mode: Mode::ConnectFour,
            game: GameKind::ConnectFour,
            phase: "waiting".into(),
            seq: 0,
            turn: 0,
            connections: 0,
            instance: "0".into(),
            build: "abc".into(),
            players: vec![RoomSeat {
                name: "ann".into(),
                player: "00000000000000ff".into(),
                bot: false,
            }],
        };
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["mode"], "connect4");
        assert_eq!(json["game"], "connect4");
        assert_eq!(json["room_id"], "ab".repeat(32));
        let back: RoomInfo = serde_json::from_value(json).unwrap();
        assert_eq!(back, info);
    }

    #[test]
    fn replays_keep_the_first_release_spelling_of_modes() {
        // Mode's own JSON (as in /replay) is the variant name, and reads
        // from the URL name as well.
        assert_eq!(serde_json::to_value(Mode::Duel).unwrap(), "Duel");
        for mode in Mode::ALL {
            let name = serde_json::Value::from(mode.as_str());
            assert_eq!(serde_json::from_value::<Mode>(name).unwrap(), mode);
        }
        let record = PlayerRecord {
            player: "00000000000000aa".into(),
            name: "ann".into(),
            rating: 1516.0,
            games: 1,
            recent: Vec::new(),
            mode: Some(Mode::Ffa3),
        };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["mode"], "ffa3");
        assert_eq!(
            serde_json::from_value::<PlayerRecord>(json).unwrap(),
            record
        );
        let mut without = serde_json::to_value(&record).unwrap();
        without.as_object_mut().unwrap().remove("mode");
        assert_eq!(
            serde_json::from_value::<PlayerRecord>(without)
                .unwrap()
                .mode,
            None
        );
    }

    #[test]
    fn a_grant_from_a_server_before_protocol_2_reads_as_artillery() {
        let old = r#"{"code":"DUEL-ABCD","room":"r","seat":1,"token":"t","player":"00000000000000aa","expires_ms":5}"#;
        let grant: SeatGrant = serde_json::from_str(old).unwrap();
        assert_eq!(grant.game, GameKind::Artillery);
        assert_eq!(grant.mode, Mode::Duel);
        assert_eq!(grant.seat, Seat(1));
    }
}
