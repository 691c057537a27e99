//! Newtype identifiers shared by every part of Volley, and the game modes.

use crate::games::GameKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A player's identity, issued by the server when a ticket is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlayerId(pub u64);

impl fmt::Display for PlayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// A seat at a table: 0 for the first player, 1 for the second, and so on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Seat(pub u8);

impl Seat {
    /// The seat as an index into per-seat arrays.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl fmt::Display for Seat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seat {}", self.0)
    }
}

/// A room's identity: the hex form of its Durable Object id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoomId(pub String);

impl RoomId {
    /// What separates a chartered room's object id from the location hint
    /// its address carries (`{id}~{hint}`, as `Matched` names it).
    pub const ADDRESS_MARK: char = '~';

    /// The room's Durable Object id: the address up to its mark, if it has
    /// one. Results, histories and replays name a room by this.
    pub fn object_id(&self) -> &str {
        self.0
            .split_once(Self::ADDRESS_MARK)
            .map_or(self.0.as_str(), |(id, _)| id)
    }

    /// Whether this looks like a Durable Object id (64 lowercase hex digits).
    pub fn is_well_formed(&self) -> bool {
        self.0.len() == 64
            && self
                .0
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of match a player asks for. Variants are only appended (the
/// index is on the wire). In JSON a mode is its variant name, as in the
/// first release's replays (`"Duel"`), and reads from its URL name too;
/// the HTTP bodies of `crate::api` write the URL name ([`Mode::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mode {
    /// Two tanks, one against one.
    #[serde(alias = "duel")]
    Duel,
    /// Free-for-all for three tanks.
    #[serde(alias = "ffa3")]
    Ffa3,
    /// Free-for-all for four tanks.
    #[serde(alias = "ffa4")]
    Ffa4,
    /// Connect Four, one against one. Protocol 2 and later only: a version 1
    /// client cannot name it (its `Mode` ends at `Ffa4`).
    #[serde(alias = "connect4")]
    ConnectFour,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 4] = [Mode::Duel, Mode::Ffa3, Mode::Ffa4, Mode::ConnectFour];

    /// How many players a match of this mode seats.
    pub fn players(self) -> usize {
        match self {
            Mode::Duel | Mode::ConnectFour => 2,
            Mode::Ffa3 => 3,
            Mode::Ffa4 => 4,
        }
    }

    /// The game a match of this mode plays.
    pub fn game(self) -> GameKind {
        match self {
            Mode::Duel | Mode::Ffa3 | Mode::Ffa4 => GameKind::Artillery,
            Mode::ConnectFour => GameKind::ConnectFour,
        }
    }

    /// The oldest protocol version that can ask for this mode.
    pub fn min_protocol(self) -> u16 {
        match self.game() {
            GameKind::Artillery => 1,
            GameKind::ConnectFour => 2,
        }
    }

    /// The name used in URLs (`?mode=duel`) and shard names.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Duel => "duel",
            Mode::Ffa3 => "ffa3",
            Mode::Ffa4 => "ffa4",
            Mode::ConnectFour => "connect4",
        }
    }

    /// Parses the name used in URLs.
    pub fn parse(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chartered_address_names_its_object_by_the_id_before_the_mark() {
        let id = "ab".repeat(32);
        assert_eq!(RoomId(format!("{id}~weur")).object_id(), id);
        assert_eq!(RoomId(format!("{id}~")).object_id(), id);
        assert_eq!(RoomId(id.clone()).object_id(), id);
    }

    #[test]
    fn room_id_shape_is_checked() {
        assert!(RoomId("ab".repeat(32)).is_well_formed());
        assert!(!RoomId("AB".repeat(32)).is_well_formed());
        assert!(!RoomId("ab".repeat(31)).is_well_formed());
        assert!(!RoomId("../etc/passwd".into()).is_well_formed());
    }

    #[test]
    fn mode_names_round_trip() {
        for mode in Mode::ALL {
            assert_eq!(Mode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(Mode::parse("chess"), None);
        assert_eq!(Mode::Duel.players(), 2);
        assert_eq!(Mode::Ffa4.players(), 4);
        assert_eq!(Mode::ConnectFour.players(), 2);
        assert_eq!(Mode::ConnectFour.game(), GameKind::ConnectFour);
        assert_eq!(Mode::Ffa3.game(), GameKind::Artillery);
        assert_eq!(Mode::ConnectFour.min_protocol(), 2);
    }
}
