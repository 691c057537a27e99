//! Connect Four, the second [`Game`]: small enough to read in one go, and
//! different enough from artillery (a board, no randomness, no seat ever
//! leaves before the end) to show the trait is not shaped around one game.
//! The server's room engine is tested with it. Its bot seats play with
//! [`ai`], a short negamax search.

pub mod ai;

use crate::game::{Game, Outcome, RuleError, SetupError, Viewer, check_seats, check_turn};
use crate::ids::Seat;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Columns on the board.
pub const COLUMNS: u8 = 7;
/// Rows on the board.
pub const ROWS: u8 = 6;
/// Timeouts in a row that lose the game.
const TIMEOUTS_TO_LOSE: u8 = 2;

/// Why a drop breaks the rules.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Illegal {
    /// There is no such column.
    #[error("column {0} does not exist")]
    NoSuchColumn(u8),
    /// The column is full.
    #[error("column {0} is full")]
    ColumnFull(u8),
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The game began; this seat moves first.
    Began {
        /// Who moves first.
        first: Seat,
    },
    /// A disc dropped into a column.
    Dropped {
        /// Whose disc.
        seat: Seat,
        /// Which column.
        column: u8,
    },
    /// A seat let its turn run out; the turn passes.
    TimedOut {
        /// Whose turn it was.
        seat: Seat,
    },
    /// The game ended.
    Over {
        /// How.
        outcome: Outcome,
    },
}

/// The board and whose turn it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectFour {
    /// Each column's discs from the bottom up, as seat numbers.
    pub columns: Vec<Vec<u8>>,
    /// Whose turn it is.
    pub current: Option<Seat>,
    /// Number of the current turn.
    pub turn: u32,
    /// Timeouts in a row, per seat.
    pub timeouts: [u8; 2],
    /// How it ended.
    pub outcome: Option<Outcome>,
}

impl Game for ConnectFour {
    type Config = ();
    type Move = u8;
    type Live = u8;
    type Event = Event;
    type View = ConnectFour;
    type Illegal = Illegal;

    const MIN_SEATS: u8 = 2;
    const MAX_SEATS: u8 = 2;

    fn new(_config: &(), _seed: u64, seats: u8) -> Result<Self, SetupError> {
        check_seats::<Self>(seats)?;
        Ok(ConnectFour {
            columns: vec![Vec::new(); usize::from(COLUMNS)],
            ..ConnectFour::default()
        })
    }

    fn begin(&mut self) -> Vec<Event> {
        if self.turn > 0 {
            return Vec::new();
        }
        self.record(vec![Event::Began { first: Seat(0) }])
    }

    fn to_move(&self) -> Option<Seat> {
        self.current
    }

    fn turn(&self) -> u32 {
        self.turn
    }

    fn play(&mut self, seat: Seat, column: &u8) -> Result<Vec<Event>, RuleError<Illegal>> {
        self.check_live(seat, column)?;
        let mut events = vec![Event::Dropped {
            seat,
            column: *column,
        }];
        let mut after = self.clone();
        Self::apply(
            &mut after,
            &Event::Dropped {
                seat,
                column: *column,
            },
        );
        if after.four_in_a_row(seat) {
            events.push(Event::Over {
                outcome: Outcome::Winner(seat),
            });
        } else if after.columns.iter().all(|c| c.len() >= usize::from(ROWS)) {
            events.push(Event::Over {
                outcome: Outcome::Draw,
            });
        }
        Ok(self.record(events))
    }

    fn check_move(&self, seat: Seat, column: &u8) -> Result<(), RuleError<Illegal>> {
        self.check_live(seat, column)
    }

    fn check_live(&self, seat: Seat, column: &u8) -> Result<(), RuleError<Illegal>> {
        check_turn(self.current, seat)?;
        match self.columns.get(usize::from(*column)) {
            None => Err(RuleError::Illegal(Illegal::NoSuchColumn(*column))),
            Some(discs) if discs.len() >= usize::from(ROWS) => {
                Err(RuleError::Illegal(Illegal::ColumnFull(*column)))
            }
            Some(_) => Ok(()),
        }
    }

    fn time_out(&mut self) -> Vec<Event> {
        let Some(seat) = self.current else {
            return Vec::new();
        };
        let mut events = vec![Event::TimedOut { seat }];
        let count = self.timeouts.get(seat.index()).copied().unwrap_or(0);
        if count + 1 >= TIMEOUTS_TO_LOSE {
            events.push(Event::Over {
                outcome: Outcome::Winner(other(seat)),
            });
        }
        self.record(events)
    }

    fn resign(&mut self, seat: Seat) -> Result<Vec<Event>, RuleError<Illegal>> {
        if self.current.is_none() {
            return Err(RuleError::NotInPlay);
        }
        if seat.0 > 1 {
            return Err(RuleError::NotPlaying(seat));
        }
        Ok(self.record(vec![Event::Over {
            outcome: Outcome::Winner(other(seat)),
        }]))
    }

    fn outcome(&self) -> Option<Outcome> {
        self.outcome
    }

    fn bot_move(&self, seat: Seat) -> Option<u8> {
        // A search a few plies deep: quick enough for the room's turn, and
        // deterministic, so a replay plays the bot's moves again.
        ai::choose_column(self, seat, ai::BEST_DEPTH)
    }

    fn view(&self, _viewer: Viewer) -> ConnectFour {
        self.clone()
    }

    fn apply(view: &mut ConnectFour, event: &Event) {
        match event {
            Event::Began { first } => {
                view.current = Some(*first);
                view.turn = 1;
            }
            Event::Dropped { seat, column } => {
                if let Some(discs) = view.columns.get_mut(usize::from(*column)) {
                    discs.push(seat.0);
                }
                if let Some(count) = view.timeouts.get_mut(seat.index()) {
                    *count = 0;
                }
                view.current = Some(other(*seat));
                view.turn += 1;
            }
            Event::TimedOut { seat } => {
                if let Some(count) = view.timeouts.get_mut(seat.index()) {
                    *count = count.saturating_add(1);
                }
                view.current = Some(other(*seat));
                view.turn += 1;
            }
            Event::Over { outcome } => {
                view.outcome = Some(*outcome);
                view.current = None;
            }
        }
    }
}

impl ConnectFour {
    fn record(&mut self, events: Vec<Event>) -> Vec<Event> {
        for event in &events {
            Self::apply(self, event);
        }
        events
    }

    fn disc(&self, column: i32, row: i32) -> Option<u8> {
        let column = usize::try_from(column).ok()?;
        let row = usize::try_from(row).ok()?;
        self.columns.get(column)?.get(row).copied()
    }

    fn four_in_a_row(&self, seat: Seat) -> bool {
        let directions = [(1, 0), (0, 1), (1, 1), (1, -1)];
        (0..i32::from(COLUMNS)).any(|c| {
            (0..i32::from(ROWS)).any(|r| {
                directions.iter().any(|&(dc, dr)| {
                    (0..4).all(|k| self.disc(c + dc * k, r + dr * k) == Some(seat.0))
                })
            })
        })
    }
}

fn other(seat: Seat) -> Seat {
    Seat(1 - seat.0.min(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started() -> ConnectFour {
        let mut game = ConnectFour::new(&(), 0, 2).unwrap();
        game.begin();
        game
    }

    #[test]
    fn a_game_begins_once_and_numbers_its_turns() {
        let mut game = ConnectFour::new(&(), 0, 2).unwrap();
        assert_eq!(game.turn(), 0);
        assert_eq!(game.begin(), vec![Event::Began { first: Seat(0) }]);
        assert_eq!(game.turn(), 1);
        assert!(game.begin().is_empty(), "a game begins once");
        game.play(Seat(0), &3).unwrap();
        assert_eq!(game.turn(), 2);
        game.time_out();
        assert_eq!(game.turn(), 3);
    }

    #[test]
    fn a_move_is_checked_as_it_would_be_played() {
        let mut game = started();
        for _ in 0..3 {
            game.play(Seat(0), &0).unwrap();
            game.play(Seat(1), &0).unwrap();
        }
        let before = game.clone();
        assert_eq!(
            game.check_move(Seat(0), &0),
            Err(RuleError::Illegal(Illegal::ColumnFull(0)))
        );
        assert_eq!(
            game.check_move(Seat(0), &7),
            Err(RuleError::Illegal(Illegal::NoSuchColumn(7)))
        );
        assert!(matches!(
            game.check_move(Seat(1), &1),
            Err(RuleError::NotYourTurn { .. })
        ));
        assert_eq!(game.check_move(Seat(0), &1), Ok(()));
        assert_eq!(game, before);
    }

    #[test]
    fn either_seat_may_resign_and_no_other() {
        for seat in [Seat(0), Seat(1)] {
            let mut game = started();
            assert_eq!(
                game.resign(seat),
                Ok(vec![Event::Over {
                    outcome: Outcome::Winner(other(seat))
                }])
            );
        }
        assert_eq!(
            started().resign(Seat(2)),
            Err(RuleError::NotPlaying(Seat(2)))
        );
    }

    #[test]
    fn a_vertical_four_wins() {
        let mut game = started();
        for _ in 0..3 {
            game.play(Seat(0), &3).unwrap();
            game.play(Seat(1), &4).unwrap();
        }
        let events = game.play(Seat(0), &3).unwrap();
        assert_eq!(
            events.last(),
            Some(&Event::Over {
                outcome: Outcome::Winner(Seat(0))
            })
        );
        assert_eq!(game.to_move(), None);
    }

    #[test]
    fn full_columns_and_strangers_are_refused() {
        let mut game = started();
        for i in 0..ROWS {
            game.play(Seat(i % 2), &0).unwrap();
        }
        assert_eq!(
            game.play(Seat(0), &0),
            Err(RuleError::Illegal(Illegal::ColumnFull(0)))
        );
        assert_eq!(
            game.play(Seat(0), &9),
            Err(RuleError::Illegal(Illegal::NoSuchColumn(9)))
        );
        assert!(matches!(
            game.play(Seat(1), &1),
            Err(RuleError::NotYourTurn { .. })
        ));
        assert_eq!(
            ConnectFour::new(&(), 0, 3),
            Err(SetupError::Seats {
                got: 3,
                min: 2,
                max: 2
            })
        );
    }

    #[test]
    fn timing_out_twice_loses() {
        let mut game = started();
        game.time_out();
        game.play(Seat(1), &2).unwrap();
        let events = game.time_out();
        assert_eq!(game.outcome(), Some(Outcome::Winner(Seat(1))), "{events:?}");
    }
}
