//! Settings read from the Worker's environment (`vars` in `wrangler.jsonc`,
//! secrets, and `wrangler dev --var` overrides), each with a clear error.

use crate::token::{JoinKey, MIN_SECRET_LEN};
use worker::{Env, Error, Result};

/// Default turn length, when `TURN_TIMEOUT_MS` is not set.
pub const DEFAULT_TURN_TIMEOUT_MS: u64 = 30_000;
/// Shortest and longest turn lengths accepted.
pub const TURN_TIMEOUT_RANGE_MS: std::ops::RangeInclusive<u64> = 1_000..=600_000;
/// How long a join token stays valid.
pub const JOIN_TOKEN_TTL_MS: u64 = 2 * 60 * 60 * 1000;

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

/// The turn length for new rooms, from `TURN_TIMEOUT_MS`.
pub fn turn_timeout_ms(env: &Env) -> Result<u64> {
    let Ok(var) = env.var("TURN_TIMEOUT_MS") else {
        return Ok(DEFAULT_TURN_TIMEOUT_MS);
    };
    let text = var.to_string();
    match text.trim().parse::<u64>() {
        Ok(ms) if TURN_TIMEOUT_RANGE_MS.contains(&ms) => Ok(ms),
        _ => Err(Error::RustError(format!(
            "TURN_TIMEOUT_MS must be a whole number of milliseconds from {} to {}, not {text:?}",
            TURN_TIMEOUT_RANGE_MS.start(),
            TURN_TIMEOUT_RANGE_MS.end()
        ))),
    }
}
