//! Settings from the Worker's environment (`vars` in `wrangler.jsonc`,
//! secrets, and `wrangler dev --var` overrides), parsed once per object
//! instance into [`Settings`], each with a clear error.
//!
//! [`Settings::parse`] reads through a lookup function, so unit tests build
//! settings from a list of pairs; [`Settings::from_env`] looks in `Env`.

use crate::error::ServerError;
use crate::limits::Limits;
use crate::time::{DAY_MS, HOUR_MS, MINUTE_MS};
use crate::token::{JoinKey, MIN_SECRET_LEN};
use std::cell::OnceCell;
use std::ops::RangeInclusive;
use std::rc::Rc;
use std::thread::LocalKey;
use volley_shared::Mode;
use worker::Env;

/// Default turn length, when `TURN_TIMEOUT_MS` is not set.
pub const DEFAULT_TURN_TIMEOUT_MS: u64 = 30_000;
/// Shortest and longest turn lengths accepted.
pub const TURN_TIMEOUT_RANGE_MS: RangeInclusive<u64> = 1_000..=600_000;
/// How long a join token stays valid.
pub const JOIN_TOKEN_TTL_MS: u64 = 2 * HOUR_MS;
/// Default wait for seats to be taken, when `SEAT_RESERVATION_MS` is unset.
pub const DEFAULT_SEAT_RESERVATION_MS: u64 = 60_000;
/// Default time a finished room keeps its replay, when
/// `ROOM_RETENTION_MS` is unset: a day.
pub const DEFAULT_ROOM_RETENTION_MS: u64 = DAY_MS;

/// How long a coordinator remembers a player (rating, games, history)
/// after their last game: 180 days.
pub const DEFAULT_PLAYER_RETENTION_MS: u64 = 180 * DAY_MS;
/// How long a private room's join code works, when `PRIVATE_CODE_TTL_MS`
/// is unset: ten minutes. The room waits as long for its seats.
pub const DEFAULT_PRIVATE_CODE_TTL_MS: u64 = 10 * MINUTE_MS;
/// Default wait before empty seats are filled with bots.
pub const DEFAULT_BOT_FILL_AFTER_MS: u64 = 30_000;

/// Every setting but the secret, parsed and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Turn length per mode (`TURN_TIMEOUT_MS_<MODE>`, else
    /// `TURN_TIMEOUT_MS`, else 30 s).
    pub turn_timeout_ms: Vec<(Mode, u64)>,
    /// How long a new room waits for its seats (`SEAT_RESERVATION_MS`).
    pub seat_reservation_ms: u64,
    /// How long a finished room keeps its replay (`ROOM_RETENTION_MS`).
    pub room_retention_ms: u64,
    /// How long a shard remembers a player after their last game
    /// (`PLAYER_RETENTION_MS`, 180 days).
    pub player_retention_ms: u64,
    /// How long a private room's join code works (`PRIVATE_CODE_TTL_MS`).
    pub private_code_ttl_ms: u64,
    /// Wait before bots fill empty seats, per mode (`BOT_FILL_AFTER_MS_<MODE>`,
    /// else `BOT_FILL_AFTER_MS`, else 30 s); `None` when set to `off`.
    pub bot_fill_after_ms: Vec<(Mode, Option<u64>)>,
    /// What one address or object may hold ([`crate::limits`]).
    pub limits: Limits,
    /// A regional shard that took fewer tickets than this in the last
    /// minute is quiet and hands new tickets to the global pool
    /// (`QUIET_TICKETS_PER_MINUTE`, 120; 0: never quiet).
    pub quiet_tickets_per_minute: u32,
    /// New rooms draw a secret for their game's chance, which no view
    /// shows (`WIND_SECRET`, on unless `0`; ARCHITECTURE.md, "The wind's
    /// secret"). The previous release reads such rooms; the one before it
    /// could not replay their games, which is why it was off in the
    /// release that brought it.
    pub wind_secret: bool,
    /// Public matches are made without calling their room: its set-up is
    /// signed into its players' join tokens, and the room sets itself up
    /// at the first `Hello` (`ROOM_CHARTER`, on unless `0`;
    /// [`crate::internal::charter`]). The previous release's rooms read such
    /// tokens; it was off in that release, whose own previous release's
    /// rooms could not (DEPLOY.md).
    pub room_charter: bool,
    /// Test-only routes (`VOLLEY_TEST_HOOKS=1`, which only the end-to-end
    /// tests pass to `wrangler dev`; never in `wrangler.jsonc`).
    pub test_hooks: bool,
    /// Benchmark routes (`VOLLEY_BENCH=1`; tests and benchmarks only).
    pub bench: bool,
}

impl Settings {
    /// Reads the settings from the Worker's environment.
    pub fn from_env(env: &Env) -> Result<Settings, ServerError> {
        Settings::parse(|name| env.var(name).ok().map(|v| v.to_string()))
    }

    /// Parses the settings from whatever `var` finds by name.
    pub fn parse(var: impl Fn(&str) -> Option<String>) -> Result<Settings, ServerError> {
        let ms = |name: &str, range: RangeInclusive<u64>| ms_var(var(name), name, range);
        let mut turn_timeout_ms = Vec::new();
        let mut bot_fill_after_ms = Vec::new();
        let default_turn = ms("TURN_TIMEOUT_MS", TURN_TIMEOUT_RANGE_MS)?;
        for mode in Mode::ALL {
            let name = mode.as_str().to_uppercase();
            let turn = ms(&format!("TURN_TIMEOUT_MS_{name}"), TURN_TIMEOUT_RANGE_MS)?
                .or(default_turn)
                .unwrap_or(DEFAULT_TURN_TIMEOUT_MS);
            turn_timeout_ms.push((mode, turn));
            bot_fill_after_ms.push((mode, bot_fill(&var, &name)?));
        }
        Ok(Settings {
            turn_timeout_ms,
            seat_reservation_ms: ms("SEAT_RESERVATION_MS", 1_000..=HOUR_MS)?
                .unwrap_or(DEFAULT_SEAT_RESERVATION_MS),
            room_retention_ms: ms("ROOM_RETENTION_MS", 1_000..=30 * DAY_MS)?
                .unwrap_or(DEFAULT_ROOM_RETENTION_MS),
            player_retention_ms: ms("PLAYER_RETENTION_MS", 1_000..=10 * 365 * DAY_MS)?
                .unwrap_or(DEFAULT_PLAYER_RETENTION_MS),
            private_code_ttl_ms: ms("PRIVATE_CODE_TTL_MS", 10_000..=DAY_MS)?
                .unwrap_or(DEFAULT_PRIVATE_CODE_TTL_MS),
            bot_fill_after_ms,
            limits: Limits::parse(&var)?,
            quiet_tickets_per_minute: crate::limits::whole_var(
                var("QUIET_TICKETS_PER_MINUTE"),
                "QUIET_TICKETS_PER_MINUTE",
                0..=10_000_000,
                "whole number of tickets a minute",
            )?
            .map_or(crate::matchmaker::shards::QUIET_TICKETS_PER_MINUTE, |n| {
                u32::try_from(n).unwrap_or(u32::MAX)
            }),
            wind_secret: switch(var("WIND_SECRET"), "WIND_SECRET", true)?,
            room_charter: switch(var("ROOM_CHARTER"), "ROOM_CHARTER", true)?,
            test_hooks: is_on(var(TEST_HOOKS)),
            bench: is_on(var("VOLLEY_BENCH")),
        })
    }

    /// The turn length for new rooms of `mode`.
    pub fn turn_timeout_ms(&self, mode: Mode) -> u64 {
        self.turn_timeout_ms
            .iter()
            .find(|(m, _)| *m == mode)
            .map_or(DEFAULT_TURN_TIMEOUT_MS, |(_, ms)| *ms)
    }

    /// How long after it is made a room may still report its result: its
    /// retention (it retries until then) and a day more. Rooms are listed,
    /// results marked and drawn ids noted for as long.
    pub fn reports_within_ms(&self) -> u64 {
        self.room_retention_ms.saturating_add(DAY_MS)
    }

    /// How long a ticket of `mode` waits before bots fill the empty seats;
    /// `None` when bot fill is off.
    pub fn bot_fill_after_ms(&self, mode: Mode) -> Option<u64> {
        self.bot_fill_after_ms
            .iter()
            .find(|(m, _)| *m == mode)
            .map_or(Some(DEFAULT_BOT_FILL_AFTER_MS), |(_, ms)| *ms)
    }
}

/// The variable that turns the test hooks on.
const TEST_HOOKS: &str = "VOLLEY_TEST_HOOKS";

/// Whether a flag variable is on (`1`).
fn is_on(value: Option<String>) -> bool {
    value.is_some_and(|v| v.trim() == "1")
}

/// A switch: `1` (or `true`, `on`, `yes`) on, `0` (or `false`, `off`,
/// `no`) off, `default` when unset; anything else an error that names it
/// (a typo must not turn a protection off unseen).
fn switch(value: Option<String>, name: &str, default: bool) -> Result<bool, ServerError> {
    let Some(text) = value else {
        return Ok(default);
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => Err(ServerError::Config(format!(
            "{name} must be 1 (on) or 0 (off), not {text:?}"
        ))),
    }
}

/// Whether the test hooks are on, read alone: the Worker asks at every
/// ticket (where a test says a client is), and parsing every setting
/// for it would cost one crossing into JavaScript per variable.
pub fn test_hooks(env: &Env) -> bool {
    is_on(env.var(TEST_HOOKS).ok().map(|v| v.to_string()))
}

thread_local! {
    /// The settings and the join-token key as this isolate made them:
    /// every object and request an isolate runs belongs to one Worker
    /// version, with one environment, so a new object (a room per match)
    /// takes them from here instead of reading every variable again.
    static SETTINGS: OnceCell<Rc<Settings>> = const { OnceCell::new() };
    static KEY: OnceCell<Rc<JoinKey>> = const { OnceCell::new() };
}

/// The settings and the join-token key of one object instance, read at
/// first use and kept (an instance lives until it is evicted; a changed
/// var or secret takes effect in new isolates, which a new version gets).
#[derive(Default)]
pub struct Cached {
    settings: OnceCell<Rc<Settings>>,
    key: OnceCell<Rc<JoinKey>>,
}

impl Cached {
    /// The settings, parsed from `env` the first time in this isolate.
    pub fn get(&self, env: &Env) -> Result<&Settings, ServerError> {
        kept(&self.settings, &SETTINGS, || Settings::from_env(env))
    }

    /// The join-token key, made from `JOIN_SECRET` the first time in this
    /// isolate.
    pub fn key(&self, env: &Env) -> Result<&JoinKey, ServerError> {
        kept(&self.key, &KEY, || join_key(env))
    }
}

/// The value in `mine`; the first time, the isolate's (in `isolate`),
/// made with `make` if the isolate has none yet. An error is kept
/// nowhere: the next call tries again.
fn kept<'a, T>(
    mine: &'a OnceCell<Rc<T>>,
    isolate: &'static LocalKey<OnceCell<Rc<T>>>,
    make: impl FnOnce() -> Result<T, ServerError>,
) -> Result<&'a T, ServerError> {
    if let Some(value) = mine.get() {
        return Ok(value);
    }
    let shared = isolate.with(|cell| {
        if let Some(value) = cell.get() {
            return Ok(Rc::clone(value));
        }
        let made = Rc::new(make()?);
        Ok::<_, ServerError>(Rc::clone(cell.get_or_init(|| made)))
    })?;
    Ok(mine.get_or_init(|| shared))
}

/// The join-token key from the `JOIN_SECRET` secret.
pub fn join_key(env: &Env) -> Result<JoinKey, ServerError> {
    let secret = env.secret("JOIN_SECRET").map_err(|_| {
        ServerError::Config(
            "JOIN_SECRET is not set: put `JOIN_SECRET=...` in .dev.vars for local development \
             (the dev script writes one), or run `wrangler secret put JOIN_SECRET` before deploying"
                .into(),
        )
    })?;
    JoinKey::new(&secret.to_string()).map_err(|_| {
        ServerError::Config(format!(
            "JOIN_SECRET is too short: use at least {MIN_SECRET_LEN} random characters"
        ))
    })
}

/// `BOT_FILL_AFTER_MS_<MODE>`, else `BOT_FILL_AFTER_MS`, else the default;
/// `off` in either turns bot fill off.
fn bot_fill(
    var: &impl Fn(&str) -> Option<String>,
    mode_name: &str,
) -> Result<Option<u64>, ServerError> {
    let per_mode = format!("BOT_FILL_AFTER_MS_{mode_name}");
    for name in [per_mode.as_str(), "BOT_FILL_AFTER_MS"] {
        let value = var(name);
        if value
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("off"))
        {
            return Ok(None);
        }
        if let Some(ms) = ms_var(value, name, 0..=HOUR_MS)? {
            return Ok(Some(ms));
        }
    }
    Ok(Some(DEFAULT_BOT_FILL_AFTER_MS))
}

/// A whole number of milliseconds from a var, checked against a range.
fn ms_var(
    value: Option<String>,
    name: &str,
    range: RangeInclusive<u64>,
) -> Result<Option<u64>, ServerError> {
    crate::limits::whole_var(value, name, range, "whole number of milliseconds")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Settings, ServerError> {
        Settings::parse(|name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn nothing_set_gives_the_defaults() {
        let settings = parse(&[]).unwrap();
        for mode in Mode::ALL {
            assert_eq!(settings.turn_timeout_ms(mode), DEFAULT_TURN_TIMEOUT_MS);
            assert_eq!(
                settings.bot_fill_after_ms(mode),
                Some(DEFAULT_BOT_FILL_AFTER_MS)
            );
        }
        assert_eq!(settings.seat_reservation_ms, DEFAULT_SEAT_RESERVATION_MS);
        assert_eq!(settings.room_retention_ms, DEFAULT_ROOM_RETENTION_MS);
        assert_eq!(settings.player_retention_ms, DEFAULT_PLAYER_RETENTION_MS);
        assert_eq!(settings.private_code_ttl_ms, DEFAULT_PRIVATE_CODE_TTL_MS);
        assert!(!settings.test_hooks && !settings.bench);
        assert!(settings.wind_secret && settings.room_charter);
    }

    #[test]
    fn a_room_may_report_for_a_day_after_its_retention() {
        let day = 24 * 60 * 60 * 1000;
        assert_eq!(parse(&[]).unwrap().reports_within_ms(), 2 * day);
        let short = parse(&[("ROOM_RETENTION_MS", "3000")]).unwrap();
        assert_eq!(short.reports_within_ms(), 3_000 + day);
    }

    #[test]
    fn a_mode_setting_beats_the_general_one() {
        let settings = parse(&[
            ("TURN_TIMEOUT_MS", "5000"),
            ("TURN_TIMEOUT_MS_CONNECT4", "20000"),
            ("BOT_FILL_AFTER_MS", "1000"),
            ("BOT_FILL_AFTER_MS_FFA4", "off"),
            ("VOLLEY_TEST_HOOKS", " 1 "),
            ("WIND_SECRET", "0"),
            ("ROOM_CHARTER", " 0 "),
        ])
        .unwrap();
        assert_eq!(settings.turn_timeout_ms(Mode::Duel), 5_000);
        assert_eq!(settings.turn_timeout_ms(Mode::ConnectFour), 20_000);
        assert_eq!(settings.bot_fill_after_ms(Mode::Duel), Some(1_000));
        assert_eq!(settings.bot_fill_after_ms(Mode::Ffa4), None);
        assert!(settings.test_hooks && !settings.wind_secret && !settings.room_charter);
    }

    #[test]
    fn out_of_range_and_garbage_values_say_what_is_accepted() {
        for (name, value) in [
            ("TURN_TIMEOUT_MS", "999"),
            ("TURN_TIMEOUT_MS_DUEL", "soon"),
            ("SEAT_RESERVATION_MS", "-5"),
            ("BOT_FILL_AFTER_MS", "99999999999"),
        ] {
            let err = parse(&[(name, value)]).unwrap_err();
            assert_eq!(err.status(), 500);
            let text = err.to_string();
            assert!(
                text.contains(name) && text.contains("milliseconds"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_switch_is_one_or_zero_and_says_so_otherwise() {
        for (text, on) in [
            ("true", true),
            ("ON", true),
            ("no", false),
            (" off ", false),
        ] {
            let settings = parse(&[("WIND_SECRET", text)]).unwrap();
            assert_eq!(settings.wind_secret, on, "{text:?}");
        }
        for name in ["WIND_SECRET", "ROOM_CHARTER"] {
            let err = parse(&[(name, "maybe")]).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(name) && text.contains("1 (on) or 0 (off)"),
                "{text}"
            );
        }
    }
}
