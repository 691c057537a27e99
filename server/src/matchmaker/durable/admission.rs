//! What a ticket socket may cost the shard, and finding sockets without
//! reading every one: each ticket socket is accepted with an id tag
//! (`id:<hex>`), which keys its flood guard in memory and its row in the
//! `members` table, so a ticket's sockets are found by index.
//!
//! Sockets accepted by a release before the tags have none: they are not
//! rate limited, and a ticket with no member rows is found by reading every
//! ticket socket's attachment, as that release did.

use super::tickets::{self, TICKET_TAG, TicketState};
use super::{Matchmaker, SOCKET_ID};
use crate::attachment;
use crate::error::Result;
use crate::flood::{FloodGuard, SLOW_DOWN, Verdict};
use crate::http::now_ms;
use crate::tally::{Limit, Tally};
use volley_shared::PlayerId;
use volley_shared::protocol::{ErrorCode, close};
use worker::WebSocket;

/// A ticket member's open socket.
#[derive(Clone)]
pub(super) struct MemberSocket {
    /// The socket.
    pub ws: WebSocket,
    /// Its id (the `id:` tag), if it has one.
    pub socket: Option<String>,
    /// Its player.
    pub player: PlayerId,
    /// The protocol version it speaks.
    pub version: u16,
}

impl Matchmaker {
    /// Whether the shard holds `limit` ticket sockets. The count kept in
    /// memory only grows; at the limit it is counted again, exactly, so
    /// closed sockets make room.
    pub(super) fn ticket_sockets_full(&self, limit: usize) -> bool {
        if self.ticket_sockets.get().is_some_and(|n| n < limit) {
            return false;
        }
        let exact = self.state.get_websockets_with_tag(TICKET_TAG).len();
        self.ticket_sockets.set(Some(exact));
        exact >= limit
    }

    /// Counts a frame against its socket's flood guard; `false` when it
    /// is over the limit (answered here, and the socket cut if it keeps
    /// on).
    pub(super) fn within_rate(
        &self,
        ws: &WebSocket,
        id: Option<&str>,
        version: u16,
    ) -> Result<bool> {
        let Some(id) = id else {
            return Ok(true);
        };
        let now = now_ms();
        let limit = self.settings()?.limits.ticket_sockets;
        let (verdict, counted) = {
            let mut guards = self.guards.borrow_mut();
            if guards.len() >= limit {
                // Guards of sockets long closed: start again rather than grow.
                guards.clear();
            }
            let guard = guards
                .entry(id.to_string())
                .or_insert_with(|| FloodGuard::new(now));
            (guard.frame(now), guard.refused_before_cut())
        };
        if verdict == Verdict::Allow {
            return Ok(true);
        }
        // Frames still arriving once the socket is being closed are
        // refused but not counted again.
        let counted = counted && crate::http::still_open(ws);
        if counted {
            self.tally(Tally::Refused(Limit::Frames));
            self.tally(Tally::Error(ErrorCode::RateLimited));
        }
        tickets::send(
            ws,
            volley_shared::protocol::LobbyServerFrame::Error {
                code: ErrorCode::RateLimited,
                message: SLOW_DOWN.into(),
            },
            version,
        );
        if verdict == Verdict::Cut {
            // The guard stays until the socket's close is handled: frames
            // still arriving meanwhile are refused, not given a fresh
            // bucket, and the cut is counted once.
            if counted {
                self.tally(Tally::Closed(close::RATE_LIMITED));
            }
            let _ = ws.close(Some(close::RATE_LIMITED), Some("flooding"));
        }
        Ok(false)
    }

    /// Drops a closed socket's flood guard.
    pub(super) fn forget_guard(&self, id: &str) {
        self.guards.borrow_mut().remove(id);
    }

    /// The open sockets of a ticket's members, with their versions: by
    /// their ids in the `members` table, or, for a ticket with no member
    /// rows (queued before the table), by reading every ticket socket.
    pub(super) fn sockets_of(&self, ticket: u64) -> Result<Vec<MemberSocket>> {
        let ids = self.storage()?.member_sockets(ticket)?;
        // Without member rows, every ticket socket is a candidate; the tags
        // of those holding the ticket are read after (`None` marks them).
        let candidates: Vec<(WebSocket, Option<String>)> = if ids.is_empty() {
            self.state
                .get_websockets_with_tag(TICKET_TAG)
                .into_iter()
                .map(|ws| (ws, None))
                .collect()
        } else {
            ids.into_iter()
                .flat_map(|id| {
                    self.state
                        .get_websockets_with_tag(&format!("{SOCKET_ID}{id}"))
                        .into_iter()
                        .map(move |ws| (ws, Some(id.clone())))
                })
                .collect()
        };
        Ok(candidates
            .into_iter()
            .filter_map(|(ws, socket)| {
                let (t, player, version) = attachment::load::<TicketState>(&ws).ok()??.ticket()?;
                if t != ticket {
                    return None;
                }
                let socket = socket.or_else(|| self.tags(&ws).id);
                Some(MemberSocket {
                    ws,
                    socket,
                    player,
                    version,
                })
            })
            .collect())
    }
}

/// Ticket sockets whose `FindMatch` awaits the player's rating (from their
/// player object), and whether each closed meanwhile: other events run
/// during that await, and a socket that closed then (its player left, or
/// its hello deadline passed) must not get a ticket, since its close found
/// none to cancel. In memory: the await is within one instance.
#[derive(Default)]
pub(super) struct RatingReads {
    open: std::cell::RefCell<std::collections::HashMap<String, bool>>,
}

impl RatingReads {
    /// The socket's rating is being read.
    pub(super) fn begin(&self, socket: &str) {
        self.open.borrow_mut().insert(socket.to_string(), false);
    }

    /// The socket closed (or is being closed): noted if its rating is being
    /// read.
    pub(super) fn closed(&self, socket: &str) {
        if let Some(gone) = self.open.borrow_mut().get_mut(socket) {
            *gone = true;
        }
    }

    /// The read is over; whether the socket is still there.
    pub(super) fn end(&self, socket: &str) -> bool {
        self.open.borrow_mut().remove(socket) == Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::RatingReads;

    #[test]
    fn a_socket_that_closes_while_its_rating_is_read_gets_no_ticket() {
        let reads = RatingReads::default();
        reads.begin("a");
        reads.begin("b");
        reads.closed("b");
        reads.closed("c");
        assert!(reads.end("a"));
        assert!(!reads.end("b"));
        // Not being read: nothing was noted, and nothing is kept.
        assert!(!reads.end("c"));
        assert!(reads.open.borrow().is_empty());
    }
}
