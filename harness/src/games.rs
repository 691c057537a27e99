//! What the harness needs from a game beyond what a client knows: a cheap
//! legal move (the shared AI searches for milliseconds; the harness plays
//! thousands of matches a second), and how its room is stored.

use rand::{Rng, RngExt};
use volley_client::game::ClientGame;
use volley_server::room::any::AnyRoom;
use volley_server::room::engine::Room;
use volley_shared::artillery::{Aim, Artillery, Fire, MAX_ANGLE, MAX_POWER, Weapon};
use volley_shared::connect_four::{COLUMNS, ConnectFour};
use volley_shared::{Game, GameKind, Seat};

/// A game the harness can host and play.
pub trait SimGame: ClientGame {
    /// Which game it is.
    const KIND: GameKind;

    /// A move `seat` may make now, drawn from `rng`; `None` when it may not
    /// move.
    fn any_move(&self, seat: Seat, rng: &mut impl Rng) -> Option<Self::Move>;

    /// The room as the stored record holds it.
    fn into_any(room: Room<Self>) -> AnyRoom;

    /// The room back from a stored record, if it is of this game.
    fn from_any(room: AnyRoom) -> Option<Room<Self>>;
}

/// Tries random candidates until the rules take one.
fn first_legal<G: Game>(
    game: &G,
    seat: Seat,
    mut candidate: impl FnMut() -> G::Move,
) -> Option<G::Move> {
    if game.to_move() != Some(seat) {
        return None;
    }
    (0..64)
        .map(|_| candidate())
        .find(|mv| game.check_move(seat, mv).is_ok())
}

impl SimGame for Artillery {
    const KIND: GameKind = GameKind::Artillery;

    fn any_move(&self, seat: Seat, rng: &mut impl Rng) -> Option<Fire> {
        first_legal(self, seat, || Fire {
            aim: Aim {
                angle_deg: rng.random_range(0..=MAX_ANGLE),
                power: rng.random_range(20..=MAX_POWER),
            },
            weapon: if rng.random_bool(0.2) {
                Weapon::Heavy
            } else {
                Weapon::Shell
            },
        })
    }

    fn into_any(room: Room<Self>) -> AnyRoom {
        AnyRoom::Artillery(room)
    }

    fn from_any(room: AnyRoom) -> Option<Room<Self>> {
        match room {
            AnyRoom::Artillery(room) => Some(room),
            AnyRoom::ConnectFour(_) => None,
        }
    }
}

impl SimGame for ConnectFour {
    const KIND: GameKind = GameKind::ConnectFour;

    fn any_move(&self, seat: Seat, rng: &mut impl Rng) -> Option<u8> {
        first_legal(self, seat, || rng.random_range(0..COLUMNS))
    }

    fn into_any(room: Room<Self>) -> AnyRoom {
        AnyRoom::ConnectFour(room)
    }

    fn from_any(room: AnyRoom) -> Option<Room<Self>> {
        match room {
            AnyRoom::ConnectFour(room) => Some(room),
            AnyRoom::Artillery(_) => None,
        }
    }
}
