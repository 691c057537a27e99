//! The `tallies` table, in a room's database and in a coordinator shard's:
//! one row per minute and name, its count. A room keeps its rows until
//! its shard has them; a shard keeps an hour of its own and its rooms'.

use super::{Count, MAX_NAME_LEN, Tally};
use crate::error::Result;
use crate::sql::{integer, placeholders, rows_per_statement, text, unsigned};
use worker::SqlStorage;

/// The table; part of the room's and the shard's schema.
pub const TALLIES_TABLE: &str = "
CREATE TABLE IF NOT EXISTS tallies (minute INTEGER NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (minute, name));
";

/// What adding to a row that exists does: adds the counts.
const ADD_TO_ROW: &str = "ON CONFLICT(minute, name) DO UPDATE SET n = n + excluded.n";

/// An object's counts.
pub struct Tallies<'a> {
    sql: &'a SqlStorage,
}

impl<'a> Tallies<'a> {
    /// The counts in `sql`, whose schema has [`TALLIES_TABLE`].
    pub fn new(sql: &'a SqlStorage) -> Self {
        Tallies { sql }
    }

    /// Counts `tally` `times` times, at `now_ms`.
    pub fn add(&self, now_ms: u64, tally: Tally, times: u64) -> Result<()> {
        if times == 0 {
            return Ok(());
        }
        self.add_n(now_ms / 60_000, &tally.name(), times)
    }

    /// Adds `counts` (another object's); names over [`MAX_NAME_LEN`]
    /// are left out.
    pub fn add_counts(&self, counts: &[Count]) -> Result<()> {
        let counts: Vec<&Count> = counts
            .iter()
            .filter(|c| c.name.len() <= MAX_NAME_LEN)
            .collect();
        // One statement per so many rows (a room hands over a handful):
        // a row whose minute and name came before in the same statement
        // adds to it, as in separate ones.
        for chunk in counts.chunks(rows_per_statement(3)) {
            let rows = placeholders(chunk.len(), 3);
            let mut values = Vec::with_capacity(3 * chunk.len());
            for count in chunk {
                values.extend([
                    integer(count.minute)?,
                    count.name.as_str().into(),
                    integer(count.n)?,
                ]);
            }
            self.sql.exec(
                &format!("INSERT INTO tallies (minute, name, n) VALUES {rows} {ADD_TO_ROW}"),
                values,
            )?;
        }
        Ok(())
    }

    fn add_n(&self, minute: u64, name: &str, n: u64) -> Result<()> {
        self.sql.exec(
            &format!("INSERT INTO tallies (minute, name, n) VALUES (?, ?, ?) {ADD_TO_ROW}"),
            vec![integer(minute)?, name.into(), integer(n)?],
        )?;
        Ok(())
    }

    /// The counts from `minute` on, at most `most`, the newest minutes
    /// first (so a limit cuts the oldest).
    pub fn since(&self, minute: u64, most: u64) -> Result<Vec<Count>> {
        self.read(
            "SELECT minute, name, n FROM tallies WHERE minute >= ? ORDER BY minute DESC, name LIMIT ?",
            minute,
            most,
        )
    }

    /// Takes out the oldest counts, at most `most`, to hand on: read and
    /// deleted in one synchronous step, so a hand-over that overlaps
    /// another (other events run during its await) never sends a count
    /// twice. One that fails puts them back ([`Tallies::add_counts`]).
    pub fn take_oldest(&self, most: u64) -> Result<Vec<Count>> {
        let counts = self.read(
            "SELECT minute, name, n FROM tallies WHERE minute >= ? ORDER BY minute, name LIMIT ?",
            0,
            most,
        )?;
        if (counts.len() as u64) < most {
            // All of them (the usual case): one plain statement. (A
            // `DELETE ... RETURNING` measured slower in a room's new
            // database, which compiles each statement it runs.)
            self.sql.exec("DELETE FROM tallies", None)?;
            return Ok(counts);
        }
        for count in &counts {
            self.sql.exec(
                "DELETE FROM tallies WHERE minute = ? AND name = ?",
                vec![integer(count.minute)?, count.name.as_str().into()],
            )?;
        }
        Ok(counts)
    }

    fn read(&self, query: &str, minute: u64, most: u64) -> Result<Vec<Count>> {
        self.sql
            .exec(query, vec![integer(minute)?, integer(most)?])?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                Ok(Count {
                    minute: unsigned(values.next())?,
                    name: text(values.next()).unwrap_or_default(),
                    n: unsigned(values.next())?,
                })
            })
            .collect()
    }

    /// Forgets the minutes before `minute`.
    pub fn forget_before(&self, minute: u64) -> Result<()> {
        self.sql.exec(
            "DELETE FROM tallies WHERE minute < ?",
            vec![integer(minute)?],
        )?;
        Ok(())
    }
}
