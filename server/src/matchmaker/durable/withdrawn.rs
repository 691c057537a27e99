//! Players who leave while their match's room is being made.
//!
//! A match's tickets leave the queue before the coordinator awaits the new
//! room (so no ticket can match twice), and that await lets other events
//! in: a matched player's socket may close before the room answers. The
//! room then holds a seat for someone who will never come, and the others
//! would play an empty chair (a bot, once the seat's reservation ends).
//! Instead, nobody is told of that room: every ticket whose members are
//! all still there goes back into the queue as it was (its place by wait
//! kept), a party that lost a member is cancelled as a closed socket
//! cancels it, and the room, which nobody joins, closes itself when its
//! seats' reservation ends.
//!
//! Which sockets left is known only to this instance, in memory: the
//! sockets closed while a room was being made (an instance that restarts
//! loses every socket anyway).

use super::Matchmaker;
use super::admission::MemberSocket;
use super::tickets::{self, TicketState};
use crate::attachment;
use crate::error::Result;
use crate::http::now_ms;
use crate::matchmaker::queue::Match;
use crate::matchmaker::storage::{Storage, StoredTicket};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;

/// What one instance knows of the sockets that closed while a room was
/// being made.
#[derive(Default)]
pub(super) struct Withdrawals {
    /// Rooms being made now.
    in_flight: Cell<usize>,
    /// The ids of matched sockets that closed meanwhile. Emptied whenever
    /// no room is being made, so it holds at most the shard's sockets.
    left: RefCell<HashSet<String>>,
}

impl Withdrawals {
    /// A room is being made; the returned guard says when it is done.
    pub(super) fn begin(&self) -> InFlight<'_> {
        self.in_flight.set(self.in_flight.get() + 1);
        InFlight(self)
    }

    /// A matched socket closed: noted if a room is being made (its player
    /// may be in it).
    pub(super) fn note(&self, socket: String) {
        if self.in_flight.get() > 0 {
            self.left.borrow_mut().insert(socket);
        }
    }

    /// Whether this socket closed while a room was being made.
    pub(super) fn has_left(&self, socket: &str) -> bool {
        self.left.borrow().contains(socket)
    }

    /// How many matched sockets closed during the rooms being made now
    /// (read by a test hook).
    pub(super) fn count(&self) -> usize {
        self.left.borrow().len()
    }
}

/// A room being made; dropping it ends the making.
pub(super) struct InFlight<'a>(&'a Withdrawals);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let left = self.0.in_flight.get().saturating_sub(1);
        self.0.in_flight.set(left);
        if left == 0 {
            self.0.left.borrow_mut().clear();
        }
    }
}

impl Matchmaker {
    /// Whether a matched player's socket closed while its room was being
    /// made.
    pub(super) fn has_left(&self, seated: &MemberSocket) -> bool {
        seated
            .socket
            .as_deref()
            .is_some_and(|id| self.withdrawals.has_left(id))
    }

    /// The match's room is not used: each ticket goes back into the queue
    /// if all its members are still there, and is cancelled otherwise.
    /// Matching runs again on the alarm.
    pub(super) async fn requeue(
        &self,
        storage: &Storage,
        found: &Match,
        players: &[MemberSocket],
    ) -> Result<()> {
        for ticket in &found.tickets {
            let members: Vec<&MemberSocket> = players
                .iter()
                .filter(|p| ticket.members.iter().any(|m| m.player == p.player))
                .collect();
            let complete = members.len() == ticket.size();
            if !complete || members.iter().any(|p| self.has_left(p)) {
                for seated in members.iter().filter(|p| !self.has_left(p)) {
                    tickets::party_left(&seated.ws, seated.version);
                }
                continue;
            }
            storage.put_ticket(&StoredTicket {
                ticket: ticket.clone(),
                want: ticket.size(),
                party: None,
            })?;
            for seated in members {
                if let Some(socket) = &seated.socket {
                    storage.add_member(socket, ticket.id, seated.player)?;
                }
                attachment::store(
                    &seated.ws,
                    &TicketState::queued(ticket.id, seated.player, seated.version),
                )?;
            }
        }
        let now = now_ms();
        self.ring_by(storage, now, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_is_noted_only_while_a_room_is_being_made() {
        let withdrawals = Withdrawals::default();
        withdrawals.note("before".into());
        assert!(!withdrawals.has_left("before"));
        let first = withdrawals.begin();
        let second = withdrawals.begin();
        withdrawals.note("during".into());
        assert!(withdrawals.has_left("during"));
        assert_eq!(withdrawals.count(), 1);
        drop(first);
        // Another room is still being made: the note stays.
        assert!(withdrawals.has_left("during"));
        drop(second);
        assert!(!withdrawals.has_left("during"));
        assert_eq!(withdrawals.count(), 0);
    }
}
