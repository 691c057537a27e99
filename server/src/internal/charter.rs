//! A room's charter: the set-up of a public match, signed into its
//! players' join tokens, so that the room sets itself up from the first
//! player's `Hello` and the coordinator does not call the room when it
//! makes the match (issue 16: a shard's matching then costs no room
//! initialisation on its thread).
//!
//! - A charter is what [`InitRoom`] carries, less the seed: tokens are seen
//!   by clients, so the room draws its seed itself. The game's config is
//!   the mode's default, as the coordinator always gives it.
//! - It travels inside the token ([`crate::token`]) and is covered by the
//!   token's signature, so only the coordinator can write one. It sets a
//!   room up only until the seats' reservation would have ended.
//! - A chartered room's address, as `Matched` names it, is
//!   `{room id}~{location hint}` (the hint may be empty). The Worker gets
//!   the room's stub with that hint, which Cloudflare honours at the
//!   object's first request, as it did for the coordinator's `InitRoom`;
//!   and the `~` tells the room that a socket may arrive before it is set
//!   up. The room id signed in the token is the bare id.
//!
//! Chartered rooms are a format a room of the first release could not read
//! (its tokens have four fields), so `ROOM_CHARTER` was off by default in
//! the release that brought them (`96e0c65`) and is on from the next one
//! (DEPLOY.md, "Contract steps"). A room tells its shard when it has set
//! itself up ([`crate::internal::set_up`]).

use super::{AnySetup, InitRoom, SeatSetup, Terms};
use crate::blob::{self, BlobError, Kind, Versioned};
use crate::location::HINTS;
use serde::{Deserialize, Serialize};
use volley_shared::{Mode, RoomId};

/// What a coordinator counts a chartered room's build as: the room sets
/// itself up later, and its answer never comes.
pub const CHARTERED_BUILD: &str = "chartered";

/// What separates a chartered room's id from its location hint.
pub const ADDRESS_MARK: char = RoomId::ADDRESS_MARK;

/// How a public room is set up, as its players' tokens carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charter {
    /// The kind of match (it names the game).
    pub mode: Mode,
    /// The seats, in seat order.
    pub seats: Vec<SeatSetup>,
    /// How long a turn lasts.
    pub turn_timeout_ms: u64,
    /// How long seats wait to be taken.
    pub reservation_ms: u64,
    /// How long a finished room keeps its replay.
    pub retention_ms: u64,
    /// The Durable Object id of the coordinator that made the match.
    pub created_by: String,
    /// The location hint the room's address carries, if any.
    pub location_hint: Option<String>,
    /// The last moment the room may be set up, in ms since the Unix epoch:
    /// the match's time plus the seats' reservation. A token still valid
    /// after it sets no room up, so a room nobody came to is not made (or,
    /// once it deleted itself, made again) by a late one.
    pub set_up_by_ms: u64,
}

impl Versioned for Charter {
    const NAME: &'static str = "room charter";
}

impl Charter {
    /// Its bytes, as signed into a token.
    pub fn encode(&self) -> Result<Vec<u8>, BlobError> {
        blob::encode(Kind::Message, self)
    }

    /// Reads a charter's bytes.
    pub fn decode(bytes: &[u8]) -> Result<Charter, BlobError> {
        blob::decode(Kind::Message, bytes)
    }

    /// Whether the room may still be set up from this charter at `now_ms`.
    pub fn open_at(&self, now_ms: u64) -> bool {
        now_ms <= self.set_up_by_ms
    }

    /// The room's set-up, with the seed the room drew.
    pub fn into_init(self, seed: u64) -> InitRoom {
        InitRoom {
            setup: AnySetup::new(Terms {
                mode: self.mode,
                seats: self.seats,
                seed,
                turn_timeout_ms: self.turn_timeout_ms,
                reservation_ms: self.reservation_ms,
                retention_ms: self.retention_ms,
            }),
            created_by: self.created_by,
            location_hint: self.location_hint,
        }
    }
}

/// Where a room is reached: its id, and for a chartered room, the mark and
/// the hint its object is created with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// The room's Durable Object id.
    pub room: RoomId,
    /// Whether this is a chartered room's address.
    pub chartered: bool,
    /// The location hint to get the object with.
    pub hint: Option<&'static str>,
}

/// Why an address was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The id is not a Durable Object id.
    #[error("a room id is 64 lowercase hex digits")]
    MalformedId,
    /// The hint is not one Cloudflare knows.
    #[error("unknown location hint {0:?}")]
    UnknownHint(String),
}

impl Address {
    /// A chartered room's address, as `Matched` names it.
    pub fn chartered(room: &RoomId, hint: Option<&str>) -> RoomId {
        RoomId(format!("{room}{ADDRESS_MARK}{}", hint.unwrap_or_default()))
    }

    /// Reads an address: a bare room id, or a chartered room's.
    pub fn parse(text: &str) -> Result<Address, AddressError> {
        let (id, hint) = match text.split_once(ADDRESS_MARK) {
            Some((id, hint)) => (id, Some(hint)),
            None => (text, None),
        };
        let room = RoomId(id.to_string());
        if !room.is_well_formed() {
            return Err(AddressError::MalformedId);
        }
        let hint = match hint {
            None | Some("") => None,
            Some(hint) => Some(
                HINTS
                    .into_iter()
                    .find(|known| *known == hint)
                    .ok_or_else(|| AddressError::UnknownHint(hint.to_string()))?,
            ),
        };
        Ok(Address {
            chartered: text.contains(ADDRESS_MARK),
            room,
            hint,
        })
    }
}

/// Whether a request's path names a chartered room's address.
pub fn names_a_charter(path: &str) -> bool {
    path.split('/')
        .any(|segment| segment.contains(ADDRESS_MARK))
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::PlayerId;
    use volley_shared::protocol::MAX_NAME_LEN;

    fn charter(mode: Mode, seats: usize) -> Charter {
        Charter {
            mode,
            seats: (0..seats)
                .map(|i| SeatSetup {
                    player: PlayerId(u64::MAX - i as u64),
                    name: "n".repeat(MAX_NAME_LEN),
                    bot: i == 1,
                })
                .collect(),
            turn_timeout_ms: 30_000,
            reservation_ms: 60_000,
            retention_ms: 86_400_000,
            created_by: "c0ffee".repeat(10) + "c0ff",
            location_hint: Some("weur".into()),
            set_up_by_ms: 1_764_600_000_000,
        }
    }

    #[test]
    fn a_room_is_set_up_only_while_its_seats_are_reserved() {
        let charter = charter(Mode::Duel, 2);
        assert!(charter.open_at(charter.set_up_by_ms - 60_000));
        assert!(charter.open_at(charter.set_up_by_ms));
        assert!(!charter.open_at(charter.set_up_by_ms + 1));
    }

    /// The committed fixtures: format 1 (what this release writes) and
    /// the same charter tagged as format 2.
    #[test]
    fn charters_match_their_fixtures() {
        let read: Charter = blob::assert_fixtures(
            Kind::Message,
            include_str!("fixtures/charter-v1.hex"),
            include_str!("fixtures/charter-v2.hex"),
        );
        assert_eq!(read, charter(Mode::Duel, 2));
    }

    #[test]
    fn a_charter_becomes_the_set_up_of_its_game_with_the_rooms_seed() {
        for (mode, seats) in [(Mode::Duel, 2), (Mode::Ffa4, 4), (Mode::ConnectFour, 2)] {
            let bytes = charter(mode, seats).encode().unwrap();
            let init = Charter::decode(&bytes).unwrap().into_init(42);
            assert_eq!(init.setup.mode(), mode);
            assert_eq!(init.created_by, charter(mode, seats).created_by);
            assert_eq!(init.location_hint.as_deref(), Some("weur"));
            let expected = AnySetup::new(Terms {
                mode,
                seats: charter(mode, seats).seats,
                seed: 42,
                turn_timeout_ms: 30_000,
                reservation_ms: 60_000,
                retention_ms: 86_400_000,
            });
            assert_eq!(init.setup, expected);
        }
    }

    /// The largest charter (four seats, the longest names) leaves its
    /// token's `Hello` well inside a client frame, in either version.
    #[test]
    fn the_largest_chartered_hello_fits_a_client_frame() {
        use crate::token::{Grant, JoinKey};
        use volley_shared::codec::{self, MAX_CLIENT_FRAME_BYTES};
        use volley_shared::protocol::{Hello, Opening, Versions};
        use volley_shared::{Role, Seat};
        let key = JoinKey::new("a-test-secret-of-some-length").unwrap();
        let grant = Grant {
            role: Role::Player(Seat(3)),
            player: PlayerId(u64::MAX),
            expires_ms: u64::MAX,
        };
        let bytes = charter(Mode::Ffa4, 4).encode().unwrap();
        let token = key.sign_chartered(&RoomId("ab".repeat(32)), grant, &bytes);
        let opening = codec::encode_opening(&Opening {
            versions: Versions {
                min: 1,
                max: u16::MAX,
            },
            hello: Hello::Join {
                token,
                last_seq: u64::MAX,
            },
        })
        .unwrap();
        assert!(
            opening.len() * 2 <= MAX_CLIENT_FRAME_BYTES,
            "{} bytes",
            opening.len()
        );
    }

    #[test]
    fn addresses_name_the_room_and_its_hint() {
        let room = RoomId("ab".repeat(32));
        assert_eq!(
            Address::parse(&room.0),
            Ok(Address {
                room: room.clone(),
                chartered: false,
                hint: None
            })
        );
        let chartered = Address::chartered(&room, Some("apac"));
        assert_eq!(chartered.0, format!("{room}~apac"));
        assert_eq!(
            Address::parse(&chartered.0),
            Ok(Address {
                room: room.clone(),
                chartered: true,
                hint: Some("apac")
            })
        );
        let unhinted = Address::chartered(&room, None);
        assert_eq!(Address::parse(&unhinted.0).map(|a| a.hint), Ok(None));
        assert!(Address::parse(&unhinted.0).unwrap().chartered);
        assert_eq!(
            Address::parse(&format!("{room}~mars")),
            Err(AddressError::UnknownHint("mars".into()))
        );
        assert_eq!(
            Address::parse("../etc~weur"),
            Err(AddressError::MalformedId)
        );
        assert!(names_a_charter(&format!("/api/rooms/{}/ws", chartered.0)));
        assert!(!names_a_charter(&format!("/api/rooms/{room}/ws")));
    }
}
