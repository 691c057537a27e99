//! The `GameRoom` Durable Object: a thin adapter around [`Room`].
//!
//! Every event (a frame, a new connection, the alarm) opens the room's
//! [`Storage`], loads the room, hands the event to the pure engine, and
//! carries out the effects it returns: first everything that is stored
//! (logs, the room record, timers and the one alarm set to the earliest
//! timer), then everything that is sent. Sockets are accepted with the
//! hibernation API and carry a small attachment (who the connection is and
//! its rate limits), so an idle room is evicted from memory and rebuilt from
//! storage alone when the next event arrives. Besides a few flags, the only
//! thing kept in memory between events is a copy of the record exactly as
//! last written (so a frame does not read and decode it again); storage
//! stays the truth, and the constructor does no I/O.
//!
//! The join token travels in the `Hello` frame, not the URL: this adapter
//! verifies its signature, room and expiry, and the engine checks that the
//! player holds the seat.

use super::effects::Effect;
use super::effects::TimerKind;
use super::engine::{Room, refuse_and_close};
use super::flood::{FloodGuard, Verdict};
use super::storage::{RoomRecord, Storage};
use super::wakeups::{self, Wakeup};
use crate::alarm::{self, AlarmPlan};
use crate::attachment;
use crate::config;
use crate::frames::{self, send_error};
use crate::http::{self, error, now_ms};
use crate::internal::{
    self, CLAIM_PATH, ClaimSeat, GameResult, INIT_ROOM_PATH, InitRoom, RESULT_PATH,
};
use crate::matchmaker::durable::COORDINATOR_BINDING;
use crate::sql::Schema;
use crate::token::Grant;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::time::Duration;
use volley_shared::artillery::Artillery;
use volley_shared::protocol::{ClientFrame, ErrorCode, Role, ServerFrame, close};
use volley_shared::{Game, PlayerId, RoomId, codec};
use worker::{
    DurableObject, Env, Method, Request, Response, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, durable_object,
};

/// The `wrangler.jsonc` binding of the room namespace.
pub const ROOM_BINDING: &str = "ROOMS";

/// The game every room runs today. The engine is generic; this is the one
/// place the Durable Object picks the game.
pub type RoomGame = Artillery;

/// Who a room socket is.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
enum Conn {
    /// Accepted; no valid `Hello` yet. Gets no broadcasts.
    Pending,
    /// Said hello with a valid token.
    Admitted(Role),
}

/// What a room socket remembers across hibernation.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Attachment {
    conn: Conn,
    guard: FloodGuard,
}

/// A frame or a close to send once storage is done.
enum Outgoing {
    ToCaller(Vec<u8>),
    /// To every admitted socket but the one with this role.
    ToAdmitted(Vec<u8>, Option<Role>),
    CloseCaller(u16, String),
    CloseAll(u16, String),
}

/// What `GET /api/rooms/{id}` tells anyone.
#[derive(Serialize)]
struct RoomInfo {
    room_id: String,
    created_by: String,
    location_hint: Option<String>,
    created_at_ms: u64,
    mode: &'static str,
    phase: &'static str,
    seq: u64,
    turn: u32,
    connections: usize,
    /// Changes whenever the runtime constructs the object again (after
    /// hibernation or a restart), so tests can tell that it did.
    instance: String,
}

/// One match, as a Durable Object.
#[durable_object]
pub struct GameRoom {
    state: State,
    env: Env,
    instance: u64,
    /// No handler has run on this instance yet.
    fresh: Cell<bool>,
    /// Whether this room counts its wake-ups ([`wakeups`]), once known.
    counting: Cell<Option<bool>>,
    /// Whether the tables exist (created or checked once per instance).
    schema: Schema,
    /// The room record as last written to storage by this instance, so a
    /// frame does not read and decode it again (nor rebuild the terrain).
    /// Taken out while a handler works on it and put back once its writes
    /// are done, before any await; a handler that fails leaves it empty,
    /// and the next one reads storage. Lost with the instance (eviction).
    record: RefCell<Option<RoomRecord>>,
}

impl DurableObject for GameRoom {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            // Only a label: a failed draw leaves it 0.
            instance: getrandom::u64().unwrap_or(0),
            fresh: Cell::new(true),
            counting: Cell::new(None),
            schema: Schema::default(),
            record: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        if path.ends_with("/debug/wakeups") {
            return self.wakeups_hook(req.method());
        }
        self.woken(Wakeup::Fetch);
        match (req.method(), path.as_str()) {
            (Method::Post, INIT_ROOM_PATH) => {
                let init: InitRoom = crate::internal::read(&mut req).await?;
                self.init(init).await
            }
            (Method::Post, CLAIM_PATH) => {
                let claim: ClaimSeat = crate::internal::read(&mut req).await?;
                self.claim(claim).await
            }
            (Method::Get, p) if p.ends_with("/ws") => self.accept(&req),
            (Method::Get, p) if p.ends_with("/replay") => self.replay(),
            (Method::Post, p) if p.ends_with("/spectate") => self.spectator_token(),
            (Method::Post, p) if p.contains("/debug/") => {
                if !config::test_hooks(&self.env) {
                    return error(404, "test hooks are off (VOLLEY_TEST_HOOKS)");
                }
                if p.ends_with("/debug/alarm") {
                    self.on_alarm().await?;
                    return Response::ok("alarm handler ran");
                }
                if p.ends_with("/debug/report") {
                    return self.report_again().await;
                }
                error(404, "no such test hook")
            }
            (Method::Get, _) => self.info(),
            _ => error(405, "method not allowed"),
        }
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        self.woken(Wakeup::Message);
        if let Err(err) = self.on_message(&ws, message).await {
            worker::console_error!("room message failed: {err}");
            send_error(
                &ws,
                ErrorCode::Internal,
                "the room failed to handle that frame",
            );
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        _ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> Result<()> {
        self.woken(Wakeup::Close);
        // The runtime answers the close itself (compatibility flag
        // web_socket_auto_reply_to_close). A seat stays reserved for a
        // rejoin, and its turns keep their deadlines.
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, err: worker::Error) -> Result<()> {
        self.woken(Wakeup::Error);
        worker::console_warn!("room socket error: {err}");
        Ok(())
    }

    async fn alarm(&self) -> Result<Response> {
        self.woken(Wakeup::Alarm);
        self.on_alarm().await?;
        Response::ok("alarm handled")
    }
}

impl GameRoom {
    /// A handler is running: counts it if this room counts wake-ups. A
    /// failure to count is logged, never fatal.
    fn woken(&self, wakeup: Wakeup) {
        let constructed = self.fresh.replace(false);
        let counting = match self.counting.get() {
            Some(counting) => counting,
            None => {
                let counting = crate::echo::enabled(&self.env)
                    && wakeups::enabled(&self.state.storage().sql()).unwrap_or(false);
                self.counting.set(Some(counting));
                counting
            }
        };
        if !counting {
            return;
        }
        if let Err(err) = wakeups::count(&self.state.storage().sql(), wakeup, constructed) {
            worker::console_warn!("could not count a wake-up: {err}");
        }
    }

    /// Benchmark hook (`VOLLEY_BENCH=1`): `POST` starts counting wake-ups,
    /// `GET` reads the counts; both answer with the counts. Not itself counted.
    fn wakeups_hook(&self, method: Method) -> Result<Response> {
        if !crate::echo::enabled(&self.env) {
            return error(404, "benchmark routes are off (VOLLEY_BENCH)");
        }
        // The hook is not a wake-up to count, but it did construct the
        // object if it was evicted.
        self.fresh.set(false);
        let sql = self.state.storage().sql();
        match method {
            Method::Post => {
                wakeups::enable(&sql)?;
                self.counting.set(Some(true));
                Response::from_json(&wakeups::read(&sql)?)
            }
            Method::Get => Response::from_json(&wakeups::read(&sql)?),
            _ => error(405, "method not allowed"),
        }
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

    fn room_id(&self) -> RoomId {
        RoomId(self.state.id().to_string())
    }

    async fn on_message(&self, ws: &WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let now = now_ms();
        let Some(mut attached) = attachment::load::<Attachment>(ws)? else {
            ws.close(Some(close::INTERNAL), Some("socket has no attachment"))?;
            return Ok(());
        };
        let verdict = attached.guard.frame(now);
        if verdict != Verdict::Allow {
            attachment::store(ws, &attached)?;
            send_error(ws, ErrorCode::RateLimited, "too many frames; slow down");
            if verdict == Verdict::Cut {
                let _ = ws.close(Some(close::RATE_LIMITED), Some("flooding"));
            }
            return Ok(());
        }
        let frame = frames::receive(ws, message);
        let relay_live = matches!(frame, Some(ClientFrame::Live(_))) && attached.guard.live(now);
        attachment::store(ws, &attached)?;
        let Some(frame) = frame else {
            return Ok(());
        };
        if matches!(frame, ClientFrame::Live(_)) && !relay_live {
            // Over 20 aims a second: drop the extra ones quietly.
            return Ok(());
        }
        let storage = self.storage()?;
        let Some(mut record) = self.take_record(&storage)? else {
            ws.close(Some(close::ROOM_CLOSED), Some("the room is gone"))?;
            return Ok(());
        };
        let effects = match (attached.conn, frame) {
            (Conn::Admitted(role), frame) => record.room.handle(now, role, frame),
            (
                Conn::Pending,
                ClientFrame::Hello {
                    protocol,
                    token,
                    last_seq,
                },
            ) => {
                let key = config::join_key(&self.env)?;
                match key.verify(&self.room_id(), &token, now) {
                    Ok(grant) => {
                        record
                            .room
                            .hello(now, grant.role, grant.player, protocol, last_seq)
                    }
                    Err(err) => {
                        refuse_and_close(ErrorCode::BadToken, close::BAD_TOKEN, err.to_string())
                    }
                }
            }
            (Conn::Pending, ClientFrame::Ping { nonce }) => {
                vec![Effect::Reply(ServerFrame::Pong { nonce })]
            }
            (Conn::Pending, _) => refuse_and_close(
                ErrorCode::UnexpectedFrame,
                close::PROTOCOL_VIOLATION,
                "the first frame on a room socket must be Hello".to_string(),
            ),
        };
        let caller_role = match attached.conn {
            Conn::Admitted(role) => Some(role),
            Conn::Pending => None,
        };
        self.carry_out(&storage, &mut record, Some((ws, caller_role)), now, effects)
            .await
            .map(drop)
    }

    /// Fires every timer that is due. A timer already fired (a repeated
    /// alarm) is no longer in the table, and a stale one is ignored by the
    /// engine; either way nothing happens.
    async fn on_alarm(&self) -> Result<()> {
        let storage = self.storage()?;
        let Some(mut record) = self.take_record(&storage)? else {
            return Ok(());
        };
        let now = now_ms();
        // The alarm has rung (or the test hook stands in for it): whatever
        // time was noted, none is pending now.
        storage.note_alarm_ms(None)?;
        for timer in storage.take_due_timers(now)? {
            let effects = record.room.on_timer(now, timer);
            if self
                .carry_out(&storage, &mut record, None, now, effects)
                .await?
            {
                return Ok(());
            }
        }
        self.reschedule(&storage, now).await
    }

    async fn init(&self, init: InitRoom) -> Result<Response> {
        let storage = self.storage()?;
        if self.record.borrow().is_some() || storage.load()?.is_some() {
            return error(409, "room already initialised");
        }
        let now = now_ms();
        let (room, effects) = match Room::new(init.setup, now) {
            Ok(created) => created,
            Err(err) => return error(400, err.to_string()),
        };
        let mut record = RoomRecord::new(room, init.created_by, init.location_hint, now);
        self.carry_out(&storage, &mut record, None, now, effects)
            .await?;
        Response::ok("initialised").map(|r| r.with_status(201))
    }

    async fn claim(&self, claim: ClaimSeat) -> Result<Response> {
        let storage = self.storage()?;
        let Some(mut record) = self.take_record(&storage)? else {
            return error(404, format!("no room {}", self.room_id()));
        };
        let Some(effects) = record.room.claim(claim.seat, claim.player, claim.name) else {
            self.record.replace(Some(record));
            return error(409, format!("{} is taken", claim.seat));
        };
        self.carry_out(&storage, &mut record, None, now_ms(), effects)
            .await?;
        Response::ok("claimed")
    }

    fn info(&self) -> Result<Response> {
        let Some(record) = self.storage()?.load()? else {
            return error(404, format!("no room {}", self.room_id()));
        };
        let room = &record.room;
        Response::from_json(&RoomInfo {
            room_id: self.room_id().0,
            created_by: record.created_by.clone(),
            location_hint: record.location_hint.clone(),
            created_at_ms: record.created_at_ms,
            mode: room.setup().mode.as_str(),
            phase: room.phase().name(),
            seq: room.seq(),
            turn: room.game().turn(),
            connections: self.state.get_websockets().len(),
            instance: format!("{:016x}", self.instance),
        })
    }

    /// Test hook: reports a finished room's result once more.
    async fn report_again(&self) -> Result<Response> {
        let storage = self.storage()?;
        let Some(record) = storage.load()? else {
            return error(404, format!("no room {}", self.room_id()));
        };
        let super::engine::Phase::Finished { outcome } = *record.room.phase() else {
            return error(409, "the game is not finished");
        };
        self.report(&storage, &record, outcome, now_ms()).await?;
        Response::ok("reported")
    }

    /// `GET /api/rooms/{id}/replay`: seed, roster and action log.
    fn replay(&self) -> Result<Response> {
        let storage = self.storage()?;
        let Some(record) = storage.load()? else {
            return error(404, format!("no room {}", self.room_id()));
        };
        Response::from_json(&record.room.replay(storage.actions()?))
    }

    /// `POST /api/rooms/{id}/spectate`: a token to watch this room.
    fn spectator_token(&self) -> Result<Response> {
        if self.storage()?.load()?.is_none() {
            return error(404, format!("no room {}", self.room_id()));
        }
        #[derive(Serialize)]
        struct Body {
            room: String,
            token: String,
        }
        let token = config::join_key(&self.env)?.sign(
            &self.room_id(),
            Grant {
                role: Role::Spectator,
                player: PlayerId(0),
                expires_ms: now_ms().saturating_add(config::JOIN_TOKEN_TTL_MS),
            },
        );
        Response::from_json(&Body {
            room: self.room_id().0,
            token,
        })
    }

    /// Accepts a socket; it must say `Hello` with its join token first.
    fn accept(&self, req: &Request) -> Result<Response> {
        if self.storage()?.load()?.is_none() {
            return error(404, format!("no room {}", self.room_id()));
        }
        if !http::is_websocket_upgrade(req) {
            return error(426, "this endpoint takes a WebSocket upgrade");
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        attachment::store(
            &pair.server,
            &Attachment {
                conn: Conn::Pending,
                guard: FloodGuard::new(now_ms()),
            },
        )?;
        Response::from_websocket(pair.client)
    }

    /// The admitted sockets, with their roles.
    fn admitted(&self) -> Vec<(WebSocket, Role)> {
        self.state
            .get_websockets()
            .into_iter()
            .filter_map(|ws| match attachment::load::<Attachment>(&ws) {
                Ok(Some(Attachment {
                    conn: Conn::Admitted(role),
                    ..
                })) => Some((ws, role)),
                _ => None,
            })
            .collect()
    }

    /// Records who `caller` is; a player's older connection is closed.
    fn admit(&self, caller: &WebSocket, role: Role) -> Result<()> {
        if let Role::Player(_) = role {
            for (old, old_role) in self.admitted() {
                if old_role == role {
                    // Best effort: the old socket may already be gone.
                    let _ = old.close(
                        Some(close::REPLACED),
                        Some("another connection took this seat"),
                    );
                }
            }
        }
        let guard = attachment::load::<Attachment>(caller)?
            .map_or_else(|| FloodGuard::new(now_ms()), |a| a.guard);
        attachment::store(
            caller,
            &Attachment {
                conn: Conn::Admitted(role),
                guard,
            },
        )
    }

    /// Carries out the engine's effects: storage first (logs, record,
    /// timers, alarm), then sockets. Returns whether the room deleted
    /// itself.
    async fn carry_out(
        &self,
        storage: &Storage,
        record: &mut RoomRecord,
        caller: Option<(&WebSocket, Option<Role>)>,
        now: u64,
        effects: Vec<Effect<RoomGame>>,
    ) -> Result<bool> {
        let mut outbox = Vec::new();
        let mut reports = Vec::new();
        let mut timers_changed = false;
        let mut deleted = false;
        let (caller, caller_role) = caller.map_or((None, None), |(ws, role)| (Some(ws), role));
        for effect in effects {
            match effect {
                Effect::Reply(frame) => outbox.push(Outgoing::ToCaller(encode(&frame)?)),
                Effect::Admit(role) => {
                    if let Some(ws) = caller {
                        self.admit(ws, role)?;
                    }
                }
                Effect::CatchUp {
                    last_seq,
                    resumed,
                    welcome,
                } => {
                    let missed = storage.events_after(last_seq)?;
                    let resumed = encode(&resumed)?;
                    let welcome = encode(&welcome)?;
                    let missed_bytes: usize = missed.iter().map(Vec::len).sum();
                    if resumed.len() + missed_bytes < welcome.len() {
                        outbox.push(Outgoing::ToCaller(resumed));
                        outbox.extend(missed.into_iter().map(Outgoing::ToCaller));
                    } else {
                        outbox.push(Outgoing::ToCaller(welcome));
                    }
                }
                Effect::Commit(commit) => {
                    storage.append(&commit)?;
                    storage.save(record)?;
                    for (_, frame) in &commit.events {
                        outbox.push(Outgoing::ToAdmitted(encode(frame)?, None));
                    }
                }
                Effect::Persist => storage.save(record)?,
                Effect::Broadcast(frame) => {
                    outbox.push(Outgoing::ToAdmitted(encode(&frame)?, None))
                }
                Effect::Relay(frame) => {
                    outbox.push(Outgoing::ToAdmitted(encode(&frame)?, caller_role));
                }
                Effect::SetTimer(timer) => {
                    storage.set_timer(timer)?;
                    timers_changed = true;
                }
                Effect::CancelTimer(kind) => {
                    storage.cancel_timer(kind)?;
                    timers_changed = true;
                }
                Effect::Close { code, reason } => outbox.push(Outgoing::CloseCaller(code, reason)),
                Effect::CloseAll { code, reason } => outbox.push(Outgoing::CloseAll(code, reason)),
                Effect::ReportResult(outcome) => reports.push(outcome),
                Effect::DeleteAll => {
                    // Also deletes the alarm (compatibility date >= 2026-02-24);
                    // deleted explicitly too, for older dates.
                    self.state.storage().delete_all().await?;
                    self.state.storage().delete_alarm().await?;
                    self.schema.forget();
                    self.record.take();
                    deleted = true;
                }
            }
        }
        if !deleted {
            // Storage now holds exactly this record: keep it for the next
            // event, before anything below awaits.
            self.record.replace(Some(record.clone()));
        }
        if timers_changed && !deleted {
            self.reschedule(storage, now).await?;
        }
        self.send(caller, outbox);
        for outcome in reports {
            self.report(storage, record, outcome, now).await?;
        }
        Ok(deleted)
    }

    /// Tells the coordinator that made this room how its game ended. When
    /// the coordinator acknowledges, the retry timer is dropped; when it
    /// fails, the timer reports again later.
    async fn report(
        &self,
        storage: &Storage,
        record: &RoomRecord,
        outcome: volley_shared::Outcome,
        now: u64,
    ) -> Result<()> {
        let result = GameResult {
            room: self.room_id(),
            mode: record.room.setup().mode,
            seats: record.room.setup().seats.clone(),
            outcome,
            at_ms: now,
        };
        let coordinator = self
            .env
            .durable_object(COORDINATOR_BINDING)?
            .id_from_string(&record.created_by)?
            .get_stub()?;
        match coordinator
            .fetch_with_request(internal::post(RESULT_PATH, &result)?)
            .await
        {
            Ok(response) if response.status_code() < 300 => {
                storage.cancel_timer(TimerKind::ReportRetry)?;
                self.reschedule(storage, now).await
            }
            Ok(response) => {
                worker::console_warn!("result report answered {}", response.status_code());
                Ok(())
            }
            Err(err) => {
                worker::console_warn!("result report failed: {err}");
                Ok(())
            }
        }
    }

    /// Sets the one alarm to the earliest pending timer (at once if it is
    /// already due), or clears it when none is pending.
    /// Moves the alarm so it rings no later than the earliest timer; only
    /// ever earlier ([`alarm::plan`]).
    async fn reschedule(&self, storage: &Storage, now: u64) -> Result<()> {
        match alarm::plan(now, storage.next_due_ms()?, storage.alarm_ms()?) {
            AlarmPlan::Keep => Ok(()),
            AlarmPlan::Set(due_ms) => {
                storage.note_alarm_ms(Some(due_ms))?;
                let offset = Duration::from_millis(due_ms.saturating_sub(now));
                self.state.storage().set_alarm(offset).await
            }
            AlarmPlan::Delete => {
                storage.note_alarm_ms(None)?;
                self.state.storage().delete_alarm().await
            }
        }
    }

    fn send(&self, caller: Option<&WebSocket>, outbox: Vec<Outgoing>) {
        // Who is admitted, looked up once for all the frames.
        let mut admitted: Option<Vec<(WebSocket, Role)>> = None;
        for outgoing in outbox {
            match outgoing {
                Outgoing::ToCaller(bytes) => {
                    if let Some(ws) = caller {
                        let _ = ws.send_with_bytes(&bytes);
                    }
                }
                Outgoing::ToAdmitted(bytes, except) => {
                    for (ws, role) in admitted.get_or_insert_with(|| self.admitted()).iter() {
                        if Some(*role) != except {
                            let _ = ws.send_with_bytes(&bytes);
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

fn encode(frame: &ServerFrame<RoomGame>) -> Result<Vec<u8>> {
    codec::encode(frame).map_err(|e| worker::Error::RustError(e.to_string()))
}
