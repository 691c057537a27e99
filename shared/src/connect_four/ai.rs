//! Connect Four's AI: a negamax search with alpha-beta pruning, a few plies
//! deep, that the room uses for bot seats ([`Game::bot_move`]).
//!
//! It is deterministic (no RNG, no clock): the same position always gives
//! the same column, so a replayed game replays the bot too, and tests can
//! assert on its moves. Columns are tried centre first, because more fours
//! pass through the centre: good moves come first, alpha-beta cuts sooner,
//! and ties go to the centre.
//!
//! The search runs on a private bitboard rather than cloning [`ConnectFour`]
//! and calling [`Game::play`] at every node: `play` clones the board and
//! scans all 42 cells for a four, which a search visits thousands of times
//! per move, too slow in a debug build. The root's legal columns still come
//! from the rules ([`Game::check_live`]), so the answer is always a legal
//! move, and a test plays random games on both to check that they agree.
//!
//! Scores are from the point of view of the side to move. A win is worth
//! [`WIN`] less the plies it takes, so a sooner win beats a later one and a
//! later loss beats a sooner one; positions at the search horizon are scored
//! by [`evaluate`]: open lines of four, and discs in the centre column.

use super::{COLUMNS, ConnectFour, ROWS};
use crate::game::Game;
use crate::ids::Seat;

/// The depth [`Game::bot_move`] searches, in plies. Measured natively on one
/// core: at most 0.6 ms a move in release and 7 ms in a debug build; one
/// more ply costs about three times as much. Six plies see every trap a
/// casual player sets, and beat a random player every time.
pub const BEST_DEPTH: u8 = 6;

/// The column `seat` should play, searching `depth` plies ahead (a depth of
/// 0 is searched as 1: picking a column needs at least one ply). `None` when
/// it is not `seat`'s turn or no column is legal.
pub fn choose_column(state: &ConnectFour, seat: Seat, depth: u8) -> Option<u8> {
    if state.to_move() != Some(seat) {
        return None;
    }
    let root = Board::from_state(state, seat);
    let depth = depth.max(1);
    let mut best: Option<(i32, u8)> = None;
    for column in ORDER {
        if state.check_live(seat, &column).is_err() {
            continue;
        }
        let Some((child, won)) = root.play(column) else {
            continue;
        };
        let alpha = best.map_or(-INFINITY, |(score, _)| score);
        let score = if won {
            WIN - 1
        } else if child.full() {
            0
        } else {
            -negamax(child, depth - 1, -INFINITY, -alpha, 2)
        };
        // Strictly better only: an equal score keeps the more central column.
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, column));
        }
        if won {
            // Nothing scores higher than winning now.
            break;
        }
    }
    best.map(|(_, column)| column)
}

/// Columns in the order they are searched: the centre first, then outwards.
const ORDER: [u8; COLUMNS as usize] = [3, 2, 4, 1, 5, 0, 6];

/// What a win is worth, before subtracting the plies it takes. Far above
/// anything [`evaluate`] can return.
const WIN: i32 = 1_000_000;
/// Above every score, and safe to negate.
const INFINITY: i32 = WIN + 1;

/// Bits per column in the bitboard: one per row, and one always empty above
/// the top row, so that shifting a column's discs never spills into the
/// next column.
const HEIGHT: u32 = ROWS as u32 + 1;
/// The bit of `column`, `row`.
const fn cell(column: u32, row: u32) -> u64 {
    1 << (column * HEIGHT + row)
}
/// Every playable cell.
const FULL: u64 = {
    let mut full = 0;
    let mut column = 0;
    while column < COLUMNS as u32 {
        full |= ((1 << ROWS) - 1) << (column * HEIGHT);
        column += 1;
    }
    full
};
/// The centre column's cells.
const CENTRE: u64 = ((1 << ROWS) - 1) << ((COLUMNS as u32 / 2) * HEIGHT);
/// Number of lines of four on the board: 24 across, 21 up, 12 each diagonal.
const LINE_COUNT: usize = 69;
/// Every line of four, as a mask of its cells.
const LINES: [u64; LINE_COUNT] = lines();

#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of bounds fails the build, it cannot panic"
)]
const fn lines() -> [u64; LINE_COUNT] {
    let directions: [(i32, i32); 4] = [(1, 0), (0, 1), (1, 1), (1, -1)];
    let mut lines = [0; LINE_COUNT];
    let mut found = 0;
    let mut d = 0;
    while d < directions.len() {
        let (dc, dr) = directions[d];
        let mut column = 0;
        while column < COLUMNS as i32 {
            let mut row = 0;
            while row < ROWS as i32 {
                let (end_column, end_row) = (column + 3 * dc, row + 3 * dr);
                if end_column >= 0
                    && end_column < COLUMNS as i32
                    && end_row >= 0
                    && end_row < ROWS as i32
                {
                    let mut line = 0;
                    let mut k = 0;
                    while k < 4 {
                        line |= cell((column + k * dc) as u32, (row + k * dr) as u32);
                        k += 1;
                    }
                    lines[found] = line;
                    found += 1;
                }
                row += 1;
            }
            column += 1;
        }
        d += 1;
    }
    assert!(found == LINE_COUNT, "every line is found exactly once");
    lines
}

/// A position from the side to move's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Board {
    /// The side to move's discs.
    mine: u64,
    /// The other side's discs.
    theirs: u64,
}

impl Board {
    /// `state`'s discs, with `seat` to move. Anything past the board's size
    /// (which the rules never build) is left out.
    fn from_state(state: &ConnectFour, seat: Seat) -> Board {
        let mut board = Board { mine: 0, theirs: 0 };
        for (column, discs) in (0..COLUMNS).zip(&state.columns) {
            for (row, disc) in (0..ROWS).zip(discs) {
                let bit = cell(u32::from(column), u32::from(row));
                if *disc == seat.0 {
                    board.mine |= bit;
                } else {
                    board.theirs |= bit;
                }
            }
        }
        board
    }

    /// The side to move drops a disc in `column`: the position after it
    /// (from the other side's point of view), and whether that disc made
    /// four. `None` when the column is full or does not exist.
    fn play(self, column: u8) -> Option<(Board, bool)> {
        let shift = u32::from(column).checked_mul(HEIGHT)?;
        let bottom = 1u64.checked_shl(shift)?;
        let column_cells = ((1u64 << ROWS) - 1).checked_shl(shift)? & FULL;
        // Adding the column's bottom bit carries up through its discs to the
        // first empty cell; a full column carries into the empty bit above.
        let bit = ((self.mine | self.theirs) + bottom) & column_cells;
        if bit == 0 {
            return None;
        }
        let mover = self.mine | bit;
        let after = Board {
            mine: self.theirs,
            theirs: mover,
        };
        Some((after, four(mover)))
    }

    fn full(self) -> bool {
        self.mine | self.theirs == FULL
    }
}

/// Whether `discs` hold four in a row: for each direction, pairs of
/// neighbours, then pairs of pairs.
fn four(discs: u64) -> bool {
    [1, HEIGHT, HEIGHT - 1, HEIGHT + 1].into_iter().any(|step| {
        let pairs = discs & (discs >> step);
        pairs & (pairs >> (2 * step)) != 0
    })
}

/// The best score the side to move can reach from `board`, searching
/// `depth` plies; `ply` counts plies from the root, for the win bonus.
/// `board` is neither won nor full. Scores at or below `alpha`, or at or
/// above `beta`, are bounds, not exact.
fn negamax(board: Board, depth: u8, mut alpha: i32, beta: i32, ply: i32) -> i32 {
    if depth == 0 {
        return evaluate(board);
    }
    // A win now needs no search, and cuts the whole node.
    if ORDER
        .into_iter()
        .any(|column| board.play(column).is_some_and(|(_, won)| won))
    {
        return WIN - ply;
    }
    let mut best = None;
    for column in ORDER {
        let Some((child, _)) = board.play(column) else {
            continue;
        };
        let score = if child.full() {
            0
        } else {
            -negamax(child, depth - 1, -beta, -alpha, ply + 1)
        };
        let best_score = best.map_or(score, |b: i32| b.max(score));
        best = Some(best_score);
        alpha = alpha.max(best_score);
        if alpha >= beta {
            break;
        }
    }
    // A board that is not full has a playable column; were there none, the
    // game would be a draw.
    best.unwrap_or(0)
}

/// A guess at a position the search stops at, for the side to move: every
/// line of four that one side has two or three discs in and the other none
/// is a chance for the first, and discs in the centre column count because
/// they are in the most lines.
fn evaluate(board: Board) -> i32 {
    let open = |own: u64, other: u64| -> i32 {
        LINES
            .iter()
            .filter(|line| *line & other == 0)
            .map(|line| match (*line & own).count_ones() {
                3 => 5,
                2 => 2,
                _ => 0,
            })
            .sum()
    };
    let centre = |discs: u64| 3 * (discs & CENTRE).count_ones() as i32;
    open(board.mine, board.theirs) - open(board.theirs, board.mine) + centre(board.mine)
        - centre(board.theirs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Outcome;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn started() -> ConnectFour {
        let mut game = ConnectFour::new(&(), 0, 2).unwrap();
        game.begin();
        game
    }

    /// A game after these drops, seats taking turns from seat 0.
    fn after(columns: &[u8]) -> ConnectFour {
        let mut game = started();
        for (i, column) in columns.iter().enumerate() {
            game.play(Seat((i % 2) as u8), column).unwrap();
        }
        game
    }

    fn legal(game: &ConnectFour, seat: Seat) -> Vec<u8> {
        (0..COLUMNS)
            .filter(|column| game.check_live(seat, column).is_ok())
            .collect()
    }

    fn random_column(game: &ConnectFour, seat: Seat, rng: &mut ChaCha8Rng) -> u8 {
        let legal = legal(game, seat);
        legal[rng.random_range(0..legal.len())]
    }

    #[test]
    fn it_takes_a_win_rather_than_block() {
        // Seat 0 has 3, 4 and 5 along the bottom; seat 1 has three up column 0.
        let game = after(&[3, 0, 4, 0, 5, 0]);
        for depth in 0..=BEST_DEPTH {
            // 2 and 6 both win; 2 is nearer the centre.
            assert_eq!(choose_column(&game, Seat(0), depth), Some(2), "{depth}");
        }
    }

    #[test]
    fn it_blocks_an_immediate_win() {
        // Seat 1 has three up column 1; seat 0 has nothing that wins now.
        let game = after(&[6, 1, 5, 1, 0, 1]);
        // Seeing the threat takes two plies: the move and the reply.
        for depth in 2..=BEST_DEPTH {
            assert_eq!(choose_column(&game, Seat(0), depth), Some(1), "{depth}");
        }
    }

    #[test]
    fn depth_zero_still_plays_a_legal_column() {
        let game = started();
        let column = choose_column(&game, Seat(0), 0).unwrap();
        assert!(game.check_live(Seat(0), &column).is_ok());
        // With the centre full, it picks another column.
        let game = after(&[3, 3, 3, 3, 3, 3]);
        let column = choose_column(&game, Seat(0), 0).unwrap();
        assert_ne!(column, 3);
        assert!(game.check_live(Seat(0), &column).is_ok());
    }

    #[test]
    fn it_does_not_move_out_of_turn_or_after_the_end() {
        let game = started();
        assert_eq!(choose_column(&game, Seat(1), BEST_DEPTH), None);
        assert_eq!(choose_column(&game, Seat(2), BEST_DEPTH), None);
        let over = after(&[3, 4, 3, 4, 3, 4, 3]);
        assert_eq!(over.outcome(), Some(Outcome::Winner(Seat(0))));
        assert_eq!(choose_column(&over, Seat(1), BEST_DEPTH), None);
        let unstarted = ConnectFour::new(&(), 0, 2).unwrap();
        assert_eq!(choose_column(&unstarted, Seat(0), BEST_DEPTH), None);
    }

    #[test]
    fn a_sooner_win_scores_higher_than_a_later_one() {
        // Seat 0 to move, with 3, 4 and 5 along the bottom and 2 and 6 open.
        // Column 3 (first in centre order) also wins, two plies later, as
        // the double threat stays: every depth must take the win now.
        let game = after(&[3, 3, 4, 4, 5, 0]);
        for depth in 1..=BEST_DEPTH {
            let column = choose_column(&game, Seat(0), depth).unwrap();
            let mut next = game.clone();
            let events = next.play(Seat(0), &column).unwrap();
            assert_eq!(next.outcome(), Some(Outcome::Winner(Seat(0))), "{events:?}");
        }
    }

    #[test]
    fn the_bitboard_agrees_with_the_rules() {
        for seed in 0..50 {
            let mut game = started();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            while let Some(seat) = game.to_move() {
                let board = Board::from_state(&game, seat);
                for column in 0..COLUMNS + 2 {
                    assert_eq!(
                        board.play(column).is_some(),
                        game.check_live(seat, &column).is_ok(),
                        "seed {seed}, column {column}"
                    );
                }
                let column = random_column(&game, seat, &mut rng);
                let (after, won) = board.play(column).unwrap();
                game.play(seat, &column).unwrap();
                assert_eq!(won, game.outcome() == Some(Outcome::Winner(seat)));
                assert_eq!(
                    after.full() && !won,
                    game.outcome() == Some(Outcome::Draw),
                    "seed {seed}"
                );
                if game.outcome().is_none() {
                    assert_eq!(after, Board::from_state(&game, Seat(1 - seat.0)));
                }
            }
        }
    }

    #[test]
    fn the_ai_beats_a_random_player_in_at_least_nine_of_ten_games() {
        let mut wins = 0;
        for game_number in 0..10u64 {
            let mut game = started();
            let ai = Seat((game_number % 2) as u8);
            let mut rng = ChaCha8Rng::seed_from_u64(game_number);
            while let Some(seat) = game.to_move() {
                let column = if seat == ai {
                    game.bot_move(seat).expect("the AI always has a move")
                } else {
                    random_column(&game, seat, &mut rng)
                };
                game.play(seat, &column).expect("every move is legal");
            }
            if game.outcome() == Some(Outcome::Winner(ai)) {
                wins += 1;
            }
        }
        assert!(wins >= 9, "the AI won only {wins} of 10");
    }
}
