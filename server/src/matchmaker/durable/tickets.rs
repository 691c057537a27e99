//! Ticket sockets: opening one, reading `FindMatch` (its ticket is queued
//! in [`super::queueing`]), answering pings, and cancelling a ticket when
//! its socket closes.
//!
//! A socket's attachment says where it is ([`TicketState`]). Its format:
//! the first release stored `Connected`, `Queued` and `Matching`; this
//! release adds `QueuedAt` and `MatchingAt`, for a ticket socket that agreed
//! on protocol 2 or later, and still writes `Queued` and `Matching` for
//! version 1 sockets, which the first release reads (fixtures under
//! `matchmaker/fixtures/`).

use super::{Matchmaker, SOCKET_ID, random_u64};
use crate::attachment;
use crate::error::{Result, ServerError};
use crate::handshake::{self, Offered, Refusal};
use crate::http::{self, now_ms};
use crate::internal::link;
use crate::matchmaker::lobby::{self, FindMatch, Request as LobbyRequest};
use crate::matchmaker::pending;
use crate::matchmaker::shards::{self, Pool};
use crate::tally::{Limit, Tally};
use serde::{Deserialize, Serialize};
use volley_shared::protocol::{ErrorCode, LobbyServerFrame, close, v1};
use volley_shared::{Mode, PlayerId, codec};
use worker::{Request, Response, WebSocket, WebSocketIncomingMessage, WebSocketPair};

/// The tag every ticket socket is accepted with.
pub const TICKET_TAG: &str = "ticket";
/// The tag of a ticket socket a regional shard accepted (not the global
/// pool), where a party may not queue ([`lobby::check_place`]).
pub(super) const REGIONAL_TAG: &str = "regional";

/// What a ticket socket's tags say, read once per event (each read
/// crosses into the runtime and copies every tag).
pub(super) struct Tags {
    /// The socket's id (`id:`), if it has one.
    pub id: Option<String>,
    /// Whether a regional shard accepted it.
    pub regional: bool,
    /// Its deadline for a first frame (`due:`), if it has one.
    pub due: Option<u64>,
}

/// What a ticket socket remembers across hibernation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TicketState {
    /// Connected; no `FindMatch` yet. `player` is the guest identity the
    /// Worker verified, if the client has one.
    Connected {
        /// The shard's mode (`?mode=`).
        mode: Mode,
        /// The continent Cloudflare saw the client connect from.
        continent: Option<String>,
        /// The location hint for it.
        hint: Option<String>,
        /// The verified guest, if any.
        player: Option<PlayerId>,
    },
    /// In the queue (or in a party still forming), as this player, speaking
    /// protocol version 1.
    Queued {
        /// The ticket.
        ticket: u64,
        /// This socket's player.
        player: PlayerId,
    },
    /// Taken into a match; the room is being made.
    Matching,
    /// Like `Queued`, speaking this protocol version (2 or later).
    QueuedAt {
        /// The ticket.
        ticket: u64,
        /// This socket's player.
        player: PlayerId,
        /// The version the socket speaks.
        version: u16,
    },
    /// Like `Matching`, speaking this protocol version (2 or later).
    MatchingAt {
        /// The version the socket speaks.
        version: u16,
    },
}

impl crate::blob::Versioned for TicketState {
    const NAME: &'static str = "ticket socket attachment";
}

impl TicketState {
    /// A queued socket in `version`, written as the first release writes
    /// it for version 1.
    pub fn queued(ticket: u64, player: PlayerId, version: u16) -> TicketState {
        if version == v1::VERSION {
            TicketState::Queued { ticket, player }
        } else {
            TicketState::QueuedAt {
                ticket,
                player,
                version,
            }
        }
    }

    /// A socket taken into a match, written as the first release writes it
    /// for version 1.
    pub fn matching(version: u16) -> TicketState {
        if version == v1::VERSION {
            TicketState::Matching
        } else {
            TicketState::MatchingAt { version }
        }
    }

    /// The ticket, player and version of a queued socket.
    pub fn ticket(&self) -> Option<(u64, PlayerId, u16)> {
        match *self {
            TicketState::Queued { ticket, player } => Some((ticket, player, v1::VERSION)),
            TicketState::QueuedAt {
                ticket,
                player,
                version,
            } => Some((ticket, player, version)),
            TicketState::Connected { .. }
            | TicketState::Matching
            | TicketState::MatchingAt { .. } => None,
        }
    }

    /// The version frames to this socket are in (version 1 until it
    /// agreed on another).
    pub fn version(&self) -> u16 {
        match *self {
            TicketState::MatchingAt { version } => version,
            _ => self.ticket().map_or(v1::VERSION, |(_, _, version)| version),
        }
    }
}

/// Sends a lobby frame in `version`.
pub fn send(ws: &WebSocket, frame: LobbyServerFrame, version: u16) {
    match lobby::encode(frame, version) {
        Ok(bytes) => {
            let _ = ws.send_with_bytes(&bytes);
        }
        Err(err) => crate::build::log_error!("could not encode a lobby frame: {err}"),
    }
}

/// Sends an `Error` frame in the socket's version; it stays open.
pub fn send_error(ws: &WebSocket, code: ErrorCode, message: &str) {
    let version = attachment::load::<TicketState>(ws)
        .ok()
        .flatten()
        .map_or(v1::VERSION, |state| state.version());
    send_error_in(ws, code, message, version);
}

/// Where a ticket socket connected from, as the Worker said.
pub(super) struct Place {
    pub continent: Option<String>,
    pub hint: Option<String>,
    pub player: Option<PlayerId>,
}

/// Settles a ticket socket's version for `mode`: sends the answer to an
/// opening, or refuses (and closes) the socket; the version, if settled.
fn settle(ws: &WebSocket, mode: Mode, offered: Offered) -> Result<Option<u16>> {
    match handshake::settle(mode, offered) {
        Ok(settled) => {
            if let Some(answer) = settled.answer() {
                ws.send_with_bytes(codec::encode_answer(&answer)?)?;
            }
            Ok(Some(settled.version()))
        }
        Err(Refusal::V1 { message }) => {
            send_error_in(ws, Refusal::V1_CODE, &message, v1::VERSION);
            ws.close(Some(Refusal::V1_CLOSE), Some(message))?;
            Ok(None)
        }
        Err(Refusal::Opening {
            answer,
            close,
            message,
        }) => {
            let _ = ws.send_with_bytes(codec::encode_answer(&answer)?);
            ws.close(Some(close), Some(message))?;
            Ok(None)
        }
    }
}

/// Refuses a `FindMatch`. A version 1 socket stays open (it may send
/// another, as the first release allowed); a later version's socket, whose
/// opening was answered, is closed with 4002.
pub(super) fn refuse(ws: &WebSocket, code: ErrorCode, message: &str, version: u16) {
    send_error_in(ws, code, message, version);
    if version != v1::VERSION {
        let _ = ws.close(Some(close::PROTOCOL_VIOLATION), Some(message));
    }
}

/// Tells a party member that another left, and closes its socket: the
/// party's ticket is cancelled.
pub(super) fn party_left(ws: &WebSocket, version: u16) {
    send_error_in(
        ws,
        ErrorCode::UnexpectedFrame,
        "a member of your party left; the ticket is cancelled",
        version,
    );
    let _ = ws.close(
        Some(close::TICKET_CANCELLED),
        Some("a member of your party left"),
    );
}

fn send_error_in(ws: &WebSocket, code: ErrorCode, message: &str, version: u16) {
    let frame = LobbyServerFrame::Error {
        code,
        message: message.to_string(),
    };
    send(ws, frame, version);
}

impl Matchmaker {
    /// What a socket's tags say.
    pub(super) fn tags(&self, ws: &WebSocket) -> Tags {
        let mut tags = Tags {
            id: None,
            regional: false,
            due: None,
        };
        for tag in self.state.get_tags(ws) {
            if let Some(id) = tag.strip_prefix(SOCKET_ID) {
                tags.id = Some(id.to_string());
            }
            tags.regional |= tag == REGIONAL_TAG;
            tags.due = tags.due.or_else(|| pending::due_in_tag(&tag));
        }
        tags
    }

    /// `GET /api/matchmake?mode=..`: a ticket socket, within the shard's
    /// limits on sockets in all and per address ([`crate::limits`]).
    pub(super) async fn open_ticket(&self, req: &Request) -> Result<Response> {
        if !http::is_websocket_upgrade(req) {
            return Err(ServerError::UpgradeRequired);
        }
        let query = http::Query::of(req);
        let mode = query.mode()?;
        let settings = self.settings()?;
        let pool = query.get("pool").and_then(Pool::from_code);
        if let Some(answer) =
            self.hand_over_if_quiet(pool, mode, settings.quiet_tickets_per_minute)?
        {
            return Ok(answer);
        }
        let limits = settings.limits;
        if self.ticket_sockets_full(limits.ticket_sockets) {
            self.tally(Tally::Refused(Limit::TicketSockets));
            return Err(ServerError::Full(format!(
                "this coordinator holds at most {} tickets; try again later",
                limits.ticket_sockets
            )));
        }
        let id = format!("{:x}", random_u64()?);
        // Silent until the deadline its tag says: the alarm closes it.
        let now = now_ms();
        let due = now.saturating_add(limits.hello_ms);
        let mut tags = vec![
            TICKET_TAG.to_string(),
            format!("{SOCKET_ID}{id}"),
            pending::due_tag(due),
        ];
        if let Some(Pool::Regional(_)) = pool {
            tags.push(REGIONAL_TAG.to_string());
        }
        let address = http::address_tag_within(
            &self.state,
            req,
            limits.ticket_sockets_per_address,
            "tickets",
        )
        .inspect_err(|_| self.tally(Tally::Refused(Limit::TicketSocketsPerAddress)))?;
        tags.extend(address);
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let pair = WebSocketPair::new()?;
        self.state.accept_websocket_with_tags(&pair.server, &tags);
        self.ticket_sockets
            .set(self.ticket_sockets.get().map(|n| n + 1));
        attachment::store(
            &pair.server,
            &TicketState::Connected {
                mode,
                continent: query.get("continent").map(str::to_string),
                hint: query.get("hint").map(str::to_string),
                // Only the Worker sets this, after verifying a guest token.
                player: query
                    .get("player")
                    .and_then(|hex| u64::from_str_radix(hex, 16).ok())
                    .map(PlayerId),
            },
        )?;
        self.silent.opened(&id, due);
        self.ring_by(&self.storage()?, now, due).await?;
        Ok(crate::guest::websocket_response(req, pair.client)?)
    }

    /// In a regional shard (`?pool=`, which the Worker sets), counts the
    /// ticket; a quiet shard answers with a hand-over to the global pool
    /// instead of a socket ([`shards`]), unless that would part players
    /// who could meet ([`hand_over`]).
    fn hand_over_if_quiet(
        &self,
        pool: Option<Pool>,
        mode: Mode,
        threshold: u32,
    ) -> Result<Option<Response>> {
        let Some(pool @ Pool::Regional(_)) = pool else {
            return Ok(None);
        };
        // A shard kept in a jurisdiction keeps its players' tickets there.
        if link::residency(&self.env).shard_home(pool).is_some() {
            return Ok(None);
        }
        let storage = self.storage()?;
        let now = now_ms();
        let quiet = shards::is_quiet(storage.note_arrival(now, threshold)?, threshold);
        // Its own: tickets queued, and sockets that have not said
        // `FindMatch` yet (each about to queue one).
        let own_waiting = storage.waiting()? + self.silent.len();
        let mut hand_overs = self.hand_overs.get();
        let hands_over = hand_overs.hands_over(quiet, own_waiting, mode.players(), now);
        self.hand_overs.set(hand_overs);
        if !hands_over {
            return Ok(None);
        }
        let mut answer = Response::ok("this region is quiet: queue in the global pool")?
            .with_status(shards::HAND_OVER_STATUS);
        answer
            .headers_mut()
            .set(shards::HAND_OVER_HEADER, Pool::Global.code())?;
        Ok(Some(answer))
    }

    pub(super) async fn on_message(
        &self,
        ws: &WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let Some(state) = attachment::load::<TicketState>(ws)? else {
            ws.close(Some(close::INTERNAL), Some("socket has no attachment"))?;
            return Ok(());
        };
        let version = state.version();
        let tags = self.tags(ws);
        if !self.within_rate(ws, tags.id.as_deref(), version)? {
            return Ok(());
        }
        let WebSocketIncomingMessage::Binary(bytes) = message else {
            send_error_in(
                ws,
                ErrorCode::MalformedFrame,
                "Volley speaks binary frames only",
                version,
            );
            return Ok(());
        };
        let first = matches!(state, TicketState::Connected { .. });
        match lobby::read(&bytes, first, version) {
            LobbyRequest::FindMatch(find) => self.find_match(ws, state, find, tags).await,
            LobbyRequest::BadOpening(versions, code, message) => {
                let TicketState::Connected { mode, .. } = state else {
                    send_error_in(ws, code, &message, version);
                    return Ok(());
                };
                if let Some(version) = settle(ws, mode, Offered::Range(versions))? {
                    refuse(ws, code, &message, version);
                }
                Ok(())
            }
            LobbyRequest::Ping(nonce) => {
                send(ws, LobbyServerFrame::Pong { nonce }, version);
                Ok(())
            }
            LobbyRequest::Refuse(code, message) => {
                send_error_in(ws, code, &message, version);
                Ok(())
            }
        }
    }

    /// A ticket socket's `FindMatch`: settles the version (refusing with
    /// the close code that says who is too old), checks the request, then
    /// queues the ticket. Once an opening has been answered, every refusal
    /// or failure closes the socket, so the client never has to guess which
    /// version a later frame is in.
    async fn find_match(
        &self,
        ws: &WebSocket,
        state: TicketState,
        find: FindMatch,
        tags: Tags,
    ) -> Result<()> {
        let TicketState::Connected {
            mode: shard_mode,
            continent,
            hint,
            player,
        } = state
        else {
            return Ok(());
        };
        let Some(version) = settle(ws, find.mode, find.offered)? else {
            return Ok(());
        };
        let checked = lobby::check(find, shard_mode)
            .and_then(|f| lobby::check_place(&f, tags.regional).map(|()| f));
        let find = match checked {
            Ok(find) => find,
            Err(message) => {
                refuse(ws, ErrorCode::UnexpectedFrame, &message, version);
                return Ok(());
            }
        };
        let place = Place {
            continent,
            hint,
            player,
        };
        match self.queue(ws, find, place, version, tags.id).await {
            Ok(()) => Ok(()),
            Err(err) => {
                crate::build::log_error!("could not queue a ticket: {err}");
                send_error_in(
                    ws,
                    ErrorCode::Internal,
                    "could not queue the ticket; try again",
                    version,
                );
                let _ = ws.close(Some(close::INTERNAL), Some("could not queue the ticket"));
                Ok(())
            }
        }
    }

    /// A ticket socket closed (with id `closing`, its tag): its ticket is
    /// cancelled, and the other members of a party are told and closed.
    pub(super) fn cancel(&self, ws: &WebSocket, closing: Option<String>) -> Result<()> {
        if let Some(socket) = &closing {
            self.rating_reads.closed(socket);
        }
        let state = attachment::load::<TicketState>(ws)?;
        if let Some(TicketState::Matching | TicketState::MatchingAt { .. }) = state {
            // Its room may be being made: the others wait again
            // (`withdrawn`).
            if let Some(socket) = closing {
                self.withdrawals.note(socket);
            }
            return Ok(());
        }
        let Some((ticket, player, _)) = state.and_then(|s| s.ticket()) else {
            return Ok(());
        };
        let storage = self.storage()?;
        // Its id, if drawn for it, will never be settled.
        storage.forget_anonymous([player])?;
        // Found by index while the ticket's member rows are still there
        // (after, the lookup would fall back to reading every socket).
        let others: Vec<_> = self
            .sockets_of(ticket)?
            .into_iter()
            .filter(|other| closing.is_none() || other.socket != closing)
            .collect();
        if !storage.delete_ticket(ticket)? {
            return Ok(());
        }
        for other in others {
            party_left(&other.ws, other.version);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::{self, Kind};

    fn fixture(text: &str) -> Vec<u8> {
        hex::decode(text.trim()).unwrap()
    }

    #[test]
    fn ticket_attachments_of_the_first_release_still_read() {
        let connected: TicketState = blob::decode(
            Kind::Attachment,
            &fixture(include_str!("../fixtures/ticket-v1-connected.hex")),
        )
        .unwrap();
        assert_eq!(
            connected,
            TicketState::Connected {
                mode: Mode::Duel,
                continent: Some("EU".into()),
                hint: Some("weur".into()),
                player: Some(PlayerId(u64::MAX)),
            }
        );
        let queued_bytes = fixture(include_str!("../fixtures/ticket-v1-queued.hex"));
        let queued: TicketState = blob::decode(Kind::Attachment, &queued_bytes).unwrap();
        assert_eq!(queued.ticket(), Some((42, PlayerId(u64::MAX), 1)));
        let matching: TicketState = blob::decode(
            Kind::Attachment,
            &fixture(include_str!("../fixtures/ticket-v1-matching.hex")),
        )
        .unwrap();
        assert_eq!(matching, TicketState::Matching);
        // Version 1 sockets are still written in the first release's format.
        let again = TicketState::queued(42, PlayerId(u64::MAX), 1);
        assert_eq!(
            blob::encode(Kind::Attachment, &again).unwrap(),
            queued_bytes
        );
        let v2 = TicketState::queued(42, PlayerId(7), 2);
        assert_eq!(v2.ticket(), Some((42, PlayerId(7), 2)));
        assert_eq!(v2.version(), 2);
        // A socket being matched keeps its version; version 1 is written
        // as the first release wrote it.
        assert_eq!(TicketState::matching(2).version(), 2);
        assert_eq!(TicketState::matching(1), TicketState::Matching);
        assert_eq!(TicketState::matching(1).version(), 1);
    }

    #[test]
    fn ticket_attachments_tagged_as_format_2_read_the_same() {
        let queued: TicketState = blob::assert_fixtures(
            Kind::Attachment,
            include_str!("../fixtures/ticket-v1-queued.hex"),
            include_str!("../fixtures/ticket-v2-queued.hex"),
        );
        assert_eq!(queued.ticket(), Some((42, PlayerId(u64::MAX), 1)));
    }
}
