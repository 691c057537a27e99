//! How a player object is stored: the tables in its SQLite database.
//!
//! | table | rows |
//! |---|---|
//! | `standings` | one per mode the player has a standing in: `mode`, the `name` they last played under, `rating`, `games`, `last_ms` (when their latest game ended) |
//! | `matches` | their latest [`RECENT_MATCHES`] games per mode: `room_id`, `mode`, `at_ms`, `result`, `rating_after` |
//! | `applied` | the rooms whose line was applied, and when the game ended (kept for the retention, so a room that reports again changes nothing) |
//!
//! A standing is applied in one synchronous step (checked, written, its
//! history trimmed) so a room's line counts once, whatever retries.

use crate::error::Result;
use crate::internal::players::{PlayerResult, Standing};
use crate::sql::{any_row, first_row, first_unsigned, integer, played_match, real, text, unsigned};
use volley_shared::api::{PlayedMatch, PlayerRecord};
use volley_shared::{Mode, PlayerId};
use worker::SqlStorage;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS standings (mode TEXT PRIMARY KEY, name TEXT NOT NULL, rating REAL NOT NULL, games INTEGER NOT NULL, last_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS matches (room_id TEXT PRIMARY KEY, mode TEXT NOT NULL, at_ms INTEGER NOT NULL, result TEXT NOT NULL, rating_after REAL NOT NULL);
CREATE INDEX IF NOT EXISTS matches_by_mode ON matches (mode, at_ms);
CREATE TABLE IF NOT EXISTS applied (room_id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS applied_by_age ON applied (at_ms);
";

/// The games kept per mode in a player's history.
pub const RECENT_MATCHES: u64 = 20;

/// What applying a room's line did.
#[derive(Clone, Debug, PartialEq)]
pub enum Applied {
    /// It counted: the name and standing after it.
    New(String, Standing),
    /// The room's line had counted before: the standing as it is.
    Again(String, Standing),
}

/// A player object's tables.
pub struct Storage {
    sql: SqlStorage,
}

impl Storage {
    /// Opens the tables, creating any that are missing.
    pub fn open(sql: SqlStorage) -> Result<Storage> {
        sql.exec(SCHEMA, None)?;
        Ok(Storage { sql })
    }

    /// The tables if they exist, without creating them.
    pub fn if_any(sql: SqlStorage) -> Result<Option<Storage>> {
        let exists = any_row(sql.exec(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'standings'",
            None,
        )?)?;
        Ok(exists.then_some(Storage { sql }))
    }

    /// The tables, known to exist.
    pub fn existing(sql: SqlStorage) -> Storage {
        Storage { sql }
    }

    /// The name and standing kept for `mode`, if any.
    pub fn standing(&self, mode: Mode) -> Result<Option<(String, Standing)>> {
        let Some(mut values) = first_row(self.sql.exec(
            "SELECT name, rating, games FROM standings WHERE mode = ?",
            vec![mode.as_str().into()],
        )?)?
        else {
            return Ok(None);
        };
        let name = text(values.next()).unwrap_or_default();
        let rating = real(values.next())?;
        let games = unsigned(values.next())?;
        Ok(Some((name, Standing { rating, games })))
    }

    /// Takes the standing and history a shard of the first releases kept
    /// for `mode`, unless the player already has a standing there.
    pub fn adopt(&self, mode: Mode, legacy: &PlayerRecord) -> Result<()> {
        if self.standing(mode)?.is_some() {
            return Ok(());
        }
        let last_ms = legacy.recent.iter().map(|m| m.at_ms).max().unwrap_or(0);
        self.sql.exec(
            "INSERT INTO standings (mode, name, rating, games, last_ms) VALUES (?, ?, ?, ?, ?)",
            vec![
                mode.as_str().into(),
                legacy.name.as_str().into(),
                legacy.rating.into(),
                integer(legacy.games)?,
                integer(last_ms)?,
            ],
        )?;
        for game in &legacy.recent {
            self.remember(mode, game)?;
        }
        Ok(())
    }

    /// Applies a room's line once. A player with no standing in the mode
    /// starts from `start` (the default rating, or what [`adopt`] took).
    ///
    /// [`adopt`]: Storage::adopt
    pub fn apply(&self, line: &PlayerResult, start: f64, keep_ms: u64) -> Result<Applied> {
        let room = line.room.0.as_str();
        let before = self.standing(line.mode)?;
        let seen = any_row(
            self.sql
                .exec("SELECT 1 FROM applied WHERE room_id = ?", vec![room.into()])?,
        )?;
        if seen {
            let (name, standing) = before.unwrap_or_else(|| {
                (
                    line.name.clone(),
                    Standing {
                        rating: start,
                        games: 0,
                    },
                )
            });
            return Ok(Applied::Again(name, standing));
        }
        let standing = match before {
            Some((_, s)) => Standing {
                rating: s.rating + line.change,
                games: s.games + 1,
            },
            None => Standing {
                rating: start + line.change,
                games: 1,
            },
        };
        self.sql.exec(
            "DELETE FROM applied WHERE room_id IN (SELECT room_id FROM applied WHERE at_ms < ? ORDER BY at_ms LIMIT 16)",
            vec![integer(line.at_ms.saturating_sub(keep_ms))?],
        )?;
        self.sql.exec(
            "INSERT INTO applied (room_id, at_ms) VALUES (?, ?)",
            vec![room.into(), integer(line.at_ms)?],
        )?;
        self.sql.exec(
            "INSERT INTO standings (mode, name, rating, games, last_ms) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT(mode) DO UPDATE SET name = excluded.name, rating = excluded.rating, \
             games = excluded.games, last_ms = MAX(last_ms, excluded.last_ms)",
            vec![
                line.mode.as_str().into(),
                line.name.as_str().into(),
                standing.rating.into(),
                integer(standing.games)?,
                integer(line.at_ms)?,
            ],
        )?;
        self.remember(
            line.mode,
            &PlayedMatch {
                room_id: line.room.clone(),
                at_ms: line.at_ms,
                result: line.result.clone(),
                rating_after: standing.rating,
            },
        )?;
        Ok(Applied::New(line.name.clone(), standing))
    }

    /// Adds a game to the mode's history and keeps the latest ones.
    fn remember(&self, mode: Mode, game: &PlayedMatch) -> Result<()> {
        self.sql.exec(
            "INSERT OR IGNORE INTO matches (room_id, mode, at_ms, result, rating_after) VALUES (?, ?, ?, ?, ?)",
            vec![
                game.room_id.0.as_str().into(),
                mode.as_str().into(),
                integer(game.at_ms)?,
                game.result.as_str().into(),
                game.rating_after.into(),
            ],
        )?;
        self.sql.exec(
            "DELETE FROM matches WHERE mode = ? AND room_id NOT IN \
             (SELECT room_id FROM matches WHERE mode = ? ORDER BY at_ms DESC LIMIT ?)",
            vec![
                mode.as_str().into(),
                mode.as_str().into(),
                integer(RECENT_MATCHES)?,
            ],
        )?;
        Ok(())
    }

    /// The player's record in `mode`, when they have played there.
    pub fn record(&self, player: PlayerId, mode: Mode) -> Result<Option<PlayerRecord>> {
        let Some((name, standing)) = self.standing(mode)? else {
            return Ok(None);
        };
        if standing.games == 0 {
            return Ok(None);
        }
        let recent = self
            .sql
            .exec(
                "SELECT room_id, at_ms, result, rating_after FROM matches WHERE mode = ? ORDER BY at_ms DESC LIMIT ?",
                vec![mode.as_str().into(), integer(RECENT_MATCHES)?],
            )?
            .raw()
            .map(|row| played_match(row?))
            .collect::<Result<_>>()?;
        Ok(Some(PlayerRecord {
            player: player.to_string(),
            name,
            rating: standing.rating,
            games: standing.games,
            recent,
            mode: Some(mode),
        }))
    }

    /// When the player's latest game ended, in any mode (0 for none).
    pub fn last_ms(&self) -> Result<u64> {
        let last = first_unsigned(
            self.sql
                .exec("SELECT COALESCE(MAX(last_ms), 0) FROM standings", None)?,
        )?;
        Ok(last.unwrap_or(0))
    }
}
