//! The `members` table: which ticket socket (by the id in its tags) holds
//! which ticket, for which player. It lets the coordinator find a ticket's
//! sockets and a player's ticket by index, instead of reading every socket's
//! attachment and every stored ticket. Its rows go with their ticket.
//!
//! Tickets queued by a release before this table have no rows; they are
//! still found, by reading the tickets that have none.

use super::Storage;
use crate::error::Result;
use crate::sql::{first_unsigned, integer};
use volley_shared::PlayerId;

/// The table and its indexes; part of the shard's schema.
pub(super) const MEMBERS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS members (socket TEXT PRIMARY KEY, ticket INTEGER NOT NULL, player TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS members_by_ticket ON members (ticket);
CREATE INDEX IF NOT EXISTS members_by_player ON members (player);
";

impl Storage {
    /// Notes that the socket `socket` holds `ticket` for `player`.
    pub fn add_member(&self, socket: &str, ticket: u64, player: PlayerId) -> Result<()> {
        self.sql.exec(
            "INSERT OR REPLACE INTO members (socket, ticket, player) VALUES (?, ?, ?)",
            vec![
                socket.into(),
                integer(ticket)?,
                player.to_string().as_str().into(),
            ],
        )?;
        Ok(())
    }

    /// The ids of the sockets that hold `ticket`.
    pub fn member_sockets(&self, ticket: u64) -> Result<Vec<String>> {
        if let Some(socket) = self.lone_socket(ticket) {
            return Ok(vec![socket]);
        }
        self.texts(
            "SELECT socket FROM members WHERE ticket = ?",
            vec![integer(ticket)?],
        )
    }

    /// The ticket `player` is in (queued, or in a forming party), if any.
    pub fn ticket_of(&self, player: PlayerId) -> Result<Option<u64>> {
        let key = player.to_string();
        let found = first_unsigned(self.sql.exec(
            "SELECT ticket FROM members WHERE player = ? LIMIT 1",
            vec![key.as_str().into()],
        )?)?;
        if found.is_some() {
            return Ok(found);
        }
        // Tickets with no member rows, from before the table: few or none.
        Ok(self
            .records(
                "SELECT record FROM tickets WHERE id NOT IN (SELECT ticket FROM members)",
                vec![],
            )?
            .into_iter()
            .find(|stored| stored.ticket.members.iter().any(|m| m.player == player))
            .map(|stored| stored.ticket.id))
    }
}
