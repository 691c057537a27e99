//! A room's result, settled once and delivered to each person's player
//! object; and the leaderboard lines the player objects send back.
//!
//! Settling reads each person's rating from their player object (as it is
//! when the room reports, before this game counts), computes every line
//! from those ratings ([`ratings::settle`]), and
//! stores the lines with the result in one synchronous step. Then each line
//! is delivered; a player object applies a room's line once, so a report
//! that comes again (the room retries until it is answered 200) delivers
//! whatever is still undelivered and changes nothing else.

use super::Matchmaker;
use crate::error::{Result, ServerError};
use crate::internal::players::{LeaderLine, PlayerResult};
use crate::internal::{GameResult, link};
use crate::matchmaker::ratings;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

impl Matchmaker {
    /// Settles and delivers a room's result; says whether it was new.
    pub(super) async fn report_result(&self, result: GameResult) -> Result<&'static str> {
        self.hold_result(&result.room.0).await;
        let room = result.room.0.as_str();
        let mut fresh = false;
        if !self.storage()?.result_seen(room)? {
            let mut before = HashMap::new();
            for seat in result.seats.iter().filter(|s| !s.bot) {
                if let Entry::Vacant(slot) = before.entry(seat.player) {
                    let standing = link::standing(&self.env, seat.player, result.mode).await?;
                    slot.insert(standing.rating);
                }
            }
            let storage = self.storage()?;
            let settled = ratings::settle(
                &result.seats,
                storage.match_tickets(room)?,
                result.outcome,
                |player| {
                    before.get(&player).copied().ok_or_else(|| {
                        ServerError::Config(format!("no rating was read for {player}"))
                    })
                },
            )?;
            let lines: Vec<PlayerResult> = settled
                .into_iter()
                .map(|line| PlayerResult {
                    player: line.player,
                    room: result.room.clone(),
                    mode: result.mode,
                    change: line.rating - before.get(&line.player).copied().unwrap_or(line.rating),
                    name: line.name,
                    result: line.result.into(),
                    at_ms: result.at_ms,
                })
                .collect();
            let settings = self.settings()?;
            let keep_ms = settings.room_retention_ms.saturating_add(24 * 3_600_000);
            fresh = storage.settle_result(&result, &lines, keep_ms)?;
        }
        for line in self.storage()?.undelivered(room)? {
            link::deliver(&self.env, &line).await?;
            self.storage()?.delivered(&line)?;
        }
        Ok(if fresh { "applied" } else { "already applied" })
    }

    /// A player object's new standing, for this mode's leaderboard.
    pub(super) fn put_leader(&self, line: &LeaderLine) -> Result<()> {
        let keep_ms = self.settings()?.player_retention_ms;
        self.storage()?.put_leader(line, keep_ms)
    }
}
