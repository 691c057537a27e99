//! Queueing a checked `FindMatch`: the player's rating, the ticket (or a
//! member added to its forming party), and matching. A lone player's
//! complete ticket is matched as it arrives, in memory, and stored only if
//! it must wait ([`Arrival`]).

use super::admission::MemberSocket;
use super::tickets::{Place, TicketState, refuse, send};
use super::{Matchmaker, Sweep, random_u64};
use crate::attachment;
use crate::error::Result;
use crate::http::now_ms;
use crate::internal::link;
use crate::matchmaker::lobby::FindMatch;
use crate::matchmaker::queue::{DEFAULT_RATING, Member, Ticket};
use crate::matchmaker::storage::{Storage, StoredTicket};
use volley_shared::PlayerId;
use volley_shared::protocol::{ErrorCode, LobbyServerFrame};
use worker::WebSocket;

/// A lone player's complete ticket, just arrived and not yet stored.
pub(super) struct Arrival {
    /// The ticket.
    pub stored: StoredTicket,
    /// Its socket, its player and the version it speaks.
    pub member: MemberSocket,
    /// Whether its socket's deadline for a first frame was in memory (if
    /// not, a previous release may have written a `pending` row for it).
    pub deadline_in_memory: bool,
}

impl Arrival {
    /// Its socket said hello: its deadline for that goes (from memory, or,
    /// for a socket a previous release accepted, its `pending` row).
    pub(super) fn matched_at_once(&self, storage: &Storage) -> Result<()> {
        match &self.member.socket {
            Some(socket) if !self.deadline_in_memory => storage.forget_pending(socket),
            _ => Ok(()),
        }
    }

    /// Stores the ticket and notes its socket, as any ticket that waits
    /// (a `pending` row a previous release wrote for the socket goes with
    /// the member row added: a trigger).
    pub(super) fn store(&self, storage: &Storage) -> Result<()> {
        let member = &self.member;
        attachment::store(
            &member.ws,
            &TicketState::queued(self.stored.ticket.id, member.player, member.version),
        )?;
        storage.put_ticket(&self.stored)?;
        if let Some(socket) = &self.member.socket {
            storage.add_member(socket, self.stored.ticket.id, self.member.player)?;
            if self.stored.party.is_none() {
                storage.note_lone_socket(self.stored.ticket.id, socket);
            }
        }
        Ok(())
    }
}

impl Matchmaker {
    /// Queues a checked `FindMatch` from the socket with id `socket` (or
    /// adds a member to its party) and matches what can be matched.
    pub(super) async fn queue(
        &self,
        ws: &WebSocket,
        find: FindMatch,
        place: Place,
        version: u16,
        socket: Option<String>,
    ) -> Result<()> {
        // A known player's rating comes from their player object, read
        // before anything else: from here on nothing is awaited until the
        // ticket is stored, so no other event sees half of it. A socket
        // that closed during the read gets no ticket (`RatingReads`).
        let (player, rating) = match place.player {
            Some(player) => {
                let reading = socket.clone().unwrap_or_default();
                self.rating_reads.begin(&reading);
                let read = link::standing(&self.env, player, find.mode).await;
                let still_open = self.rating_reads.end(&reading);
                let rating = read?.rating;
                if !still_open {
                    return Ok(());
                }
                (player, rating)
            }
            None => (PlayerId(random_u64()?), DEFAULT_RATING),
        };
        let now = now_ms();
        let storage = self.storage()?;
        // A player id drawn just now holds no ticket: only a known one is
        // looked up.
        let known = place.player.is_some();
        if !known {
            self.note_anonymous(&storage, player, now)?;
        }
        if let Some(held) = known
            .then(|| storage.ticket_of(player))
            .transpose()?
            .flatten()
        {
            if self.sockets_of(held)?.is_empty() {
                // Its sockets are gone (the runtime restarted under a
                // forming party): it can never be told of a match.
                storage.delete_ticket(held)?;
            } else {
                refuse(
                    ws,
                    ErrorCode::UnexpectedFrame,
                    "this player already has a ticket",
                    version,
                );
                return Ok(());
            }
        }
        let mode = find.mode;
        let member = Member {
            player,
            name: find.name.clone(),
            rating,
        };
        let forming = match &find.party {
            Some(party) => storage
                .forming_party(&party.key)?
                .filter(|p| p.ticket.mode == mode && p.ticket.protocol == version),
            None => None,
        };
        let mut stored = match forming {
            Some(stored) => stored,
            None => StoredTicket {
                ticket: Ticket {
                    // Below 2^53: ids go in an integer column.
                    id: random_u64()? >> 11,
                    members: Vec::new(),
                    mode,
                    protocol: version,
                    continent: place.continent,
                    queued_at_ms: now,
                    hint: place.hint,
                },
                want: find.party.as_ref().map_or(1, |p| usize::from(p.size)),
                party: find.party.as_ref().map(|p| p.key.clone()),
            },
        };
        stored.ticket.members.push(member.clone());
        // A party queues when its last member arrives.
        stored.ticket.queued_at_ms = now;
        // Its attachment says `Queued` once it is stored (a ticket matched
        // as it arrives goes straight to `Matching`).
        send(
            ws,
            LobbyServerFrame::Queued {
                player: member.player,
            },
            version,
        );
        let (complete, alone) = (stored.complete(), stored.party.is_none());
        // It said hello: no longer silent (told before matching runs, which
        // closes the silent sockets whose time is up).
        let deadline_in_memory = socket.as_deref().is_some_and(|id| self.silent.spoke(id));
        let arrival = Arrival {
            stored,
            member: MemberSocket {
                ws: ws.clone(),
                socket,
                player: member.player,
                version,
            },
            deadline_in_memory,
        };
        if complete && alone {
            // Stored only if it must wait (`run_matching`).
            return self.run_matching(Sweep::Matched, Some(arrival)).await;
        }
        arrival.store(&storage)?;
        if complete {
            self.run_matching(Sweep::Matched, None).await?;
        }
        Ok(())
    }
}
