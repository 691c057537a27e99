//! The [`Game`] trait: what the room engine needs from a turn-based game.
//!
//! The room (in the `server` crate) seats players, numbers and stores events,
//! runs the turn clock and talks to sockets. Everything about the game itself
//! sits behind this trait, so the room never learns it is running an
//! artillery duel: [`crate::artillery::Artillery`] implements it, and so does
//! [`crate::connect_four::ConnectFour`], a second, tiny game that keeps the
//! trait honest.
//!
//! A game is event-sourced. [`Game::play`], [`Game::time_out`],
//! [`Game::resign`] and [`Game::begin`] decide what happens and return it as
//! events; [`Game::apply`] is the only code that changes a view with an
//! event. The server sends the events, a client applies them to the view it
//! was welcomed with, and the two stay equal without the client re-running
//! any rule.

use crate::ids::Seat;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::fmt::Debug;
use thiserror::Error;

/// Bounds every type that travels in a frame or sits in storage.
pub trait Wire: Clone + Debug + PartialEq + Serialize + DeserializeOwned + 'static {}

impl<T: Clone + Debug + PartialEq + Serialize + DeserializeOwned + 'static> Wire for T {}

/// A turn-based game for 2 or more seats.
///
/// Implementations are deterministic: the same config, seed and sequence of
/// calls give the same states and events, bit for bit, on every platform.
/// They read no clock and draw no outside randomness.
pub trait Game: Wire {
    /// Settings a mode chooses, fixed for the whole game.
    type Config: Wire + Default;
    /// A move a seat makes on its turn.
    type Move: Wire;
    /// A seat's live, unpersisted intention while it thinks (an aim being
    /// lined up, a column hovered), relayed to the other connections.
    type Live: Wire;
    /// Something that happened. Events are numbered, stored and replayed.
    type Event: Wire;
    /// What one viewer may see of the state: the snapshot in a welcome.
    type View: Wire;
    /// Why a move breaks this game's rules (beyond turn order and the game
    /// being over, which [`RuleError`] covers for every game).
    type Illegal: std::error::Error + Clone + PartialEq + 'static;

    /// The fewest seats a game can have.
    const MIN_SEATS: u8;
    /// The most seats a game can have.
    const MAX_SEATS: u8;

    /// A new game for `seats` players, grown from `seed`. Nobody may move
    /// until [`Game::begin`].
    fn new(config: &Self::Config, seed: u64, seats: u8) -> Result<Self, SetupError>;

    /// Every seat is present: the game begins. Returns the events that
    /// announce it (at least one, so that clients learn the game is on).
    fn begin(&mut self) -> Vec<Self::Event>;

    /// Whose turn it is; `None` before [`Game::begin`] and after the end.
    fn to_move(&self) -> Option<Seat>;

    /// The current turn's number. It changes exactly when a new turn starts,
    /// which is when the room restarts the turn clock.
    fn turn(&self) -> u32;

    /// `seat` makes a move. A refused move changes nothing.
    fn play(
        &mut self,
        seat: Seat,
        mv: &Self::Move,
    ) -> Result<Vec<Self::Event>, RuleError<Self::Illegal>>;

    /// Checks, without playing it, whether `seat` may make `mv` now: the
    /// same verdict [`Game::play`] would give. Clients use it to refuse a
    /// move before sending it.
    fn check_move(&self, seat: Seat, mv: &Self::Move) -> Result<(), RuleError<Self::Illegal>>;

    /// Checks a live intention from `seat` before it is relayed.
    fn check_live(&self, seat: Seat, live: &Self::Live) -> Result<(), RuleError<Self::Illegal>>;

    /// The seat to move let its turn run out. Returns no events when nobody
    /// is to move.
    fn time_out(&mut self) -> Vec<Self::Event>;

    /// `seat` gives up. Allowed at any time while the game is on.
    fn resign(&mut self, seat: Seat) -> Result<Vec<Self::Event>, RuleError<Self::Illegal>>;

    /// How the game ended, once it has.
    fn outcome(&self) -> Option<Outcome>;

    /// The move a server-side bot makes for `seat` now, when it is `seat`'s
    /// turn (the room plays bot seats itself, with the same AI the headless
    /// bots use). `None` when the bot has nothing legal to do.
    fn bot_move(&self, seat: Seat) -> Option<Self::Move>;

    /// What `viewer` may see now.
    fn view(&self, viewer: Viewer) -> Self::View;

    /// Draws the game's future chance (artillery's wind) from `secret`
    /// instead of the seed, which views show (artillery's terrain grows
    /// from it): no viewer can then tell the chance to come. The room gives
    /// a new game a random secret; a replay carries it once the game is
    /// over. A game with no chance keeps this default, which changes
    /// nothing.
    fn with_secret(self, secret: u64) -> Self
    where
        Self: Sized,
    {
        let _ = secret;
        self
    }

    /// The secret [`Game::with_secret`] gave, if the game keeps one.
    fn secret(&self) -> Option<u64> {
        None
    }

    /// Changes a view by one event. The server's own state changes through
    /// the same function, so a client that applies every event in order has
    /// exactly the view the server would give it.
    fn apply(view: &mut Self::View, event: &Self::Event);
}

/// Who is looking at a game.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Viewer {
    /// The player in this seat.
    Player(Seat),
    /// Someone watching, who may not act.
    Spectator,
}

/// How a game ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// This seat won.
    Winner(Seat),
    /// Nobody won.
    Draw,
}

/// Why a move was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RuleError<E: std::error::Error + 'static> {
    /// The game is over, or has not begun.
    #[error("the game is not in play")]
    NotInPlay,
    /// Somebody else is to move.
    #[error("it is {expected}'s turn, not {got}'s")]
    NotYourTurn {
        /// Whose turn it is.
        expected: Seat,
        /// Who tried to move.
        got: Seat,
    },
    /// The seat is not in this game, or is out of it.
    #[error("{0} is not playing")]
    NotPlaying(Seat),
    /// The move breaks this game's rules.
    #[error(transparent)]
    Illegal(E),
}

/// Why a game could not be set up.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SetupError {
    /// The game does not support this number of seats.
    #[error("{got} seats asked for; this game takes {min} to {max}")]
    Seats {
        /// Seats asked for.
        got: u8,
        /// The fewest allowed.
        min: u8,
        /// The most allowed.
        max: u8,
    },
}

/// Checks that `seat` may move when `current` is to move (`None`: nobody,
/// the game is not in play).
pub fn check_turn<E: std::error::Error>(
    current: Option<Seat>,
    seat: Seat,
) -> Result<(), RuleError<E>> {
    let current = current.ok_or(RuleError::NotInPlay)?;
    if seat == current {
        Ok(())
    } else {
        Err(RuleError::NotYourTurn {
            expected: current,
            got: seat,
        })
    }
}

/// Checks a seat count against a game's bounds.
pub fn check_seats<G: Game>(seats: u8) -> Result<(), SetupError> {
    if (G::MIN_SEATS..=G::MAX_SEATS).contains(&seats) {
        Ok(())
    } else {
        Err(SetupError::Seats {
            got: seats,
            min: G::MIN_SEATS,
            max: G::MAX_SEATS,
        })
    }
}
