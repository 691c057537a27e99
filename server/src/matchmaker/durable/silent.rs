//! Closing ticket sockets that say nothing: each must send its first
//! frame (a valid `FindMatch`) within `LIMIT_HELLO_MS`. Their deadlines are
//! in memory and in their tags ([`crate::matchmaker::pending`]); those of
//! sockets a previous release accepted are in the `pending` table.

use super::tickets::{TICKET_TAG, TicketState};
use super::{Matchmaker, SOCKET_ID};
use crate::attachment;
use crate::error::Result;
use crate::matchmaker::storage::Storage;
use crate::tally::{Limit, Tally};
use volley_shared::protocol::close;
use worker::WebSocket;

impl Matchmaker {
    /// Closes the ticket sockets whose time for a first frame is up and
    /// that are still silent; returns when the next one's time is up (or,
    /// for the table, a time before which none is). Most runs read
    /// nothing: the first of an instance looks at the sockets open before
    /// it, and the table is read only when its floor is reached. The
    /// socket whose `FindMatch` is being matched (`arriving`, still
    /// `Connected` until it is stored or matched) has spoken, however late:
    /// `queue` took it out of the sockets known to be silent before
    /// matching, and the look at the open sockets and the table's rows
    /// pass it by.
    pub(super) fn close_silent_sockets(
        &self,
        storage: &Storage,
        now: u64,
        arriving: Option<&str>,
    ) -> Result<Option<u64>> {
        if self.silent.scan_needed() {
            self.find_silent_sockets(arriving);
        }
        let hello_ms = self.settings()?.limits.hello_ms;
        for id in self.silent.take_due(now) {
            self.close_if_silent(&id, hello_ms);
        }
        let spoke = |id: &str| Some(id) == arriving;
        let in_table = self.close_silent_rows(storage, now, hello_ms, spoke)?;
        Ok([self.silent.next_due(), in_table]
            .into_iter()
            .flatten()
            .min())
    }

    /// Notes the silent sockets open before this instance (it woke from
    /// hibernation with them) by the deadlines in their tags.
    fn find_silent_sockets(&self, arriving: Option<&str>) {
        for ws in self.state.get_websockets_with_tag(TICKET_TAG) {
            let tags = self.tags(&ws);
            if let (Some(id), Some(due)) = (tags.id, tags.due)
                && Some(id.as_str()) != arriving
                && is_silent(&ws)
            {
                self.silent.opened(&id, due);
            }
        }
    }

    /// The sockets of the `pending` table (a previous release's) whose
    /// time is up: closed if still silent.
    fn close_silent_rows(
        &self,
        storage: &Storage,
        now: u64,
        hello_ms: u64,
        spoke: impl Fn(&str) -> bool,
    ) -> Result<Option<u64>> {
        if let Some(next) = self.pending_floor.quiet_at(now) {
            return Ok(next);
        }
        let due = storage.next_pending_due()?;
        self.pending_floor.read(due);
        if due.is_none_or(|due| due > now) {
            return Ok(due);
        }
        for id in storage.take_due_pending(now)? {
            if !spoke(&id) {
                self.close_if_silent(&id, hello_ms);
            }
        }
        let next = storage.next_pending_due()?;
        self.pending_floor.read(next);
        Ok(next)
    }

    /// Closes the socket with this id if it has still said nothing.
    fn close_if_silent(&self, id: &str, hello_ms: u64) {
        self.rating_reads.closed(id);
        for ws in self
            .state
            .get_websockets_with_tag(&format!("{SOCKET_ID}{id}"))
        {
            if is_silent(&ws) {
                self.tally(Tally::Refused(Limit::Hello));
                self.tally(Tally::Closed(close::PROTOCOL_VIOLATION));
                let _ = ws.close(
                    Some(close::PROTOCOL_VIOLATION),
                    Some(format!("no FindMatch within {} s", hello_ms / 1_000)),
                );
            }
        }
    }
}

/// Whether a ticket socket has taken no `FindMatch` yet.
fn is_silent(ws: &WebSocket) -> bool {
    matches!(
        attachment::load::<TicketState>(ws),
        Ok(Some(TicketState::Connected { .. }))
    )
}
