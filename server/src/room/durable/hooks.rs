//! Test and benchmark hooks: off unless `wrangler dev` is started with
//! `VOLLEY_TEST_HOOKS=1` (the end-to-end tests) or `VOLLEY_BENCH=1` (the
//! benchmarks); a deployment answers them with 404.
//!
//! - `POST /debug/alarm[?late_ms=N]`: run the alarm handler now, or as if
//!   it rang `N` ms late (so several timers are due in one alarm, as after
//!   the runtime was down); answers how many timers were due.
//! - `POST /debug/report`: report a finished room's result again.
//! - `POST /debug/tables`: whether this object holds a room's tables
//!   (`tables` or `none`), read without making them: a chartered address
//!   a room was not set up at must hold none.
//! - `POST`/`GET /debug/wakeups`: count this room's handler runs / read the
//!   counts ([`crate::room::wakeups`]).

use super::GameRoom;
use crate::error::{Result, ServerError};
use crate::http::{now_ms, query_param};
use crate::room::engine::Phase;
use crate::room::storage::Storage;
use crate::room::wakeups::{self, Wakeup};
use worker::{Method, Request, Response};

impl GameRoom {
    /// A handler is running: counts it if this room counts wake-ups. A
    /// failure to count is logged, never fatal.
    pub(super) fn woken(&self, wakeup: Wakeup) {
        let constructed = self.fresh.replace(false);
        let counting = match self.counting.get() {
            Some(counting) => counting,
            None => {
                let bench = self.settings().is_ok_and(|s| s.bench);
                let counting =
                    bench && wakeups::enabled(&self.state.storage().sql()).unwrap_or(false);
                self.counting.set(Some(counting));
                counting
            }
        };
        if !counting {
            return;
        }
        if let Err(err) = wakeups::count(&self.state.storage().sql(), wakeup, constructed) {
            crate::build::log_warn!("could not count a wake-up: {err}");
        }
    }

    /// `POST` starts counting wake-ups, `GET` reads the counts; both answer
    /// with the counts. Not itself counted.
    pub(super) fn wakeups_hook(&self, method: Method) -> Result<Response> {
        if !self.settings()?.bench {
            return Err(ServerError::NotFound(
                "benchmark routes are off (VOLLEY_BENCH)".into(),
            ));
        }
        // The hook is not a wake-up to count, but it did construct the
        // object if it was evicted.
        self.fresh.set(false);
        let sql = self.state.storage().sql();
        match method {
            Method::Post => {
                wakeups::enable(&sql)?;
                self.counting.set(Some(true));
                Ok(Response::from_json(&wakeups::read(&sql)?)?)
            }
            Method::Get => Ok(Response::from_json(&wakeups::read(&sql)?)?),
            _ => Err(ServerError::MethodNotAllowed),
        }
    }

    /// `POST /debug/alarm[?late_ms=N]`, `POST /debug/report` and
    /// `POST /debug/tables`.
    pub(super) async fn test_hook(&self, req: &Request, path: &str) -> Result<Response> {
        if !self.settings()?.test_hooks {
            return Err(ServerError::NotFound(
                "test hooks are off (VOLLEY_TEST_HOOKS)".into(),
            ));
        }
        if path.ends_with("/debug/alarm") {
            let late_ms = match query_param(req, "late_ms") {
                Some(late) => late
                    .parse::<u64>()
                    .map_err(|_| ServerError::BadRequest("late_ms is a number of ms".into()))?,
                None => 0,
            };
            let fired = self.on_alarm(now_ms().saturating_add(late_ms)).await?;
            return Ok(Response::ok(format!(
                "alarm handler ran: {fired} timer(s) due"
            ))?);
        }
        if path.ends_with("/debug/tables") {
            let held = Storage::holds_a_room(&self.state.storage().sql())?;
            return Ok(Response::ok(if held { "tables" } else { "none" })?);
        }
        if path.ends_with("/debug/report") {
            let storage = self.storage()?;
            let record = self.load_record()?;
            let Phase::Finished { outcome } = *record.room.phase() else {
                return Err(ServerError::Conflict("the game is not finished".into()));
            };
            self.report(&storage, &record, outcome, now_ms()).await?;
            return Ok(Response::ok("reported")?);
        }
        Err(ServerError::NotFound("no such test hook".into()))
    }
}
