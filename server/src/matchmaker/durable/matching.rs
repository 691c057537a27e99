//! Running the matcher and seating each match in a new room.

use super::admission::MemberSocket;
use super::queueing::Arrival;
use super::tickets::{self, TicketState};
use super::{Matchmaker, Sweep, random_u64};
use crate::alarm::{self, AlarmPlan};
use crate::attachment;
use crate::error::{Result, ServerError};
use crate::http::now_ms;
use crate::internal::charter::{Address, CHARTERED_BUILD, Charter};
use crate::internal::{AnySetup, BUILD_HEADER, InitRoom, SeatSetup, Terms, UNKNOWN_BUILD, link};
use crate::location::hint_for_match;
use crate::matchmaker::queue::{Match, MatchRules, Ticket, next_wakeup_ms, take_matches};
use crate::matchmaker::seating;
use crate::matchmaker::storage::Storage;
use crate::residency::Placement;
use crate::settings::JOIN_TOKEN_TTL_MS;
use crate::tally::{Limit, Tally};
use crate::token::{Grant, JoinKey};
use std::collections::HashMap;
use std::time::Duration;
use volley_shared::protocol::{ErrorCode, LobbyServerFrame, close};
use volley_shared::{Mode, PlayerId, Role, RoomId, Seat};

impl Matchmaker {
    fn rules(&self) -> Result<impl Fn(Mode) -> MatchRules + use<>> {
        let settings = self.settings()?.clone();
        Ok(move |mode: Mode| MatchRules::for_mode(mode, settings.bot_fill_after_ms(mode)))
    }

    /// Matches what can be matched now, seats every match, and sets the
    /// alarm for the next time waiting tickets could match. The alarm
    /// sweeps every ticket ([`Sweep::All`]); a ticket's arrival checks only
    /// the tickets it would seat ([`Sweep::Matched`]), so it costs one
    /// read of the queue and matching in memory, not a socket lookup per
    /// waiting ticket.
    ///
    /// A lone player's ticket that has just arrived comes as `arrival`,
    /// not yet stored: it is matched in memory with the stored queue, and
    /// stored only if it must wait, so a ticket that completes a match at
    /// once costs its shard no row ([`Arrival`]).
    pub(super) async fn run_matching(&self, sweep: Sweep, arrival: Option<Arrival>) -> Result<()> {
        let storage = self.storage()?;
        let rules = self.rules()?;
        let now = now_ms();
        let ticket_ms = self.settings()?.limits.ticket_ms;
        // Every run, not only the alarm's: a silent socket is closed by
        // the first event after its deadline even if the alarm that
        // should have rung for it did not (a restart in between).
        let arriving_socket = arrival.as_ref().and_then(|a| a.member.socket.as_deref());
        let pending_due = self.close_silent_sockets(&storage, now, arriving_socket)?;
        // The sockets of the tickets checked, found once: the sweep needs
        // them, and so does seating a match.
        let (mut queue, forming) = storage.tickets()?;
        let mut sockets = HashMap::new();
        let arriving = arrival.as_ref().map(|a| a.stored.ticket.id);
        if let Some(arrival) = &arrival {
            queue.push(arrival.stored.ticket.clone());
            sockets.insert(arrival.stored.ticket.id, vec![arrival.member.clone()]);
        }
        if sweep == Sweep::All {
            let mut live = Vec::with_capacity(queue.len());
            for ticket in queue {
                if Some(ticket.id) == arriving {
                    live.push(ticket);
                    continue;
                }
                if let Some(found) = self.sweep(&storage, &ticket, now, ticket_ms)? {
                    sockets.insert(ticket.id, found);
                    live.push(ticket);
                }
            }
            queue = live;
        }
        let mut forming_expiry: Option<u64> = None;
        for party in forming {
            if sweep == Sweep::Matched
                || self
                    .sweep(&storage, &party.ticket, now, ticket_ms)?
                    .is_some()
            {
                let expiry = party.ticket.queued_at_ms.saturating_add(ticket_ms);
                forming_expiry = Some(forming_expiry.map_or(expiry, |e| e.min(expiry)));
            }
        }
        // A matched ticket not yet checked may be gone (its sockets died in
        // a restart, or it expired): it is dropped, and matching runs again
        // without it. Each round drops one ticket or more.
        let (matches, waiting) = loop {
            let (matches, waiting) = take_matches(queue.clone(), now, &rules);
            let mut gone = Vec::new();
            for ticket in matches.iter().flat_map(|m| &m.tickets) {
                if sockets.contains_key(&ticket.id) {
                    continue;
                }
                match self.sweep(&storage, ticket, now, ticket_ms)? {
                    Some(found) => {
                        sockets.insert(ticket.id, found);
                    }
                    None => gone.push(ticket.id),
                }
            }
            if gone.is_empty() {
                break (matches, waiting);
            }
            queue.retain(|t| !gone.contains(&t.id));
        };
        if let Some(arrival) = &arrival {
            match waiting.iter().any(|t| t.id == arrival.stored.ticket.id) {
                true => arrival.store(&storage)?,
                false => arrival.matched_at_once(&storage)?,
            }
        }
        // Take every matched ticket out of the queue before the first await:
        // awaiting opens the input gate, and a ticket must never match twice.
        let mut seated = Vec::new();
        let mut waits = Vec::new();
        for found in matches {
            let mut players = Vec::new();
            for ticket in &found.tickets {
                if Some(ticket.id) != arriving {
                    storage.delete_ticket(ticket.id)?;
                }
                waits.push(now.saturating_sub(ticket.queued_at_ms));
                for member in sockets.remove(&ticket.id).unwrap_or_default() {
                    attachment::store(&member.ws, &TicketState::matching(member.version))?;
                    players.push(member);
                }
            }
            seated.push((found, players));
        }
        storage.record_waits(&waits, now)?;
        // Ring for the next widening or bot fill, and for the first ticket
        // or party to expire. The alarm only moves earlier (crate::alarm):
        // an alarm with nothing left to do rings once and finds nothing,
        // which is cheaper than moving or deleting it at every ticket.
        let expiry = waiting
            .iter()
            .map(|t| t.queued_at_ms.saturating_add(ticket_ms))
            .chain(forming_expiry)
            .min();
        let next = [next_wakeup_ms(&waiting, now, &rules), expiry, pending_due]
            .into_iter()
            .flatten()
            .min();
        // The matched tickets are out of the queue: their players are told
        // even if the alarm cannot be set now (that error is returned after,
        // and an alarm's run is then retried), or they would wait for a
        // `Matched` that never comes.
        let rung = match next {
            Some(_) if self.holds.fail_alarm() => Err(ServerError::Upstream(
                "the alarm could not be set (test hook fail-alarm)".into(),
            )),
            Some(next) => self.ring_by(&storage, now, next).await,
            None => Ok(()),
        };
        for (found, players) in seated {
            if let Err(err) = self.seat_match(&storage, &found, &players).await {
                crate::build::log_error!("could not create a room: {err}");
                // A room its players' data may not leave a jurisdiction
                // for is a lasting failure, and says so; anything else may
                // pass.
                let message = match err {
                    ServerError::Jurisdiction { .. } => {
                        format!("could not create a room: {}", err.public_message())
                    }
                    _ => "could not create a room; try again".to_string(),
                };
                for seated in &players {
                    tickets::send(
                        &seated.ws,
                        LobbyServerFrame::Error {
                            code: ErrorCode::Internal,
                            message: message.clone(),
                        },
                        seated.version,
                    );
                    self.tally(Tally::Error(ErrorCode::Internal));
                    self.tally(Tally::Closed(close::INTERNAL));
                    let _ = seated
                        .ws
                        .close(Some(close::INTERNAL), Some("room creation failed"));
                }
            }
        }
        rung
    }

    /// Drops a ticket nobody can be told about (its sockets are gone: the
    /// runtime restarted under them) or that has waited `ticket_ms` (its
    /// members are closed with 4010); the sockets of a ticket it keeps.
    fn sweep(
        &self,
        storage: &Storage,
        ticket: &Ticket,
        now: u64,
        ticket_ms: u64,
    ) -> Result<Option<Vec<MemberSocket>>> {
        let sockets = self.sockets_of(ticket.id)?;
        let expired = now.saturating_sub(ticket.queued_at_ms) >= ticket_ms;
        if !sockets.is_empty() && !expired {
            return Ok(Some(sockets));
        }
        storage.delete_ticket(ticket.id)?;
        for MemberSocket { ws, .. } in sockets {
            self.tally(Tally::Refused(Limit::TicketTime));
            self.tally(Tally::Closed(close::TICKET_CANCELLED));
            let _ = ws.close(
                Some(close::TICKET_CANCELLED),
                Some(format!(
                    "no match within {} s; the ticket expired",
                    ticket_ms / 1_000
                )),
            );
        }
        Ok(None)
    }

    /// Makes the alarm ring by `at`, as seen at `now` (it only ever moves
    /// earlier: [`crate::alarm`]).
    pub(super) async fn ring_by(&self, storage: &Storage, now: u64, at: u64) -> Result<()> {
        if let AlarmPlan::Set(at) = alarm::plan(now, Some(at), storage.alarm_ms(&self.alarm)?) {
            // Noted once set: a time noted for an alarm that failed to be
            // set would keep later times from setting it.
            let offset = Duration::from_millis(at.saturating_sub(now));
            self.state.storage().set_alarm(offset).await?;
            storage.note_alarm_ms(&self.alarm, Some(at))?;
        }
        Ok(())
    }

    /// Creates and initialises the room for a match, then tells its
    /// players; if one of them left meanwhile, nobody is told, and the
    /// others wait again ([`super::withdrawn`]).
    async fn seat_match(
        &self,
        storage: &Storage,
        found: &Match,
        players: &[MemberSocket],
    ) -> Result<()> {
        let key = self.settings.key(&self.env)?;
        let placement = link::residency(&self.env).room_placement(hint_for_match(
            found.tickets.iter().map(|t| t.hint.as_deref()),
        ));
        let bot_ids = (0..found.bots)
            .map(|_| random_u64().map(PlayerId))
            .collect::<Result<Vec<_>>>()?;
        let seats = seating::seats_for(found, bot_ids);
        let reservation_ms = self.settings()?.seat_reservation_ms;
        let (room, build, charter) = if self.charters_rooms()? {
            // Nothing awaited: nobody can leave meanwhile.
            let (room, charter) =
                self.charter_room(found.mode, seats.clone(), placement, reservation_ms)?;
            (room, CHARTERED_BUILD.to_string(), Some(charter))
        } else {
            let making = self.withdrawals.begin();
            let (room, build) = self
                .create_room(found.mode, seats.clone(), placement, reservation_ms)
                .await?;
            if players.iter().any(|p| self.has_left(p)) {
                self.requeue(storage, found, players).await?;
                drop(making);
                return Ok(());
            }
            drop(making);
            (room, build, None)
        };
        let address = match charter {
            Some(_) => Address::chartered(&room, placement.hint()),
            None => room.clone(),
        };
        // A room is listed for as long as it may still report its result.
        let keep_ms = self.settings()?.reports_within_ms();
        storage.record_room(
            &room.0,
            placement.hint(),
            &build,
            found.tickets.len(),
            now_ms(),
            keep_ms,
        )?;
        let mut closed = 0;
        for seated in players {
            let Some(index) = seats.iter().position(|s| s.player == seated.player) else {
                continue;
            };
            let seat = Seat(u8::try_from(index).unwrap_or(u8::MAX));
            let grant = seat_grant(seat, seated.player);
            let token = match &charter {
                Some(charter) => key.sign_chartered(&room, grant, charter),
                None => key.sign(&room, grant),
            };
            let matched = LobbyServerFrame::Matched {
                room: address.clone(),
                game: found.mode.game(),
                seat,
                token,
            };
            tickets::send(&seated.ws, matched, seated.version);
            let _ = seated.ws.close(Some(close::NORMAL), Some("matched"));
            closed += 1;
        }
        // One write for the match's closes, not one per socket.
        self.tally_times(Tally::Closed(close::NORMAL), closed);
        Ok(())
    }

    /// Whether matches are made with chartered rooms (`ROOM_CHARTER`,
    /// unless the test hook `charter-rooms` said otherwise).
    fn charters_rooms(&self) -> Result<bool> {
        match self.holds.charter_rooms() {
            Some(on) => Ok(on),
            None => Ok(self.settings()?.room_charter),
        }
    }

    /// A new room id with `unique_id()` where `placement` says, and the
    /// charter its players' tokens carry: the room is not called
    /// ([`crate::internal::charter`]).
    fn charter_room(
        &self,
        mode: Mode,
        seats: Vec<SeatSetup>,
        placement: Placement,
        reservation_ms: u64,
    ) -> Result<(RoomId, Vec<u8>)> {
        let settings = self.settings()?;
        let room = link::new_room_id(&self.env, placement)?;
        let charter = Charter {
            mode,
            seats,
            turn_timeout_ms: settings.turn_timeout_ms(mode),
            reservation_ms,
            retention_ms: settings.room_retention_ms,
            created_by: self.state.id().to_string(),
            location_hint: placement.hint().map(str::to_string),
            set_up_by_ms: now_ms().saturating_add(reservation_ms),
        };
        Ok((room, charter.encode()?))
    }

    /// Creates a room with `unique_id()` where `placement` says and
    /// initialises it; returns it with the build its object runs.
    pub(super) async fn create_room(
        &self,
        mode: Mode,
        seats: Vec<SeatSetup>,
        placement: Placement,
        reservation_ms: u64,
    ) -> Result<(RoomId, String)> {
        self.hold_room_creation().await;
        let settings = self.settings()?;
        let (room, stub) = link::new_room(&self.env, placement)?;
        let init = InitRoom {
            setup: AnySetup::new(Terms {
                mode,
                seats,
                seed: random_u64()?,
                turn_timeout_ms: settings.turn_timeout_ms(mode),
                reservation_ms,
                retention_ms: settings.room_retention_ms,
            }),
            created_by: self.state.id().to_string(),
            location_hint: placement.hint().map(str::to_string),
        };
        let (path, mut body) = init.encode()?;
        if self.holds.fail_room() {
            // A test hook (`fail-rooms`): the room gets a setup it cannot
            // read, and refuses it.
            body.truncate(body.len() / 2);
        }
        let response = stub.fetch_with_request(link::post(path, &body)?).await?;
        if response.status_code() != 201 {
            return Err(ServerError::Upstream(format!(
                "room init answered {}",
                response.status_code()
            )));
        }
        let build = response
            .headers()
            .get(BUILD_HEADER)?
            .unwrap_or_else(|| UNKNOWN_BUILD.to_string());
        Ok((room, build))
    }
}

/// A player's grant of a seat, valid for the join-token lifetime.
fn seat_grant(seat: Seat, player: PlayerId) -> Grant {
    Grant {
        role: Role::Player(seat),
        player,
        expires_ms: now_ms().saturating_add(JOIN_TOKEN_TTL_MS),
    }
}

/// A join token for a player's seat, valid for the join-token lifetime.
pub(super) fn seat_token(key: &JoinKey, room: &RoomId, seat: Seat, player: PlayerId) -> String {
    key.sign(room, seat_grant(seat, player))
}
