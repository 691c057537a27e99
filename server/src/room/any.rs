//! A room of whichever game its mode plays: the one place the server turns
//! a [`GameKind`] into a concrete [`Game`] type.
//!
//! [`AnyRoom`] holds a `Room<G>` for each game; its methods run the same
//! engine call on whichever room it holds and hand back [`AnyEffects`],
//! which the Durable Object carries out with one generic function. Adding a
//! game adds a variant to each enum and an arm to [`dispatch!`]'s users.

use super::effects::{Effect, Timer};
use super::engine::{Phase, Room};
use super::inbound::{self, Caller};
use super::refusals::Denied;
use crate::flood::FloodGuard;
use crate::internal::{AnySetup, SeatSetup};
use crate::token::Grant;
use serde::{Deserialize, Serialize};
use volley_shared::artillery::Artillery;
use volley_shared::connect_four::ConnectFour;
use volley_shared::game::SetupError;
use volley_shared::{Game, GameKind, Mode, PlayerId, Seat};

/// A room, of either game. (Variants are only appended: the index is in
/// stored room records.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AnyRoom {
    /// An artillery room.
    Artillery(Room<Artillery>),
    /// A Connect Four room.
    ConnectFour(Room<ConnectFour>),
}

/// What a room asked for, in its own game's types.
#[derive(Debug)]
pub enum AnyEffects {
    /// From an artillery room.
    Artillery(Vec<Effect<Artillery>>),
    /// From a Connect Four room.
    ConnectFour(Vec<Effect<ConnectFour>>),
}

/// Runs `$body` with `$room` bound to the `Room<G>` inside `$any`, wrapping
/// the effects it returns in the matching [`AnyEffects`] variant.
macro_rules! dispatch {
    ($any:expr, $room:ident => $body:expr) => {
        match $any {
            AnyRoom::Artillery($room) => AnyEffects::Artillery($body),
            AnyRoom::ConnectFour($room) => AnyEffects::ConnectFour($body),
        }
    };
}

/// Reads a field through whichever room `$any` holds.
macro_rules! read {
    ($any:expr, $room:ident => $body:expr) => {
        match $any {
            AnyRoom::Artillery($room) => $body,
            AnyRoom::ConnectFour($room) => $body,
        }
    };
}

impl AnyRoom {
    /// A new room for `setup`, waiting for its players; with a `secret`,
    /// its game draws its chance from it ([`Room::with_secret`]).
    pub fn new(
        setup: AnySetup,
        secret: Option<u64>,
        now_ms: u64,
    ) -> Result<(AnyRoom, AnyEffects), SetupError> {
        fn keep<G: Game>(room: Room<G>, secret: Option<u64>) -> Room<G> {
            match secret {
                Some(secret) => room.with_secret(secret),
                None => room,
            }
        }
        Ok(match setup {
            AnySetup::Artillery(setup) => {
                let (room, effects) = Room::new(setup, now_ms)?;
                (
                    AnyRoom::Artillery(keep(room, secret)),
                    AnyEffects::Artillery(effects),
                )
            }
            AnySetup::ConnectFour(setup) => {
                let (room, effects) = Room::new(setup, now_ms)?;
                (
                    AnyRoom::ConnectFour(keep(room, secret)),
                    AnyEffects::ConnectFour(effects),
                )
            }
        })
    }

    /// Bytes from a socket ([`inbound::receive`]).
    pub fn receive(
        &mut self,
        now_ms: u64,
        caller: Caller,
        bytes: &[u8],
        guard: &mut FloodGuard,
        verify: impl FnOnce(&str) -> Result<Grant, Denied>,
    ) -> AnyEffects {
        dispatch!(self, room => inbound::receive(room, now_ms, caller, bytes, guard, verify))
    }

    /// A timer fell due ([`Room::on_timer`]).
    pub fn on_timer(&mut self, now_ms: u64, timer: Timer) -> AnyEffects {
        dispatch!(self, room => room.on_timer(now_ms, timer))
    }

    /// A private room's seat goes to a friend ([`Room::claim`]).
    pub fn claim(&mut self, seat: Seat, player: PlayerId, name: String) -> Option<AnyEffects> {
        match self {
            AnyRoom::Artillery(room) => room.claim(seat, player, name).map(AnyEffects::Artillery),
            AnyRoom::ConnectFour(room) => {
                room.claim(seat, player, name).map(AnyEffects::ConnectFour)
            }
        }
    }

    /// The game this room plays.
    pub fn game_kind(&self) -> GameKind {
        match self {
            AnyRoom::Artillery(_) => GameKind::Artillery,
            AnyRoom::ConnectFour(_) => GameKind::ConnectFour,
        }
    }

    /// The mode it was made for.
    pub fn mode(&self) -> Mode {
        read!(self, room => room.setup().mode)
    }

    /// Its seats, in seat order.
    pub fn seats(&self) -> &[SeatSetup] {
        read!(self, room => &room.setup().seats)
    }

    /// Where it is in its life.
    pub fn phase(&self) -> &Phase {
        read!(self, room => room.phase())
    }

    /// The last event's sequence number.
    pub fn seq(&self) -> u64 {
        read!(self, room => room.seq())
    }

    /// The game's turn number.
    pub fn turn(&self) -> u32 {
        read!(self, room => room.game().turn())
    }
}
