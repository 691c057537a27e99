//! A room's result, settled once and delivered to each person's player
//! object; and the leaderboard lines the player objects send back.
//!
//! Settling reads each person's rating from their player object (as it is
//! when the room reports, before this game counts), computes every line
//! from those ratings ([`ratings::settle`]), and
//! stores the lines with the result in one synchronous step. Someone who
//! played without a guest token had an id drawn for that one ticket (noted
//! in the `anonymous` table): they count at the default rating, as a new
//! player would, and get no line, so no player object is made for an id
//! nobody can play as again. Then each line
//! is delivered; a player object applies a room's line once, so a report
//! that comes again (the room retries until it is answered 200) delivers
//! whatever is still undelivered and changes nothing else.

use super::Matchmaker;
use crate::error::{Result, ServerError};
use crate::internal::players::{LeaderLine, PlayerResult};
use crate::internal::{GameResult, link};
use crate::matchmaker::queue::DEFAULT_RATING;
use crate::matchmaker::ratings;
use crate::matchmaker::storage::Storage;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use volley_shared::PlayerId;

impl Matchmaker {
    /// Settles and delivers a room's result; says whether it was new.
    pub(super) async fn report_result(&self, result: GameResult) -> Result<&'static str> {
        self.hold_result(&result.room.0).await;
        let room = result.room.0.as_str();
        let mut fresh = false;
        let storage = self.storage()?;
        if !storage.result_seen(room)? {
            let people: Vec<PlayerId> = result
                .seats
                .iter()
                .filter(|s| !s.bot)
                .map(|s| s.player)
                .collect();
            let anonymous = storage.anonymous_among(&people)?;
            let mut before = HashMap::new();
            for &player in people.iter().filter(|p| !anonymous.contains(p)) {
                if let Entry::Vacant(slot) = before.entry(player) {
                    let standing = link::standing(&self.env, player, result.mode).await?;
                    slot.insert(standing.rating);
                }
            }
            for &player in &anonymous {
                before.insert(player, DEFAULT_RATING);
            }
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
                .filter(|line| !anonymous.contains(&line.player))
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
            let keep_ms = self.settings()?.reports_within_ms();
            fresh = storage.settle_result(&result, &lines, keep_ms)?;
            storage.forget_anonymous(anonymous)?;
        }
        for line in self.storage()?.undelivered(room)? {
            link::deliver(&self.env, &line).await?;
            self.storage()?.delivered(&line)?;
        }
        Ok(if fresh { "applied" } else { "already applied" })
    }

    /// Notes that `player`'s id was drawn just now for someone without a
    /// guest token, so their game is not rated for them ([`Storage::note_anonymous`]).
    pub(super) fn note_anonymous(
        &self,
        storage: &Storage,
        player: PlayerId,
        now: u64,
    ) -> Result<()> {
        let expired = now.saturating_sub(self.settings()?.reports_within_ms());
        storage.note_anonymous(player, now, expired)
    }

    /// A player object's new standing, for this mode's leaderboard.
    pub(super) fn put_leader(&self, line: &LeaderLine) -> Result<()> {
        let keep_ms = self.settings()?.player_retention_ms;
        self.storage()?.put_leader(line, keep_ms)
    }
}
