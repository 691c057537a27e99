//! A room's action log, and replaying it with the rules.
//!
//! A room appends every action that changed its game (the start, each move,
//! each timeout, each resignation) to a log in its storage, before it tells
//! anyone. `GET /api/rooms/{id}/replay` returns that log with the seed and
//! the roster as a [`Replay`], and [`Replay::run`] plays it again with the
//! same rules: the same seed and actions give the same events and the same
//! final state, bit for bit.

use crate::game::{Game, RuleError, SetupError};
use crate::ids::{Mode, Seat};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Something that changed a game.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum Action<G: Game> {
    /// The game began.
    Begin,
    /// A seat moved.
    Move {
        /// Who.
        seat: Seat,
        /// The move.
        mv: G::Move,
    },
    /// The seat to move let its turn run out.
    TimeOut,
    /// A seat gave up.
    Resign {
        /// Who.
        seat: Seat,
    },
}

/// One entry of the action log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct LoggedAction<G: Game> {
    /// Position in the log, from 1.
    pub number: u64,
    /// When the room took it, in ms since the Unix epoch.
    pub at_ms: u64,
    /// What it was.
    pub action: Action<G>,
}

/// Everything needed to play a match again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Replay<G: Game> {
    /// The mode the match was played in.
    pub mode: Mode,
    /// The game's settings.
    pub config: G::Config,
    /// The seed the game grew from.
    pub seed: u64,
    /// The players' names, in seat order.
    pub names: Vec<String>,
    /// The action log, in order.
    pub actions: Vec<LoggedAction<G>>,
    /// The game's secret ([`Game::with_secret`]), given once the game is
    /// over; absent while it is on, and for games that keep none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<u64>,
}

/// Why a replay could not be played.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ReplayError<E: std::error::Error + 'static> {
    /// The roster does not fit the game.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// An action the rules refuse: the log is not from these rules.
    #[error("action {number} is refused by the rules: {error}")]
    Refused {
        /// The action's number.
        number: u64,
        /// Why.
        error: RuleError<E>,
    },
}

/// A replayed game: the final state and every event, in order.
pub type Replayed<G> = (G, Vec<<G as Game>::Event>);

impl<G: Game> Replay<G> {
    /// Plays the log again.
    pub fn run(&self) -> Result<Replayed<G>, ReplayError<G::Illegal>> {
        let seats = u8::try_from(self.names.len()).unwrap_or(u8::MAX);
        let mut game = G::new(&self.config, self.seed, seats)?;
        if let Some(secret) = self.secret {
            game = game.with_secret(secret);
        }
        let mut events = Vec::new();
        for logged in &self.actions {
            let refused = |error| ReplayError::Refused {
                number: logged.number,
                error,
            };
            let new = match &logged.action {
                Action::Begin => game.begin(),
                Action::Move { seat, mv } => game.play(*seat, mv).map_err(refused)?,
                Action::TimeOut => game.time_out(),
                Action::Resign { seat } => game.resign(*seat).map_err(refused)?,
            };
            events.extend(new);
        }
        Ok((game, events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect_four::ConnectFour;

    fn logged(number: u64, action: Action<ConnectFour>) -> LoggedAction<ConnectFour> {
        LoggedAction {
            number,
            at_ms: number * 1_000,
            action,
        }
    }

    fn duel(actions: Vec<LoggedAction<ConnectFour>>) -> Replay<ConnectFour> {
        Replay {
            mode: Mode::Duel,
            config: (),
            seed: 1,
            names: vec!["a".into(), "b".into()],
            actions,
            secret: None,
        }
    }

    #[test]
    fn a_log_replays_to_the_same_game() {
        let replay = duel(vec![
            logged(1, Action::Begin),
            logged(
                2,
                Action::Move {
                    seat: Seat(0),
                    mv: 3,
                },
            ),
            logged(3, Action::TimeOut),
            logged(4, Action::Resign { seat: Seat(0) }),
        ]);
        let (game, events) = replay.run().unwrap();
        assert_eq!(events.len(), 4);
        assert_eq!(game.columns[3], vec![0]);
        assert_eq!(
            game.outcome(),
            Some(crate::Outcome::Winner(Seat(1))),
            "{events:?}"
        );
    }

    #[test]
    fn a_log_the_rules_refuse_is_an_error() {
        let replay = duel(vec![
            logged(1, Action::Begin),
            logged(
                2,
                Action::Move {
                    seat: Seat(1),
                    mv: 3,
                },
            ),
        ]);
        assert!(matches!(
            replay.run(),
            Err(ReplayError::Refused { number: 2, .. })
        ));
    }
}
