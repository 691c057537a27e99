//! The `tickets` table, kept in memory once read ([`super::Memory`]):
//! every write goes to both, so a ticket's arrival matches against the
//! queue without reading it, and a failed write makes the next use read
//! the table again. A lone ticket's socket is kept too, so seating it
//! needs no read of `members`.
//!
//! A deleted ticket's `members` rows go with it, by a trigger: the same
//! rows the first releases deleted in a statement of their own (which now
//! finds them gone).

use super::{Storage, StoredTicket};
use crate::error::Result;
use crate::matchmaker::queue::Ticket;
use crate::sql::{blob, first_two_unsigned, integer};
use std::collections::BTreeMap;

/// The trigger that deletes a ticket's members with it; part of the
/// shard's schema. `INSERT OR REPLACE` into `tickets` (a party that gains
/// a member) does not fire it: SQLite fires delete triggers for a
/// replaced row only with `recursive_triggers` on, which is off by
/// default and never turned on here.
pub(super) const TICKETS_TRIGGER: &str = "
CREATE TRIGGER IF NOT EXISTS members_go_with_their_ticket AFTER DELETE ON tickets
BEGIN DELETE FROM members WHERE ticket = OLD.id; END;
";

impl Storage {
    /// Notes the socket of a lone player's ticket, stored just now (a
    /// lone ticket has one member, so this is all of its `members` rows).
    pub fn note_lone_socket(&self, ticket: u64, socket: &str) {
        self.memory
            .lone_sockets
            .borrow_mut()
            .insert(ticket, socket.to_string());
    }

    /// The socket of a lone ticket noted by this instance, if any.
    pub fn lone_socket(&self, ticket: u64) -> Option<String> {
        self.memory.lone_sockets.borrow().get(&ticket).cloned()
    }

    /// Every ticket, read once per instance.
    fn with_tickets<T>(&self, read: impl FnOnce(&BTreeMap<u64, StoredTicket>) -> T) -> Result<T> {
        if let Some(tickets) = self.memory.tickets.borrow().as_ref() {
            return Ok(read(tickets));
        }
        let tickets: BTreeMap<u64, StoredTicket> = self
            .records("SELECT record FROM tickets", vec![])?
            .into_iter()
            .map(|stored| (stored.ticket.id, stored))
            .collect();
        let answer = read(&tickets);
        self.memory.tickets.replace(Some(tickets));
        Ok(answer)
    }

    /// Writes a ticket, new or changed.
    pub fn put_ticket(&self, stored: &StoredTicket) -> Result<()> {
        let party = if stored.complete() {
            None
        } else {
            stored.party.clone()
        };
        self.memory.write(|| {
            self.sql.exec(
                "INSERT OR REPLACE INTO tickets (id, party, complete, record) VALUES (?, ?, ?, ?)",
                vec![
                    integer(stored.ticket.id)?,
                    party.into(),
                    i64::from(stored.complete()).into(),
                    blob(stored)?,
                ],
            )?;
            Ok(())
        })?;
        if let Some(tickets) = self.memory.tickets.borrow_mut().as_mut() {
            tickets.insert(stored.ticket.id, stored.clone());
        }
        Ok(())
    }

    /// Deletes a ticket and its members; whether it was there.
    pub fn delete_ticket(&self, id: u64) -> Result<bool> {
        let deleted = self.memory.write(|| {
            let cursor = self
                .sql
                .exec("DELETE FROM tickets WHERE id = ?", vec![integer(id)?])?;
            Ok(cursor.rows_written() > 0)
        })?;
        if let Some(tickets) = self.memory.tickets.borrow_mut().as_mut() {
            tickets.remove(&id);
        }
        self.memory.lone_sockets.borrow_mut().remove(&id);
        Ok(deleted)
    }

    /// The party still forming under this key, if any.
    pub fn forming_party(&self, key: &str) -> Result<Option<StoredTicket>> {
        self.with_tickets(|tickets| {
            tickets
                .values()
                .rfind(|stored| !stored.complete() && stored.party.as_deref() == Some(key))
                .cloned()
        })
    }

    /// Every complete ticket (the queue proper) and the parties still
    /// forming.
    pub fn tickets(&self) -> Result<(Vec<Ticket>, Vec<StoredTicket>)> {
        self.with_tickets(|tickets| {
            let (complete, forming): (Vec<_>, Vec<_>) =
                tickets.values().cloned().partition(StoredTicket::complete);
            (
                complete.into_iter().map(|stored| stored.ticket).collect(),
                forming,
            )
        })
    }

    /// How many tickets wait (in the queue, or a party still forming),
    /// from memory once read.
    pub fn waiting(&self) -> Result<usize> {
        self.with_tickets(BTreeMap::len)
    }

    /// Tickets in the queue and parties still forming.
    pub fn counts(&self) -> Result<(u64, u64)> {
        first_two_unsigned(self.sql.exec(
            "SELECT COUNT(*) FILTER (WHERE complete = 1), COUNT(*) FILTER (WHERE complete = 0) FROM tickets",
            None,
        )?)
    }
}
