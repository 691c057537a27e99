//! Ratings after a game, as pure logic around the `skillratings` crate.
//!
//! Volley uses Elo on the usual 1500 scale (the scale the matchmaking window
//! is in). A game of several players is scored as every pair of them: the
//! winner beats each other player, and the others draw among themselves (a
//! draw is a draw for every pair). Each pair's change is scaled by
//! `1 / (players - 1)`, so a free-for-all moves a rating about as much as a
//! duel. Bots are not rated and are left out before this is called
//! ([`who_is_rated`]).

use crate::internal::SeatSetup;
use skillratings::Outcomes;
use skillratings::elo::{EloConfig, EloRating, elo};
use volley_shared::{Outcome, PlayerId};

/// How much one duel can move a rating.
pub const K: f64 = 32.0;

/// Who a result counts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
    /// The seats (indices) of the people in the game, each player once:
    /// their game count and match history get the game.
    pub people: Vec<usize>,
    /// Whether their ratings change.
    pub rated: bool,
}

/// Who a result counts for: the people in it (not bots, nor seats nobody
/// took, which the room reports as bots), each player once. Ratings change
/// only when at least two people played, no player held two seats, and
/// the match was made from two or more tickets (`from_tickets`; a party that
/// fills a whole room plays an unrated game).
pub fn who_is_rated(seats: &[SeatSetup], from_tickets: usize) -> Counted {
    let mut people = Vec::new();
    let mut players = Vec::new();
    let mut doubled = false;
    for (index, seat) in seats.iter().enumerate().filter(|(_, s)| !s.bot) {
        if players.contains(&seat.player) {
            doubled = true;
        } else {
            players.push(seat.player);
            people.push(index);
        }
    }
    let rated = people.len() >= 2 && !doubled && from_tickets >= 2;
    Counted { people, rated }
}

/// One person's line after a game.
#[derive(Clone, Debug, PartialEq)]
pub struct Settled {
    /// Who.
    pub player: PlayerId,
    /// The name they played under.
    pub name: String,
    /// `"win"`, `"loss"` or `"draw"`, as match history says it.
    pub result: &'static str,
    /// Their rating after the game (as before, when it was not rated).
    pub rating: f64,
}

/// Each person's line after a game with `seats` made from `from_tickets`
/// tickets that ended in `outcome`, their ratings before read with
/// `rating_of` ([`who_is_rated`] says whose counts and whether ratings
/// change). When a bot won, no person did: the people drew among
/// themselves.
pub fn settle<E>(
    seats: &[SeatSetup],
    from_tickets: usize,
    outcome: Outcome,
    mut rating_of: impl FnMut(PlayerId) -> Result<f64, E>,
) -> Result<Vec<Settled>, E> {
    let counted = who_is_rated(seats, from_tickets);
    let people: Vec<(usize, &SeatSetup)> = counted
        .people
        .iter()
        .filter_map(|&i| Some((i, seats.get(i)?)))
        .collect();
    let before = people
        .iter()
        .map(|(_, seat)| rating_of(seat.player))
        .collect::<Result<Vec<f64>, E>>()?;
    let winner = match outcome {
        Outcome::Winner(seat) => people.iter().position(|(i, _)| *i == seat.index()),
        Outcome::Draw => None,
    };
    let after = if counted.rated {
        rate(&before, winner)
    } else {
        before
    };
    Ok(people
        .iter()
        .zip(after)
        .map(|((index, seat), rating)| Settled {
            player: seat.player,
            name: seat.name.clone(),
            result: match outcome {
                Outcome::Winner(w) if w.index() == *index => "win",
                Outcome::Winner(_) => "loss",
                Outcome::Draw => "draw",
            },
            rating,
        })
        .collect())
}

/// The new ratings of `ratings` (in seat order) after a game that `winner`
/// (an index into `ratings`) won, or that was drawn (`None`).
pub fn rate(ratings: &[f64], winner: Option<usize>) -> Vec<f64> {
    let n = ratings.len();
    if n < 2 {
        return ratings.to_vec();
    }
    let config = EloConfig {
        k: K / (n - 1) as f64,
    };
    let mut deltas = vec![0.0; n];
    for i in 0..n {
        for j in i + 1..n {
            let outcome = match winner {
                Some(w) if w == i => Outcomes::WIN,
                Some(w) if w == j => Outcomes::LOSS,
                _ => Outcomes::DRAW,
            };
            let (Some(&ri), Some(&rj)) = (ratings.get(i), ratings.get(j)) else {
                continue;
            };
            let (new_i, new_j) = elo(
                &EloRating { rating: ri },
                &EloRating { rating: rj },
                &outcome,
                &config,
            );
            if let Some(d) = deltas.get_mut(i) {
                *d += new_i.rating - ri;
            }
            if let Some(d) = deltas.get_mut(j) {
                *d += new_j.rating - rj;
            }
        }
    }
    ratings.iter().zip(deltas).map(|(r, d)| r + d).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use volley_shared::Seat;

    #[test]
    fn settling_rates_the_people_and_says_who_won() {
        let seats = [seat(1, false), seat(2, true), seat(3, false)];
        let at_1500 = |_| Ok::<_, Infallible>(1500.0);
        let Ok(lines) = settle(&seats, 2, Outcome::Winner(Seat(2)), at_1500);
        let lines: Vec<(u64, &str, f64)> = lines
            .iter()
            .map(|l| (l.player.0, l.result, l.rating))
            .collect();
        assert_eq!(lines, [(1, "loss", 1484.0), (3, "win", 1516.0)]);

        // A bot won: the people drew, and equal ratings stay equal.
        let Ok(lines) = settle(&seats, 2, Outcome::Winner(Seat(1)), at_1500);
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.result, l.rating))
                .collect::<Vec<_>>(),
            [("loss", 1500.0), ("loss", 1500.0)]
        );
    }

    #[test]
    fn settling_an_unrated_game_keeps_ratings_and_passes_errors_on() {
        let seats = [seat(1, false), seat(3, false)];
        let Ok(lines) = settle(&seats, 1, Outcome::Draw, |p| {
            Ok::<_, Infallible>(p.0 as f64)
        });
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.result, l.rating))
                .collect::<Vec<_>>(),
            [("draw", 1.0), ("draw", 3.0)]
        );
        assert_eq!(
            settle(&seats, 2, Outcome::Draw, |_| Err("no table")),
            Err("no table")
        );
    }

    fn seat(player: u64, bot: bool) -> SeatSetup {
        SeatSetup {
            player: PlayerId(player),
            name: format!("p{player}"),
            bot,
        }
    }

    #[test]
    fn only_people_in_matches_of_two_tickets_are_rated() {
        let duel = [seat(1, false), seat(2, false)];
        assert_eq!(
            who_is_rated(&duel, 2),
            Counted {
                people: vec![0, 1],
                rated: true
            }
        );
        // A party of two that filled the duel: counted, not rated.
        assert_eq!(
            who_is_rated(&duel, 1),
            Counted {
                people: vec![0, 1],
                rated: false
            }
        );
        // A seat nobody took (reported as a bot): one person, not rated.
        let empty_chair = [seat(1, false), seat(2, true)];
        assert_eq!(
            who_is_rated(&empty_chair, 2),
            Counted {
                people: vec![0],
                rated: false
            }
        );
        // One player in two seats: counted once, nobody rated.
        let twice = [seat(1, false), seat(1, false), seat(3, false)];
        assert_eq!(
            who_is_rated(&twice, 3),
            Counted {
                people: vec![0, 2],
                rated: false
            }
        );
    }

    #[test]
    fn an_even_duel_moves_both_by_half_k() {
        let new = rate(&[1500.0, 1500.0], Some(0));
        assert!((new[0] - 1516.0).abs() < 1e-9, "{new:?}");
        assert!((new[1] - 1484.0).abs() < 1e-9, "{new:?}");
    }

    #[test]
    fn beating_a_stronger_player_gains_more() {
        let upset = rate(&[1400.0, 1600.0], Some(0));
        let expected = rate(&[1600.0, 1400.0], Some(0));
        assert!(upset[0] - 1400.0 > expected[0] - 1600.0);
    }

    #[test]
    fn a_draw_between_equals_changes_nothing_and_points_are_kept() {
        assert_eq!(rate(&[1500.0, 1500.0, 1500.0], None), [1500.0; 3]);
        let after = rate(&[1450.0, 1500.0, 1620.0, 1500.0], Some(2));
        let total_before = 1450.0 + 1500.0 + 1620.0 + 1500.0;
        assert!((after.iter().sum::<f64>() - total_before).abs() < 1e-9);
        assert!(after[2] > 1620.0);
    }

    #[test]
    fn a_free_for_all_win_moves_about_as_much_as_a_duel() {
        let ffa = rate(&[1500.0; 4], Some(0));
        assert!((ffa[0] - 1516.0).abs() < 1e-9, "{ffa:?}");
        assert!(rate(&[1500.0], Some(0)) == [1500.0]);
    }
}
