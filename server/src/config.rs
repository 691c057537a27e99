//! Settings read from the Worker's environment (`vars` in `wrangler.jsonc`,
//! secrets, and `wrangler dev --var` overrides), each with a clear error.

use crate::token::{JoinKey, MIN_SECRET_LEN};
use volley_shared::Mode;
use worker::{Env, Error, Result};

/// Default turn length, when `TURN_TIMEOUT_MS` is not set.
pub const DEFAULT_TURN_TIMEOUT_MS: u64 = 30_000;
/// Shortest and longest turn lengths accepted.
pub const TURN_TIMEOUT_RANGE_MS: std::ops::RangeInclusive<u64> = 1_000..=600_000;
/// How long a join token stays valid.
pub const JOIN_TOKEN_TTL_MS: u64 = 2 * 60 * 60 * 1000;
/// Default wait for seats to be taken, when `SEAT_RESERVATION_MS` is unset.
pub const DEFAULT_SEAT_RESERVATION_MS: u64 = 60_000;
/// Default time a finished room keeps its replay, when
/// `ROOM_RETENTION_MS` is unset: a day.
pub const DEFAULT_ROOM_RETENTION_MS: u64 = 24 * 60 * 60 * 1000;

/// The join-token key from the `JOIN_SECRET` secret.
pub fn join_key(env: &Env) -> Result<JoinKey> {
    let secret = env.secret("JOIN_SECRET").map_err(|_| {
        Error::RustError(
            "JOIN_SECRET is not set: put `JOIN_SECRET=...` in .dev.vars for local development \
             (the dev script writes one), or run `wrangler secret put JOIN_SECRET` before deploying"
                .into(),
        )
    })?;
    JoinKey::new(&secret.to_string()).map_err(|_| {
        Error::RustError(format!(
            "JOIN_SECRET is too short: use at least {MIN_SECRET_LEN} random characters"
        ))
    })
}

/// The turn length for new rooms of `mode`: `TURN_TIMEOUT_MS_<MODE>` (for
/// example `TURN_TIMEOUT_MS_DUEL`) if set, else `TURN_TIMEOUT_MS`, else 30 s.
pub fn turn_timeout_ms(env: &Env, mode: Mode) -> Result<u64> {
    let per_mode = format!("TURN_TIMEOUT_MS_{}", mode.as_str().to_uppercase());
    match ms_var(env, &per_mode, TURN_TIMEOUT_RANGE_MS)? {
        Some(ms) => Ok(ms),
        None => Ok(ms_var(env, "TURN_TIMEOUT_MS", TURN_TIMEOUT_RANGE_MS)?
            .unwrap_or(DEFAULT_TURN_TIMEOUT_MS)),
    }
}

/// How long a new room waits for its seats, from `SEAT_RESERVATION_MS`.
pub fn seat_reservation_ms(env: &Env) -> Result<u64> {
    Ok(ms_var(env, "SEAT_RESERVATION_MS", 1_000..=3_600_000)?
        .unwrap_or(DEFAULT_SEAT_RESERVATION_MS))
}

/// How long a finished room keeps its replay, from `ROOM_RETENTION_MS`.
pub fn room_retention_ms(env: &Env) -> Result<u64> {
    Ok(
        ms_var(env, "ROOM_RETENTION_MS", 1_000..=30 * 24 * 3_600_000)?
            .unwrap_or(DEFAULT_ROOM_RETENTION_MS),
    )
}

/// How long a private room's join code works, when `PRIVATE_CODE_TTL_MS`
/// is unset: ten minutes. The room waits as long for its seats.
pub const DEFAULT_PRIVATE_CODE_TTL_MS: u64 = 10 * 60 * 1000;

/// How long a private room's join code works, from `PRIVATE_CODE_TTL_MS`.
pub fn private_code_ttl_ms(env: &Env) -> Result<u64> {
    Ok(ms_var(env, "PRIVATE_CODE_TTL_MS", 10_000..=24 * 3_600_000)?
        .unwrap_or(DEFAULT_PRIVATE_CODE_TTL_MS))
}

/// Default wait before empty seats are filled with bots.
pub const DEFAULT_BOT_FILL_AFTER_MS: u64 = 30_000;

/// How long a ticket of `mode` waits before bots fill the empty seats:
/// `BOT_FILL_AFTER_MS_<MODE>` if set, else `BOT_FILL_AFTER_MS`, else 30 s.
/// `off` turns bot fill off.
pub fn bot_fill_after_ms(env: &Env, mode: Mode) -> Result<Option<u64>> {
    let per_mode = format!("BOT_FILL_AFTER_MS_{}", mode.as_str().to_uppercase());
    for name in [per_mode.as_str(), "BOT_FILL_AFTER_MS"] {
        if env
            .var(name)
            .is_ok_and(|v| v.to_string().trim().eq_ignore_ascii_case("off"))
        {
            return Ok(None);
        }
        if let Some(ms) = ms_var(env, name, 0..=3_600_000)? {
            return Ok(Some(ms));
        }
    }
    Ok(Some(DEFAULT_BOT_FILL_AFTER_MS))
}

/// Whether test-only routes are on (`VOLLEY_TEST_HOOKS=1`, which only the
/// end-to-end tests pass to `wrangler dev`; it is not in `wrangler.jsonc`).
pub fn test_hooks(env: &Env) -> bool {
    env.var("VOLLEY_TEST_HOOKS")
        .is_ok_and(|v| v.to_string().trim() == "1")
}

/// A whole number of milliseconds from a var, checked against a range.
fn ms_var(env: &Env, name: &str, range: std::ops::RangeInclusive<u64>) -> Result<Option<u64>> {
    let Ok(var) = env.var(name) else {
        return Ok(None);
    };
    let text = var.to_string();
    match text.trim().parse::<u64>() {
        Ok(ms) if range.contains(&ms) => Ok(Some(ms)),
        _ => Err(Error::RustError(format!(
            "{name} must be a whole number of milliseconds from {} to {}, not {text:?}",
            range.start(),
            range.end()
        ))),
    }
}
