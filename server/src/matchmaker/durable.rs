//! The `Matchmaker` Durable Object: one coordinator shard per mode.
//!
//! A player opens a WebSocket to `/api/matchmake?mode=..` and sends
//! `FindMatch` (in an opening, or as a version 1 frame; with a party, its
//! key and size). Tickets live in the shard's SQLite [`Storage`]; each
//! socket's hibernation attachment says which ticket it belongs to, so an
//! idle coordinator costs nothing, and closing a socket cancels its ticket
//! (a party's, for every member). After every new ticket, and on the alarm
//! while tickets wait (their rating windows widen, continents relax, bot
//! fill falls due), the coordinator runs the pure matcher. For each match it
//! creates a `GameRoom` with `unique_id()` and a location hint near the
//! players, signs the room's set-up into the tokens (a charter, with
//! `ROOM_CHARTER` on, the default: [`crate::internal::charter`]) or
//! initialises it over `fetch`,
//! sends every player a `Matched` frame with a signed join token, and
//! closes the ticket sockets.
//!
//! - this file: the object, its routes, and its statistics.
//! - [`tickets`]: ticket sockets: opening one, `FindMatch`, cancelling.
//! - [`queueing`]: a checked `FindMatch` becomes a ticket (or is matched
//!   as it arrives).
//! - [`matching`]: running the matcher and seating each match in a new room.
//! - [`private`]: private rooms by join code.
//! - [`results`]: rooms' results, settled and given to the player objects;
//!   the leaderboard lines they send back.
//! - [`withdrawn`]: players who leave while their room is being made.
//! - [`silent`]: closing ticket sockets that never say `FindMatch`.
//! - [`hooks`]: test hooks (`VOLLEY_TEST_HOOKS`).

mod admission;
mod counts;
mod hooks;
mod matching;
mod private;
mod queueing;
mod results;
mod silent;
mod tickets;
mod withdrawn;

use super::ops::{self, OPS_HOUR_PATH};
use super::stats::percentile;
use super::storage::{Memory, Storage};
use crate::error::{Result, ServerError, respond};
use crate::flood::FloodGuard;
use crate::http;
use crate::internal::players::{LEADER_PATH, LeaderLine};
use crate::internal::set_up::{MAX_BUILD_LEN, SET_UP_PATH, SetUpNotice};
use crate::internal::tallies::{RoomTallies, TALLIES_PATH};
use crate::internal::{self, GameResult, RESULT_PATH};
use crate::settings::{self, Settings};
use crate::sql::Schema;
use crate::tally::Tally;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use volley_shared::api::{CreatedRoom, LEADERBOARD_SIZE, Leaderboard, ShardStats};
use volley_shared::{Mode, RoomId};
use worker::{
    DurableObject, Env, Request, Response, State, WebSocket, WebSocketIncomingMessage,
    durable_object,
};

/// The tag holding a ticket socket's id (16 hex digits at most), which
/// keys its flood guard and its `members` rows (`admission`).
const SOCKET_ID: &str = "id:";

/// A coordinator shard, as a Durable Object.
#[durable_object]
pub struct Matchmaker {
    state: State,
    env: Env,
    /// The settings, parsed once per instance.
    settings: settings::Cached,
    /// Whether the tables exist (created or checked once per instance).
    schema: Schema,
    /// When the alarm was last set to ring, once read.
    alarm: crate::alarm::Noted,
    /// Ticket sockets accepted, at least (closed ones are only noticed by
    /// counting again, which happens at the limit); `None` until counted.
    ticket_sockets: Cell<Option<usize>>,
    /// Each ticket socket's flood guard, by the id in its tags.
    guards: RefCell<HashMap<String, FloodGuard>>,
    /// Matched sockets that closed while their room was being made.
    withdrawals: withdrawn::Withdrawals,
    /// Ticket sockets whose rating is being read, and which closed meanwhile.
    rating_reads: admission::RatingReads,
    /// What the test hooks hold.
    holds: hooks::Holds,
    /// The minute counts older than the hour were last forgotten in.
    tallies_pruned: Cell<u64>,
    /// Ticket sockets that have said nothing yet, and their deadlines.
    silent: crate::matchmaker::pending::Silent,
    /// A regional shard's last hand-over to the global pool.
    hand_overs: Cell<crate::matchmaker::hand_over::HandOvers>,
    /// When a previous release's silent ticket socket's time can be up,
    /// at the earliest.
    pending_floor: crate::matchmaker::pending::PendingFloor,
    /// What the instance keeps of its tables (the tickets, once read).
    memory: Rc<Memory>,
}

impl DurableObject for Matchmaker {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            settings: settings::Cached::default(),
            schema: Schema::default(),
            alarm: crate::alarm::Noted::default(),
            ticket_sockets: Cell::new(None),
            guards: RefCell::new(HashMap::new()),
            withdrawals: withdrawn::Withdrawals::default(),
            rating_reads: admission::RatingReads::default(),
            holds: hooks::Holds::default(),
            tallies_pruned: Cell::new(0),
            silent: Default::default(),
            hand_overs: Cell::default(),
            pending_floor: Default::default(),
            memory: Rc::default(),
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
        if let Err(err) = self.on_message(&ws, message).await {
            crate::build::log_error!("ticket message failed: {err}");
            self.tally(Tally::Error(volley_shared::ErrorCode::Internal));
            tickets::send_error(
                &ws,
                volley_shared::ErrorCode::Internal,
                "the coordinator failed to handle that frame",
            );
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
        let closing = self.tags(&ws).id;
        if let Some(id) = &closing {
            self.forget_guard(id);
            self.silent.spoke(id);
        }
        self.cancel(&ws, closing)
            .map_err(|e| worker::Error::RustError(e.to_string()))
    }

    async fn websocket_error(&self, ws: WebSocket, err: worker::Error) -> worker::Result<()> {
        crate::build::log_warn!("ticket socket error: {err}");
        self.cancel(&ws, self.tags(&ws).id)
            .map_err(|e| worker::Error::RustError(e.to_string()))
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let ran = async {
            // It rang: whatever time was noted, none is pending now.
            self.storage()?.note_alarm_ms(&self.alarm, None)?;
            self.run_matching(Sweep::All, None).await
        };
        // An error makes the runtime retry the alarm.
        ran.await
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        Response::ok("matching ran")
    }
}

impl Matchmaker {
    async fn route(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        if let Some(hook) = path.strip_prefix("/debug/") {
            return self.test_hook(&req, hook);
        }
        match path.as_str() {
            "/api/matchmake" => self.open_ticket(&req).await,
            "/api/private/create" => self.create_private(&req).await,
            "/api/private/join" => self.join_private(&req).await,
            "/api/stats" => self.stats(&req),
            OPS_HOUR_PATH => {
                let now = crate::http::now_ms();
                let since = ops::hour_start_ms(now / 60_000);
                let chartered_since = now.saturating_sub(self.settings()?.seat_reservation_ms);
                Ok(Response::from_json(
                    &self.storage()?.hour(since, chartered_since)?,
                )?)
            }
            "/api/leaderboard" => Ok(Response::from_json(&Leaderboard {
                mode: Self::mode(&req)?,
                leaders: self.storage()?.leaders(LEADERBOARD_SIZE)?,
            })?),
            SET_UP_PATH => {
                let notice: SetUpNotice = internal::link::read(&mut req).await?;
                let build: String = notice.build.chars().take(MAX_BUILD_LEN).collect();
                self.storage()?.note_room_set_up(&notice.room.0, &build)?;
                Ok(Response::ok("noted")?)
            }
            TALLIES_PATH => {
                let tallies: RoomTallies = internal::link::read(&mut req).await?;
                self.take_room_tallies(&tallies)?;
                Ok(Response::ok("counted")?)
            }
            RESULT_PATH => {
                let result: GameResult = internal::link::read(&mut req).await?;
                Ok(Response::ok(self.report_result(result).await?)?)
            }
            LEADER_PATH => {
                let line: LeaderLine = internal::link::read(&mut req).await?;
                self.put_leader(&line)?;
                Ok(Response::ok("on the leaderboard")?)
            }
            p if p.starts_with("/api/players/") => {
                // The first releases' record of a player, which their
                // player object adopts once (every release serves this).
                let player = crate::player::parse_player(p.trim_start_matches("/api/players/"))?;
                match self.storage()?.player(player)? {
                    Some(record) => Ok(Response::from_json(&record)?),
                    None => Err(ServerError::NotFound(format!(
                        "no rated games for {player} in this mode"
                    ))),
                }
            }
            _ => Err(ServerError::NotFound("not found".into())),
        }
    }

    pub(super) fn settings(&self) -> Result<&Settings> {
        self.settings.get(&self.env)
    }

    fn storage(&self) -> Result<Storage> {
        let storage =
            self.schema
                .open(self.state.storage().sql(), Storage::open, Storage::existing)?;
        Ok(storage.remembering(&self.memory))
    }

    /// The mode a request is for (`?mode=`, which the Worker always sets).
    fn mode(req: &Request) -> Result<Mode> {
        http::mode_param(req)
    }

    fn stats(&self, req: &Request) -> Result<Response> {
        let storage = self.storage()?;
        let (waiting, forming) = storage.counts()?;
        let waits = storage.waits()?;
        let rooms = storage.rooms(crate::http::now_ms())?;
        Ok(Response::from_json(&ShardStats {
            coordinator_id: self.state.id().to_string(),
            mode: Self::mode(req)?,
            tickets_waiting: waiting,
            parties_forming: forming,
            matches_made: rooms.per_hint.iter().map(|(_, n)| n).sum(),
            wait_ms_p50: percentile(&waits, 50),
            wait_ms_p99: percentile(&waits, 99),
            rooms_per_location_hint: rooms.per_hint.into_iter().collect(),
            rooms_per_build: rooms.per_build.into_iter().collect(),
            recent_rooms: rooms
                .recent
                .into_iter()
                .map(|(room_id, location_hint, created_at_ms)| CreatedRoom {
                    room_id: RoomId(room_id),
                    location_hint,
                    created_at_ms,
                })
                .collect(),
            build: crate::build::BUILD.to_string(),
        })?)
    }
}

/// Which tickets a matching run checks for dead sockets and expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sweep {
    /// Every queued ticket and forming party (the alarm).
    All,
    /// Only the tickets about to be seated (a ticket's arrival).
    Matched,
}

/// 64 random bits from the platform's CSPRNG (Web Crypto in the Worker).
fn random_u64() -> Result<u64> {
    getrandom::u64().map_err(|e| ServerError::Config(format!("no randomness: {e}")))
}
