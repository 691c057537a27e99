//! A coordinator's test hooks: off unless `wrangler dev` runs with
//! `VOLLEY_TEST_HOOKS=1` (the end-to-end tests); a deployment answers 404.
//! They make the runtime's rare interleavings happen on purpose, on the
//! real runtime: what arrives while the coordinator awaits a room, and what
//! a room does while its result report is unanswered.
//!
//! `POST /api/coordinator/debug/{hook}?mode=..[&pool=..]`:
//!
//! - `hold-rooms` / `release-rooms`: room creation waits (before the room
//!   is asked to set itself up) until released;
//! - `fail-rooms?count=N`: the next N rooms get a setup they cannot read,
//!   so they refuse it, as a failing room would;
//! - `fail-alarm[?on=0]`: the next matching run's alarm write fails, as
//!   a storage error would, after it took its matches out of the queue
//!   (`on=0` disarms it);
//! - `charter-rooms[?on=0|1|setting]`: this instance makes its matches'
//!   rooms chartered (or, with `on=0`, calls each room to set it up, which
//!   `hold-rooms` and `fail-rooms` act on), whatever `ROOM_CHARTER` says;
//!   `on=setting` follows `ROOM_CHARTER` again
//!   ([`crate::internal::charter`]);
//! - `hold-results?room=ID` / `release-results?room=ID`: that room's
//!   result reports wait until released;
//! - `legacy-player?player=&name=&rating=&games=`: a rating as the first
//!   releases kept it in this shard, for a player object to adopt;
//! - `legacy-guest`: a guest token as the first releases issued them
//!   (`g.`, never expiring), signed with this deployment's secret, for a
//!   test to renew;
//! - `guesses[?age_ms=N]`: moves every wrong-code window N ms into the
//!   past (none without `age_ms`); answers `{"kept", "closed"}`, the
//!   windows kept and those already closed;
//! - `arrivals?count=N`: this shard took N tickets this minute, as demand
//!   would make a regional shard busy (or quiet);
//! - `forget-silent`: this instance forgets the ticket sockets it knows
//!   have said nothing yet, as an instance woken from hibernation knows
//!   none (it then finds them by their tags); answers `{"forgotten"}`;
//! - `holds`: what is held (with how many result reports wait, per room),
//!   and how many matched sockets closed while a room was being made.
//!
//! A hold ends by itself after [`MAX_HOLD_MS`], so a test that fails
//! midway leaves nothing waiting for long. What is held lives in this
//! instance's memory only.

use super::Matchmaker;
use crate::error::{Result, ServerError};
use crate::http::{self, now_ms};
use crate::internal::charter::Address;
use crate::internal::players::{LeaderLine, Standing};
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use volley_shared::PlayerId;
use worker::{Delay, Request, Response};

/// The longest a hold lasts unreleased.
pub const MAX_HOLD_MS: u64 = 30_000;

/// How often a held request looks whether it was released.
const POLL: Duration = Duration::from_millis(20);

/// What the test hooks hold or break.
#[derive(Default)]
pub(super) struct Holds {
    /// Room creation waits.
    rooms: Cell<bool>,
    /// Rooms whose result reports wait.
    results: RefCell<HashSet<String>>,
    /// How many reports are waiting, per room, while they do.
    waiting_results: RefCell<BTreeMap<String, u32>>,
    /// Rooms still to be given a setup they cannot read.
    failing_rooms: Cell<u32>,
    /// The next matching run's alarm write fails.
    failing_alarm: Cell<bool>,
    /// Whether matches are made with chartered rooms, whatever
    /// `ROOM_CHARTER` says; `None` until a test says.
    charter_rooms: Cell<Option<bool>>,
}

impl Holds {
    /// Whether this room creation is to fail (counting it if so).
    pub(super) fn fail_room(&self) -> bool {
        let failing = self.failing_rooms.get();
        self.failing_rooms.set(failing.saturating_sub(1));
        failing > 0
    }

    /// Whether this matching run's alarm write is to fail (once: asking
    /// disarms it).
    pub(super) fn fail_alarm(&self) -> bool {
        self.failing_alarm.replace(false)
    }

    /// Whether a test turned chartered rooms on or off in this instance.
    pub(super) fn charter_rooms(&self) -> Option<bool> {
        self.charter_rooms.get()
    }
}

/// The answer of every hook.
#[derive(Serialize)]
struct Held {
    rooms: bool,
    charter_rooms: Option<bool>,
    results: Vec<String>,
    waiting_results: BTreeMap<String, u32>,
    failing_rooms: u32,
    failing_alarm: bool,
    left_while_matching: usize,
}

impl Matchmaker {
    /// `POST /debug/{hook}`.
    pub(super) fn test_hook(&self, req: &Request, hook: &str) -> Result<Response> {
        if !self.settings()?.test_hooks {
            return Err(ServerError::NotFound(
                "test hooks are off (VOLLEY_TEST_HOOKS)".into(),
            ));
        }
        // A room by its id, whether the test names it so or by a chartered
        // address (which is what `Matched` gives).
        let room = || {
            let named = http::query_param(req, "room")
                .ok_or_else(|| ServerError::BadRequest("which room? (?room=)".into()))?;
            Address::parse(&named)
                .map(|address| address.room.0)
                .map_err(|err| ServerError::BadRequest(format!("room {named:?}: {err}")))
        };
        match hook {
            "hold-rooms" => self.holds.rooms.set(true),
            "release-rooms" => self.holds.rooms.set(false),
            "fail-rooms" => {
                let count = http::query_param(req, "count")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                self.holds.failing_rooms.set(count);
            }
            "fail-alarm" => self
                .holds
                .failing_alarm
                .set(http::query_param(req, "on").as_deref() != Some("0")),
            "charter-rooms" => {
                self.holds
                    .charter_rooms
                    .set(match http::query_param(req, "on").as_deref() {
                        Some("setting") => None,
                        Some("0") => Some(false),
                        _ => Some(true),
                    })
            }
            "hold-results" => {
                self.holds.results.borrow_mut().insert(room()?);
            }
            "release-results" => {
                self.holds.results.borrow_mut().remove(&room()?);
            }
            "legacy-player" => self.put_legacy_player(req)?,
            "legacy-guest" => {
                let player = PlayerId(super::random_u64()?);
                let token = self.settings.key(&self.env)?.sign_guest(player);
                return Ok(Response::ok(token)?);
            }
            "arrivals" => {
                let count = http::query_param(req, "count")
                    .and_then(|c| c.parse().ok())
                    .ok_or_else(|| ServerError::BadRequest("how many? (?count=)".into()))?;
                self.storage()?.set_arrivals(now_ms(), count)?;
            }
            "guesses" => {
                let age_ms = http::query_param(req, "age_ms")
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or(0);
                let (kept, closed) = self.storage()?.age_guesses(age_ms, now_ms())?;
                return Ok(Response::from_json(&serde_json::json!({
                    "kept": kept,
                    "closed": closed,
                }))?);
            }
            "forget-silent" => {
                return Ok(Response::from_json(&serde_json::json!({
                    "forgotten": self.silent.forget(),
                }))?);
            }
            "holds" => {}
            _ => return Err(ServerError::NotFound("no such test hook".into())),
        }
        let mut results: Vec<String> = self.holds.results.borrow().iter().cloned().collect();
        results.sort();
        Ok(Response::from_json(&Held {
            rooms: self.holds.rooms.get(),
            charter_rooms: self.holds.charter_rooms.get(),
            results,
            waiting_results: self.holds.waiting_results.borrow().clone(),
            failing_rooms: self.holds.failing_rooms.get(),
            failing_alarm: self.holds.failing_alarm.get(),
            left_while_matching: self.withdrawals.count(),
        })?)
    }

    /// Writes a rating the way the first releases kept it (a row of this
    /// shard's `players`): `?player=&name=&rating=&games=`. Tests use it to
    /// show that a player object adopts such a rating.
    fn put_legacy_player(&self, req: &Request) -> Result<()> {
        let param = |name: &str| {
            http::query_param(req, name)
                .ok_or_else(|| ServerError::BadRequest(format!("?{name}= is missing")))
        };
        let number = |name: &str| {
            param(name)?
                .parse::<f64>()
                .map_err(|_| ServerError::BadRequest(format!("?{name}= is not a number")))
        };
        let line = LeaderLine {
            player: crate::player::parse_player(&param("player")?)?,
            name: param("name")?,
            standing: Standing {
                rating: number("rating")?,
                games: number("games")? as u64,
            },
            at_ms: now_ms(),
        };
        self.put_leader(&line)
    }

    /// Waits while room creation is held.
    pub(super) async fn hold_room_creation(&self) {
        wait_while(|| self.holds.rooms.get()).await;
    }

    /// Waits while this room's result reports are held, counted while
    /// they wait.
    pub(super) async fn hold_result(&self, room: &str) {
        if !self.holds.results.borrow().contains(room) {
            return;
        }
        let waiting = &self.holds.waiting_results;
        *waiting.borrow_mut().entry(room.to_owned()).or_default() += 1;
        wait_while(|| self.holds.results.borrow().contains(room)).await;
        let mut waiting = waiting.borrow_mut();
        if let Some(count) = waiting.get_mut(room) {
            *count -= 1;
            if *count == 0 {
                waiting.remove(room);
            }
        }
    }
}

/// Waits while `held` holds, [`MAX_HOLD_MS`] at most. Waiting on a timer
/// lets other events in (only storage closes the object's input gate).
async fn wait_while(held: impl Fn() -> bool) {
    let since = now_ms();
    while held() && now_ms().saturating_sub(since) < MAX_HOLD_MS {
        Delay::from(POLL).await;
    }
}
