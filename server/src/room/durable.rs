//! The `GameRoom` Durable Object: a thin adapter around the pure room.
//!
//! Every event (a frame, a new connection, the alarm) opens the room's
//! [`Storage`], loads the room ([`RoomRecord`], of whichever game), hands
//! the event to the pure code, and carries out the effects it returns:
//! first everything that is stored (logs, the room record, timers and the
//! one alarm set to the earliest timer), then everything that is sent.
//! Sockets are accepted with the hibernation API and carry a small
//! attachment (who the connection is, the protocol version it speaks, and
//! its rate limits), so an idle room is evicted from memory and rebuilt
//! from storage alone when the next event arrives. Besides a few flags, the
//! only thing kept in memory between events is a copy of the record exactly
//! as last written (so a frame does not read and decode it again); storage
//! stays the truth, and the constructor does no I/O.
//!
//! - this file: the object, its handlers and routes, and loading the room.
//! - [`setup`]: setting the room up: from the coordinator's `InitRoom`, or
//!   from the charter in a first `Hello` ([`crate::internal::charter`]).
//! - [`sockets`]: accepting sockets, their attachments, who is admitted.
//! - [`carry`]: carrying out effects: storage first, then frames, then the
//!   result report.
//! - [`counts`]: what the room counts for the operators' dashboard, and
//!   handing it to its shard.
//! - [`public`]: what anyone may ask over HTTP: facts, replay, a spectator
//!   token.
//! - [`hooks`]: test and benchmark hooks (`VOLLEY_TEST_HOOKS`,
//!   `VOLLEY_BENCH`).

mod carry;
mod counts;
mod hooks;
mod public;
mod setup;
mod sockets;

use super::any::AnyEffects;
use super::inbound::Caller;
use super::record::RoomRecord;
use super::refusals::Denied;
use super::storage::Storage;
use super::wakeups::Wakeup;
use crate::error::{Result, ServerError, respond};
use crate::http::now_ms;
use crate::internal::{self, CLAIM_PATH, ClaimSeat, INIT_ROOM_PATH, INIT_ROOM_V2_PATH, InitRoom};
use crate::settings::{self, Settings};
use crate::sql::Schema;
use crate::tally::{Limit, Tally};
use crate::token::TokenError;
use setup::Unset;
use sockets::Gate;
use std::cell::{Cell, RefCell};
use volley_shared::RoomId;
use volley_shared::protocol::{ErrorCode, Role, close};
use worker::{
    DurableObject, Env, Method, Request, Response, State, WebSocket, WebSocketIncomingMessage,
    durable_object,
};

/// One match, as a Durable Object.
#[durable_object]
pub struct GameRoom {
    state: State,
    env: Env,
    instance: u64,
    /// The settings, parsed once per instance.
    settings: settings::Cached,
    /// No handler has run on this instance yet.
    fresh: Cell<bool>,
    /// Whether this room counts its wake-ups, once known.
    counting: Cell<Option<bool>>,
    /// Whether the tables exist (created or checked once per instance).
    schema: Schema,
    /// When the alarm was last set to ring, once read.
    alarm: crate::alarm::Noted,
    /// The room record as last written to storage by this instance, so a
    /// frame does not read and decode it again (nor rebuild the terrain).
    /// Taken out while a handler works on it and put back once its writes
    /// are done, before any await; a handler that fails leaves it empty,
    /// and the next one reads storage. Lost with the instance (eviction).
    record: RefCell<Option<RoomRecord>>,
    /// Each seat's flood bucket as its sockets' frames left it, open or
    /// closed, so a frame does not rewrite its socket's attachment, and a
    /// reconnection takes its old bucket over, never a full one
    /// ([`crate::flood::FloodGuard::stricter`]). Lost with the instance,
    /// which hibernates only after long enough idle for any bucket to
    /// refill; the attachment keeps the bucket each socket was admitted
    /// with ([`sockets`]).
    seat_guards: RefCell<std::collections::HashMap<volley_shared::Seat, crate::flood::FloodGuard>>,
    /// Each seat's last move not yet acknowledged: its first event and
    /// when it arrived ([`counts`]). Lost with the instance.
    moves_sent: RefCell<std::collections::HashMap<volley_shared::Seat, (u64, u64)>>,
    /// Round trips measured and not yet written, as (when, ms): written
    /// with the room's next write ([`counts`]). Lost with the instance,
    /// which is evicted only after an idle spell.
    round_trips: RefCell<Vec<(u64, u64)>>,
    /// A result report is on its way to the shard: another asked for
    /// meanwhile is not sent ([`carry`]). Lost with the instance.
    reporting: Cell<bool>,
}

impl DurableObject for GameRoom {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            // Only a label: a failed draw leaves it 0.
            instance: getrandom::u64().unwrap_or(0),
            settings: settings::Cached::default(),
            fresh: Cell::new(true),
            counting: Cell::new(None),
            schema: Schema::default(),
            alarm: crate::alarm::Noted::default(),
            record: RefCell::new(None),
            seat_guards: RefCell::default(),
            moves_sent: RefCell::default(),
            round_trips: RefCell::default(),
            reporting: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        respond(self.route(req).await)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        self.woken(Wakeup::Message);
        if let Err(err) = self.on_message(&ws, message).await {
            crate::build::log_error!("room message failed: {err}");
            match sockets::load(&ws) {
                // An admitted socket has its version: tell it, it stays.
                Ok(Some(attached)) if attached.caller() != Caller::Pending => {
                    self.tally(now_ms(), Tally::Error(ErrorCode::Internal));
                    sockets::send_error(
                        &ws,
                        ErrorCode::Internal,
                        "the room failed to handle that frame",
                    );
                }
                // Before its hello is done the client may not know which
                // version a frame would be in: close instead.
                _ => {
                    self.tally(now_ms(), Tally::Closed(close::INTERNAL));
                    let _ = ws.close(Some(close::INTERNAL), Some("the room failed; try again"));
                }
            }
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> worker::Result<()> {
        self.woken(Wakeup::Close);
        // The runtime answers the close itself (compatibility flag
        // web_socket_auto_reply_to_close). A seat stays reserved for a
        // rejoin, and its turns keep their deadlines; its flood bucket is
        // kept for the rejoin.
        self.remember_guard(&ws);
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, err: worker::Error) -> worker::Result<()> {
        self.woken(Wakeup::Error);
        crate::build::log_warn!("room socket error: {err}");
        Ok(())
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.woken(Wakeup::Alarm);
        // An error makes the runtime retry the alarm (a reset during an
        // update included): its timers are still in the table.
        self.on_alarm(now_ms())
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        Response::ok("alarm handled")
    }
}

impl GameRoom {
    async fn route(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        if path.ends_with("/debug/wakeups") {
            return self.wakeups_hook(req.method());
        }
        self.woken(Wakeup::Fetch);
        match (req.method(), path.as_str()) {
            (Method::Post, INIT_ROOM_PATH | INIT_ROOM_V2_PATH) => {
                let body = req.bytes().await?;
                let init = InitRoom::decode(&path, &body)?;
                self.init(init).await
            }
            (Method::Post, CLAIM_PATH) => {
                let claim: ClaimSeat = internal::link::read(&mut req).await?;
                self.claim(claim).await
            }
            (Method::Get, p) if p.ends_with("/ws") => self.accept(&req).await,
            (Method::Get, p) if p.ends_with("/replay") => self.replay(),
            (Method::Post, p) if p.ends_with("/spectate") => self.spectator_token(),
            (Method::Post, p) if p.contains("/debug/") => self.test_hook(&req, p).await,
            (Method::Get, _) => self.info(),
            _ => Err(ServerError::MethodNotAllowed),
        }
    }

    fn settings(&self) -> Result<&Settings> {
        self.settings.get(&self.env)
    }

    fn storage(&self) -> Result<Storage> {
        self.schema
            .open(self.state.storage().sql(), Storage::open, Storage::existing)
    }

    /// The room record, from memory if this instance has it, else from
    /// storage. The caller holds it until [`GameRoom::carry_out`] has
    /// written it and puts it back.
    fn take_record(&self, storage: &Storage) -> Result<Option<RoomRecord>> {
        match self.record.take() {
            Some(record) => Ok(Some(record)),
            None => storage.load(),
        }
    }

    /// The record for a read-only request, without taking it.
    fn load_record(&self) -> Result<RoomRecord> {
        if let Some(record) = self.record.borrow().as_ref() {
            return Ok(record.clone());
        }
        if !self.schema.is_ready() && !Storage::holds_a_room(&self.state.storage().sql())? {
            return Err(ServerError::NotFound(format!("no room {}", self.room_id())));
        }
        self.storage()?
            .load()?
            .ok_or_else(|| ServerError::NotFound(format!("no room {}", self.room_id())))
    }

    fn room_id(&self) -> RoomId {
        RoomId(self.state.id().to_string())
    }

    async fn on_message(&self, ws: &WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let now = now_ms();
        let Some(mut attached) = sockets::load(ws)? else {
            ws.close(Some(close::INTERNAL), Some("socket has no attachment"))?;
            return Ok(());
        };
        let caller = attached.caller();
        self.take_live_guard(&mut attached);
        if let Gate::Refused { counted, cut } = sockets::check_rate(ws, &mut attached, now) {
            self.keep_guard(ws, &attached)?;
            if counted {
                self.tally(now, Tally::Refused(Limit::Frames));
                self.tally(now, Tally::Error(ErrorCode::RateLimited));
            }
            if cut {
                self.tally(now, Tally::Closed(close::RATE_LIMITED));
            }
            return Ok(());
        }
        let WebSocketIncomingMessage::Binary(bytes) = message else {
            self.keep_guard(ws, &attached)?;
            self.tally(now, Tally::Error(ErrorCode::MalformedFrame));
            sockets::send_error_in(
                ws,
                ErrorCode::MalformedFrame,
                "Volley speaks binary frames only",
                caller.version(),
            );
            return Ok(());
        };
        // Only a first frame needs the key (to judge its token).
        let key = match caller {
            Caller::Pending => Some(self.settings.key(&self.env)?),
            Caller::Admitted { .. } => None,
        };
        let room_id = self.room_id();
        let max_spectators = self.settings()?.limits.spectators;
        let verify = |token: &str| {
            let grant = match key {
                Some(key) => key.verify(&room_id, token, now)?,
                None => return Err(TokenError::Malformed.into()),
            };
            if grant.role == Role::Spectator && self.spectators() >= max_spectators {
                self.tally(now, Tally::Refused(Limit::Spectators));
                return Err(Denied::Full(format!(
                    "this room admits at most {max_spectators} spectators; try again later"
                )));
            }
            Ok(grant)
        };
        let held = match self.holds_room()? {
            true => {
                let storage = self.storage()?;
                self.take_record(&storage)?.map(|record| (storage, record))
            }
            false => None,
        };
        // No room (not set up yet, or a set-up that failed midway left
        // tables without a record): a chartered hello may set it up.
        let mut set_up_for = None;
        let (storage, mut record) = match held {
            Some(found) => found,
            None => match self.set_up_from_charter(caller, &bytes, key, now).await? {
                Unset::SetUp {
                    storage,
                    record,
                    shard,
                } => {
                    set_up_for = Some(shard);
                    (storage, *record)
                }
                // Said in the close alone: no version is settled, and no
                // room exists to settle one.
                Unset::Refused(err) => {
                    ws.close(Some(close::BAD_TOKEN), Some(&err.to_string()))?;
                    return Ok(());
                }
                Unset::NoRoom => {
                    ws.close(Some(close::ROOM_CLOSED), Some("the room is gone"))?;
                    return Ok(());
                }
            },
        };
        let effects = record
            .room
            .receive(now, caller, &bytes, &mut attached.guard, verify);
        self.keep_guard(ws, &attached)?;
        self.carry_out_any(&storage, &mut record, Some((ws, caller)), now, effects)
            .await?;
        if let Some(shard) = set_up_for {
            self.tell_shard_set_up(&shard).await;
        }
        Ok(())
    }

    /// Fires every timer that is due at `now` (the time the alarm rang;
    /// a test hook may say it rang late), earliest first, and returns how
    /// many. A timer already fired (a repeated alarm) is no longer in the
    /// table, and a stale one is ignored by the engine; either way nothing
    /// happens. An error (a reset included) is returned, so the runtime
    /// retries the alarm; timers not yet fired are still in the table then.
    async fn on_alarm(&self, now: u64) -> Result<usize> {
        let hello_ms = self.settings()?.limits.hello_ms;
        if !self.holds_room()? {
            // Sockets that came to a chartered address and said nothing:
            // closed, with no tables made for a room that does not exist.
            if let Some(next) = self.close_silent_sockets(now, hello_ms) {
                self.ring_before_set_up(now, next).await?;
            }
            return Ok(0);
        }
        let storage = self.storage()?;
        let Some(record) = self.take_record(&storage)? else {
            return Ok(0);
        };
        // Each timer takes the room again: while the one before awaited (a
        // result report), another event may have changed it.
        self.record.replace(Some(record));
        // The alarm has rung (or the test hook stands in for it): whatever
        // time was noted, none is pending now.
        storage.note_alarm_ms(&self.alarm, None)?;
        let next_hello = self.close_silent_sockets(now, hello_ms);
        let due = storage.due_timers(now)?;
        for timer in &due {
            let Some(mut record) = self.take_record(&storage)? else {
                return Ok(due.len());
            };
            let effects = record.room.on_timer(now, *timer);
            // Forgotten in the same write as the work it causes (nothing
            // awaits before carry_out has written it all): a reset after
            // this timer leaves the next ones due for the retried alarm.
            storage.forget_timer(timer)?;
            if self
                .carry_out_any(&storage, &mut record, None, now, effects)
                .await?
            {
                return Ok(due.len());
            }
        }
        self.reschedule_by(&storage, now, next_hello).await?;
        Ok(due.len())
    }

    async fn claim(&self, claim: ClaimSeat) -> Result<Response> {
        let storage = self.storage()?;
        let Some(mut record) = self.take_record(&storage)? else {
            return Err(ServerError::NotFound(format!("no room {}", self.room_id())));
        };
        let Some(effects) = record.room.claim(claim.seat, claim.player, claim.name) else {
            self.record.replace(Some(record));
            return Err(ServerError::Conflict(format!("{} is taken", claim.seat)));
        };
        self.carry_out_any(&storage, &mut record, None, now_ms(), effects)
            .await?;
        Ok(Response::ok("claimed")?)
    }

    /// Carries out effects of whichever game the room plays.
    async fn carry_out_any(
        &self,
        storage: &Storage,
        record: &mut RoomRecord,
        caller: Option<(&WebSocket, Caller)>,
        now: u64,
        effects: AnyEffects,
    ) -> Result<bool> {
        match effects {
            AnyEffects::Artillery(effects) => {
                self.carry_out(storage, record, caller, now, effects).await
            }
            AnyEffects::ConnectFour(effects) => {
                self.carry_out(storage, record, caller, now, effects).await
            }
        }
    }
}
