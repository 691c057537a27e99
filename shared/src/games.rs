//! The one table of the games Volley hosts.
//!
//! Every game implements [`Game`](crate::game::Game) in its own module and
//! gets a [`GameKind`] here; a [`Mode`](crate::ids::Mode) names the kind it
//! plays. Code that must pick a concrete game type at run time (the server's
//! room, the client's session) matches on `GameKind`, so adding a game is a
//! new variant here and the compiler lists every place that must learn it
//! (`docs/GAMES.md` walks through the steps).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which game a room plays. Variants are only appended (the index is on the
/// wire and in stored room records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GameKind {
    /// [`crate::artillery::Artillery`]: 2 to 4 tanks on a seeded terrain.
    #[serde(rename = "artillery")]
    Artillery,
    /// [`crate::connect_four::ConnectFour`]: two players, a 7 × 6 board.
    #[serde(rename = "connect4")]
    ConnectFour,
}

impl GameKind {
    /// Every game.
    pub const ALL: [GameKind; 2] = [GameKind::Artillery, GameKind::ConnectFour];

    /// The name used in JSON bodies and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            GameKind::Artillery => "artillery",
            GameKind::ConnectFour => "connect4",
        }
    }

    /// Parses the name used in JSON bodies and URLs.
    pub fn parse(name: &str) -> Option<GameKind> {
        GameKind::ALL.into_iter().find(|g| g.as_str() == name)
    }
}

impl fmt::Display for GameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for game in GameKind::ALL {
            assert_eq!(GameKind::parse(game.as_str()), Some(game));
            assert_eq!(game.to_string(), game.as_str());
        }
        assert_eq!(GameKind::parse("chess"), None);
    }
}
