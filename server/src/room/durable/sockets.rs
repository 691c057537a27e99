//! A room's sockets: accepting them, what each remembers across
//! hibernation (its attachment), who is admitted, and sending to them.
//!
//! The attachment's format: the first release stored `Pending` or
//! `Admitted(role)`; this release adds `AdmittedAt(role, version)` for
//! sockets that agreed on protocol 2 or later, and still writes
//! `Admitted(role)` for version 1 sockets, which the first release reads.
//! (Committed fixtures under `room/fixtures/` hold it to that.)
//!
//! Limits ([`crate::limits`]): a room holds so many sockets in all and per
//! address, and admits so many spectators. Each socket is accepted with
//! two tags, which the runtime keeps for it and which are not part of any
//! stored format: when it was accepted (`at:<ms>`), so that one that says
//! no valid hello in time is closed, and its address (`addr:<key>`), so
//! that an address's sockets are counted without reading every socket.

use super::GameRoom;
use crate::attachment;
use crate::error::{Result, ServerError};
use crate::flood::{FloodGuard, SLOW_DOWN, Verdict};
use crate::http::{self, now_ms};
use crate::internal::charter::names_a_charter;
use crate::room::inbound::Caller;
use crate::room::outbound::{self, Encoded};
use crate::tally::{Limit, Tally};
use serde::{Deserialize, Serialize};
use volley_shared::Seat;
use volley_shared::protocol::{ErrorCode, Role, close, v1};
use worker::{Request, Response, WebSocket, WebSocketPair};

/// Who a room socket is.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
enum Conn {
    /// Accepted; no valid first frame yet. Gets no broadcasts.
    Pending,
    /// Admitted, speaking protocol version 1.
    Admitted(Role),
    /// Admitted, speaking this protocol version (2 or later).
    AdmittedAt(Role, u16),
}

/// What a room socket remembers across hibernation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    conn: Conn,
    /// The socket's rate limits: as its latest frame left them, for a
    /// socket not yet admitted or a spectator; as they were when it was
    /// admitted, for a player, whose seat's live bucket the room keeps in
    /// memory ([`GameRoom::keep_guard`]).
    pub guard: FloodGuard,
}

impl crate::blob::Versioned for Attachment {
    const NAME: &'static str = "room socket attachment";
}

impl Attachment {
    /// A socket just accepted at `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        Attachment {
            conn: Conn::Pending,
            guard: FloodGuard::new(now_ms),
        }
    }

    /// Who the socket is, for the engine.
    pub fn caller(&self) -> Caller {
        match self.conn {
            Conn::Pending => Caller::Pending,
            Conn::Admitted(role) => Caller::Admitted {
                role,
                version: v1::VERSION,
            },
            Conn::AdmittedAt(role, version) => Caller::Admitted { role, version },
        }
    }

    /// The seat of an admitted player's socket.
    pub fn seat(&self) -> Option<Seat> {
        match self.caller() {
            Caller::Admitted {
                role: Role::Player(seat),
                ..
            } => Some(seat),
            _ => None,
        }
    }

    fn admitted(role: Role, version: u16, guard: FloodGuard) -> Self {
        let conn = if version == v1::VERSION {
            Conn::Admitted(role)
        } else {
            Conn::AdmittedAt(role, version)
        };
        Attachment { conn, guard }
    }
}

/// Reads a socket's attachment.
pub fn load(ws: &WebSocket) -> Result<Option<Attachment>> {
    attachment::load(ws)
}

/// Writes a socket's attachment.
pub fn store(ws: &WebSocket, attached: &Attachment) -> Result<()> {
    attachment::store(ws, attached)
}

/// Whether a frame may be handled.
pub enum Gate {
    /// Under the rate limit.
    Pass,
    /// Over it: refused (and the socket cut if it kept on).
    Refused {
        /// The refusal is worth counting: before the cut, or the cut.
        counted: bool,
        /// This frame cut the socket.
        cut: bool,
    },
}

/// Counts a frame against the socket's rate limit; a refused frame is
/// answered here. The caller keeps the bucket ([`GameRoom::keep_guard`]).
pub fn check_rate(ws: &WebSocket, attached: &mut Attachment, now: u64) -> Gate {
    let verdict = attached.guard.frame(now);
    if verdict == Verdict::Allow {
        return Gate::Pass;
    }
    let version = attached.caller().version();
    send_error_in(ws, ErrorCode::RateLimited, SLOW_DOWN, version);
    // Frames still arriving once the socket is being closed are refused
    // but not counted again.
    let counted = http::still_open(ws) && attached.guard.refused_before_cut();
    let cut = verdict == Verdict::Cut && counted;
    if verdict == Verdict::Cut {
        let _ = ws.close(Some(close::RATE_LIMITED), Some("flooding"));
    }
    Gate::Refused { counted, cut }
}

/// Sends an `Error` frame in `version`; the connection stays open.
pub fn send_error_in(ws: &WebSocket, code: ErrorCode, message: &str, version: u16) {
    match outbound::encode_error(code, message, version) {
        Ok(bytes) => {
            let _ = ws.send_with_bytes(&bytes);
        }
        Err(err) => crate::build::log_error!("could not encode an error frame: {err}"),
    }
}

/// Sends an `Error` frame in the version the socket speaks (version 1 if
/// its attachment cannot be read).
pub fn send_error(ws: &WebSocket, code: ErrorCode, message: &str) {
    let version = load(ws)
        .ok()
        .flatten()
        .map_or(v1::VERSION, |a| a.caller().version());
    send_error_in(ws, code, message, version);
}

/// A frame or a close to send once storage is done.
pub enum Outgoing {
    /// To the socket the input came from.
    ToCaller(Vec<u8>),
    /// To every admitted socket but the one with this role, each in its
    /// version.
    ToAdmitted(Encoded, Option<Role>),
    /// Close the caller's socket.
    CloseCaller(u16, String),
    /// Close every socket.
    CloseAll(u16, String),
}

/// The tag noting when a socket was accepted.
const ACCEPTED_AT: &str = "at:";

impl GameRoom {
    /// Accepts a socket within the room's limits; its first frame must be
    /// its hello, before the hello deadline, which the alarm enforces.
    pub(super) async fn accept(&self, req: &Request) -> Result<Response> {
        // A chartered room's first socket comes before the room exists: it
        // sets the room up with its hello ([`GameRoom::on_message`]).
        let set_up = match names_a_charter(&req.path()) {
            true => self.holds_room()?,
            false => {
                self.load_record()?;
                true
            }
        };
        if !http::is_websocket_upgrade(req) {
            return Err(ServerError::UpgradeRequired);
        }
        let settings = self.settings()?;
        let limits = settings.limits;
        let now = now_ms();
        // Counted before accepting: the runtime's own limit must never be
        // reached, since the accept call would panic (crate::limits).
        if self.state.get_websockets().len() >= limits.room_sockets {
            self.tally(now, Tally::Refused(Limit::RoomSockets));
            return Err(ServerError::Full(format!(
                "this room holds at most {} connections; try again later",
                limits.room_sockets
            )));
        }
        let mut tags = vec![format!("{ACCEPTED_AT}{now}")];
        let address = http::address_tag_within(
            &self.state,
            req,
            limits.room_sockets_per_address,
            "connections to one room",
        )
        .inspect_err(|_| self.tally(now, Tally::Refused(Limit::RoomSocketsPerAddress)))?;
        tags.extend(address);
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let pair = WebSocketPair::new()?;
        self.state.accept_websocket_with_tags(&pair.server, &tags);
        store(&pair.server, &Attachment::new(now))?;
        let hello_by = now.saturating_add(limits.hello_ms);
        match set_up {
            true => {
                let storage = self.storage()?;
                self.reschedule_by(&storage, now, Some(hello_by)).await?;
            }
            false => self.ring_before_set_up(now, hello_by).await?,
        }
        Ok(crate::guest::websocket_response(req, pair.client)?)
    }

    /// Closes every socket that has said no valid hello within `hello_ms`
    /// of being accepted, and returns when the next one's time is up.
    pub(super) fn close_silent_sockets(&self, now: u64, hello_ms: u64) -> Option<u64> {
        let mut next: Option<u64> = None;
        for (ws, due) in self.silent_sockets(hello_ms) {
            if due <= now {
                self.tally(now, Tally::Refused(Limit::Hello));
                self.tally(now, Tally::Closed(close::PROTOCOL_VIOLATION));
                let _ = ws.close(
                    Some(close::PROTOCOL_VIOLATION),
                    Some(format!("no hello within {} s", hello_ms / 1_000)),
                );
            } else {
                next = Some(next.map_or(due, |n| n.min(due)));
            }
        }
        next
    }

    /// When the first socket still to say hello must have said it.
    pub(super) fn hello_deadline(&self, hello_ms: u64) -> Option<u64> {
        self.silent_sockets(hello_ms)
            .into_iter()
            .map(|(_, due)| due)
            .min()
    }

    /// The sockets that have said no valid hello yet, each with when it
    /// must have. (Sockets accepted by a release before the tags have
    /// none, and are left out.)
    fn silent_sockets(&self, hello_ms: u64) -> Vec<(WebSocket, u64)> {
        self.state
            .get_websockets()
            .into_iter()
            .filter(|ws| {
                load(ws)
                    .ok()
                    .flatten()
                    .is_some_and(|a| a.caller() == Caller::Pending)
            })
            .filter_map(|ws| {
                let accepted = self
                    .state
                    .get_tags(&ws)
                    .iter()
                    .find_map(|tag| tag.strip_prefix(ACCEPTED_AT)?.parse::<u64>().ok())?;
                Some((ws, accepted.saturating_add(hello_ms)))
            })
            .collect()
    }

    /// How many spectators are admitted.
    pub(super) fn spectators(&self) -> usize {
        self.admitted()
            .iter()
            .filter(|(_, role, _)| *role == Role::Spectator)
            .count()
    }

    /// The admitted sockets, with their roles and versions.
    pub(super) fn admitted(&self) -> Vec<(WebSocket, Role, u16)> {
        self.state
            .get_websockets()
            .into_iter()
            .filter_map(|ws| match load(&ws).ok().flatten()?.caller() {
                Caller::Admitted { role, version } => Some((ws, role, version)),
                Caller::Pending => None,
            })
            .collect()
    }

    /// Records who `caller` is and the version it speaks; a player's older
    /// connection is closed.
    pub(super) fn admit(&self, caller: &WebSocket, role: Role, version: u16) -> Result<()> {
        let now = now_ms();
        let mut guard = load(caller)?.map_or_else(|| FloodGuard::new(now), |a| a.guard);
        if let Role::Player(seat) = role {
            // The seat's sockets before, open or closed: their bucket too.
            if let Some(&known) = self.seat_guards.borrow().get(&seat) {
                guard = guard.stricter(known, now);
            }
            for (old, old_role, _) in self.admitted() {
                if old_role == role {
                    // The new connection takes over the old one's bucket
                    // if it is emptier: reconnecting is no way around the
                    // flood limit.
                    if let Ok(Some(previous)) = load(&old) {
                        guard = guard.stricter(previous.guard, now);
                    }
                    // Best effort: the old socket may already be gone.
                    self.tally(now, Tally::Closed(close::REPLACED));
                    let _ = old.close(
                        Some(close::REPLACED),
                        Some("another connection took this seat"),
                    );
                }
            }
            self.seat_guards.borrow_mut().insert(seat, guard);
        }
        store(caller, &Attachment::admitted(role, version, guard))
    }

    /// Puts a player's live bucket, the seat's in memory, in place of the
    /// one its attachment was admitted with.
    pub(super) fn take_live_guard(&self, attached: &mut Attachment) {
        if let Some(seat) = attached.seat()
            && let Some(&live) = self.seat_guards.borrow().get(&seat)
        {
            attached.guard = live;
        }
    }

    /// Keeps a socket's bucket after a frame: a player's in memory, by
    /// seat (no storage call per frame); any other socket's (not yet
    /// admitted, or a spectator) in its attachment.
    pub(super) fn keep_guard(&self, ws: &WebSocket, attached: &Attachment) -> Result<()> {
        match attached.seat() {
            Some(seat) => {
                self.seat_guards.borrow_mut().insert(seat, attached.guard);
                Ok(())
            }
            None => store(ws, attached),
        }
    }

    /// A closing socket of a player: the seat's next connection takes its
    /// bucket over. The seat's bucket in memory is its latest; a seat
    /// with none yet (this instance has had no frame from it) takes the
    /// one the socket was admitted with.
    pub(super) fn remember_guard(&self, ws: &WebSocket) {
        let Ok(Some(attachment)) = load(ws) else {
            return;
        };
        if let Some(seat) = attachment.seat() {
            self.seat_guards
                .borrow_mut()
                .entry(seat)
                .or_insert(attachment.guard);
        }
    }

    /// Sends what the handler decided, in order.
    pub(super) fn send(&self, caller: Option<&WebSocket>, outbox: Vec<Outgoing>) {
        // Who is admitted, looked up once for all the frames.
        let mut admitted: Option<Vec<(WebSocket, Role, u16)>> = None;
        for outgoing in outbox {
            match outgoing {
                Outgoing::ToCaller(bytes) => {
                    if let Some(ws) = caller {
                        let _ = ws.send_with_bytes(&bytes);
                    }
                }
                Outgoing::ToAdmitted(encoded, except) => {
                    for (ws, role, version) in
                        admitted.get_or_insert_with(|| self.admitted()).iter()
                    {
                        if Some(*role) != except {
                            let _ = ws.send_with_bytes(encoded.for_version(*version));
                        }
                    }
                }
                Outgoing::CloseCaller(code, reason) => {
                    if let Some(ws) = caller {
                        let _ = ws.close(Some(code), Some(reason));
                    }
                }
                Outgoing::CloseAll(code, reason) => {
                    for ws in self.state.get_websockets() {
                        let _ = ws.close(Some(code), Some(reason.clone()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::Seat;

    fn fixture(name: &str) -> Vec<u8> {
        let text = match name {
            "pending" => include_str!("../fixtures/attachment-v1-pending.hex"),
            "player-1" => include_str!("../fixtures/attachment-v1-player-1.hex"),
            _ => include_str!("../fixtures/attachment-v1-spectator.hex"),
        };
        hex::decode(text.trim()).unwrap()
    }

    fn decode(bytes: &[u8]) -> Attachment {
        crate::blob::decode(crate::blob::Kind::Attachment, bytes).unwrap()
    }

    fn encode(attached: &Attachment) -> Vec<u8> {
        crate::blob::encode(crate::blob::Kind::Attachment, attached).unwrap()
    }

    #[test]
    fn attachments_tagged_as_format_2_read_the_same() {
        let attached: Attachment = crate::blob::assert_fixtures(
            crate::blob::Kind::Attachment,
            include_str!("../fixtures/attachment-v1-player-1.hex"),
            include_str!("../fixtures/attachment-v2-player-1.hex"),
        );
        assert_eq!(attached, decode(&fixture("player-1")));
    }

    #[test]
    fn attachments_of_the_first_release_still_read() {
        let guard = FloodGuard::new(1_000_000);
        assert_eq!(decode(&fixture("pending")), Attachment::new(1_000_000));
        let player = decode(&fixture("player-1"));
        assert_eq!(
            player.caller(),
            Caller::Admitted {
                role: Role::Player(Seat(1)),
                version: 1
            }
        );
        assert_eq!(player.guard, guard);
        assert_eq!(
            decode(&fixture("spectator")).caller(),
            Caller::Admitted {
                role: Role::Spectator,
                version: 1
            }
        );
    }

    #[test]
    fn version_1_sockets_are_written_as_the_first_release_writes_them() {
        let guard = FloodGuard::new(1_000_000);
        let v1 = Attachment::admitted(Role::Player(Seat(1)), 1, guard);
        assert_eq!(encode(&v1), fixture("player-1"));
        assert_eq!(encode(&Attachment::new(1_000_000)), fixture("pending"));
        let v2 = Attachment::admitted(Role::Spectator, 2, guard);
        assert_eq!(
            decode(&encode(&v2)).caller(),
            Caller::Admitted {
                role: Role::Spectator,
                version: 2
            }
        );
    }
}
