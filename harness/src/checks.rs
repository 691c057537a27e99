//! What must hold after any run, whatever the faults: each failure is a
//! sentence in [`Checked::problems`].
//!
//! - every room finished (or closed, or deleted itself) once nothing is due;
//! - every room's own log replays to the room's own game;
//! - every player heard how each of its games ended, as the room says, and
//!   its copy of the game is the room's view of it;
//! - every move in a room's log was sent by the player in that seat, and
//!   no more often than sent (none applied twice); every move a player saw
//!   resolved is in the log;
//! - every finished room's result was applied once, and each player's game
//!   count is the number of its rooms whose result was applied.

use crate::games::SimGame;
use crate::player::{Player, Seen};
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};
use volley_server::room::phase::Phase;
use volley_shared::replay::Action;
use volley_shared::{Seat, Viewer};

/// What the checks saw.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    /// Rooms checked.
    pub rooms: u64,
    /// Games that ended.
    pub finished: u64,
    /// Moves in the rooms' logs, each matched to a move sent.
    pub moves_logged: u64,
    /// Results applied.
    pub results: u64,
    /// Everything that does not hold.
    pub problems: Vec<String>,
}

/// A player and the game it saw in one room.
type Sitting<'a, G> = (&'a Player<G>, &'a Seen<G>);

/// Checks a world after [`World::run`].
pub fn check<G: SimGame>(world: &World<G>) -> Checked {
    let mut checked = Checked::default();
    for player in world.players() {
        checked.problems.extend(
            player
                .problems
                .iter()
                .map(|p| format!("{}: {p}", player.name)),
        );
    }
    // Who sat in each room, and what they sent and saw.
    let mut seated: BTreeMap<usize, Vec<Sitting<'_, G>>> = BTreeMap::new();
    for player in world.players() {
        for game in &player.games {
            seated.entry(game.room).or_default().push((player, game));
        }
    }
    for (index, host) in world.rooms().iter().enumerate() {
        checked.rooms += 1;
        let id = host.id();
        if let Some(room) = host.room()
            && !matches!(room.phase(), Phase::Finished { .. } | Phase::Closed)
        {
            checked
                .problems
                .push(format!("room {id} is stuck in {}", room.phase().name()));
            continue;
        }
        let Some(replay) = host.replay() else {
            checked.problems.push(format!("room {id} has no replay"));
            continue;
        };
        let game = match replay.run() {
            Ok((game, _)) => game,
            Err(err) => {
                checked
                    .problems
                    .push(format!("room {id}'s log does not replay: {err}"));
                continue;
            }
        };
        if let Some(room) = host.room()
            && room.game() != &game
        {
            checked.problems.push(format!(
                "room {id}'s log replays to another game than its own"
            ));
        }
        let outcome = game.outcome();
        if outcome.is_some() {
            checked.finished += 1;
        }
        let seen = seated.remove(&index).unwrap_or_default();
        for (player, game_seen) in &seen {
            if game_seen.outcome != outcome {
                checked.problems.push(format!(
                    "{} heard {:?} as room {id}'s end, which is {outcome:?}",
                    player.name, game_seen.outcome
                ));
            }
            let view = game.view(Viewer::Player(game_seen.seat));
            if outcome.is_some() && game_seen.state.as_ref() != Some(&view) {
                checked.problems.push(format!(
                    "{}'s copy of room {id}'s game is not the room's",
                    player.name
                ));
            }
        }
        let logged: Vec<(Seat, G::Move)> = replay
            .actions
            .iter()
            .filter_map(|a| match &a.action {
                Action::Move { seat, mv } => Some((*seat, mv.clone())),
                _ => None,
            })
            .collect();
        checked.moves_logged += logged.len() as u64;
        let mut unused: Vec<(Seat, G::Move)> = seen
            .iter()
            .flat_map(|(_, g)| g.sent.iter().map(|mv| (g.seat, mv.clone())))
            .collect();
        for entry in &logged {
            match unused.iter().position(|sent| sent == entry) {
                Some(at) => {
                    unused.swap_remove(at);
                }
                None => checked.problems.push(format!(
                    "room {id} logged a move of {} that its player did not send, or not that often: {:?}",
                    entry.0, entry.1
                )),
            }
        }
        for (player, game_seen) in &seen {
            let in_log = logged.iter().filter(|(s, _)| *s == game_seen.seat).count();
            if game_seen.resolved as usize > in_log {
                checked.problems.push(format!(
                    "{} saw {} of its moves resolved in room {id}, whose log has {in_log}",
                    player.name, game_seen.resolved
                ));
            }
        }
        let applied = world.coordinator().applied(id);
        if applied {
            checked.results += 1;
        } else if outcome.is_some() && !seen.is_empty() {
            checked.problems.push(format!(
                "room {id} finished but its result was never applied"
            ));
        }
    }
    for player in world.players() {
        let rooms: BTreeSet<usize> = player.games.iter().map(|g| g.room).collect();
        let counted = rooms
            .iter()
            .filter(|&&r| world.coordinator().applied(world.rooms()[r].id()))
            .count();
        let games = world.coordinator().standing(player.id).games as usize;
        if games != counted {
            checked.problems.push(format!(
                "{} has {games} games counted, but {counted} of its rooms' results were applied",
                player.name
            ));
        }
    }
    checked
}
