//! `GET /api/ops[?mode=..]`, the operators' dashboard's data (the page is
//! `/ops.html`): each mode's last hour minute by minute, per pool and
//! summed, read from every coordinator shard at once.
//!
//! Behind a key: `Authorization: Bearer <OPS_SECRET>` (a `wrangler secret`).
//! Without the secret the route is off, unless `OPS_OPEN=1`, which only
//! `scripts/dev` and the tests pass, so it is open locally.

use crate::error::{Result, ServerError};
use crate::guest;
use crate::http;
use crate::internal::link;
use crate::matchmaker::ops::{self, OPS_HOUR_PATH, ShardHour};
use crate::matchmaker::shards::Pool;
use futures_util::future::join_all;
use volley_shared::Mode;
use volley_shared::api::{OpsMode, OpsReport};
use worker::{Env, Request, Response};

/// Answers `GET /api/ops`, once the caller may see it.
pub async fn route(req: &Request, env: &Env) -> Result<Response> {
    allowed(req, env)?;
    let modes = match http::query_param(req, "mode") {
        Some(_) => vec![http::mode_param(req)?],
        None => Mode::ALL.to_vec(),
    };
    let now_minute = http::now_ms() / 60_000;
    // Every mode's shards at once, as `/api/stats` asks them.
    let hours = join_all(
        modes
            .into_iter()
            .map(|mode| mode_hour(env, mode, now_minute)),
    )
    .await;
    let report = OpsReport {
        now_minute,
        modes: hours.into_iter().collect::<Result<_>>()?,
    };
    Ok(Response::from_json(&report)?)
}

/// Whether the request may read the dashboard.
fn allowed(req: &Request, env: &Env) -> Result<()> {
    if env
        .var("OPS_OPEN")
        .is_ok_and(|v| v.to_string().trim() == "1")
    {
        return Ok(());
    }
    let Ok(secret) = env.secret("OPS_SECRET") else {
        return Err(ServerError::NotFound(
            "the dashboard is off: run `wrangler secret put OPS_SECRET` to turn it on".into(),
        ));
    };
    let given = req
        .headers()
        .get("Authorization")
        .ok()
        .flatten()
        .and_then(|h| guest::from_bearer(&h).map(str::to_string));
    match given {
        Some(key) if same(key.as_bytes(), secret.to_string().as_bytes()) => Ok(()),
        _ => Err(ServerError::Forbidden(
            "the dashboard needs `Authorization: Bearer <OPS_SECRET>`".into(),
        )),
    }
}

/// Equal, in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// `mode`'s hour from every shard that answers (a shard of the previous
/// release, which has no such route, or one that fails, is left out).
async fn mode_hour(env: &Env, mode: Mode, now_minute: u64) -> Result<OpsMode> {
    let url = format!(
        "https://volley.internal{OPS_HOUR_PATH}?mode={}",
        mode.as_str()
    );
    let asked = Pool::all().map(|pool| {
        let url = url.clone();
        async move {
            let mut response = link::shard(env, mode, pool)?.fetch_with_str(&url).await?;
            if response.status_code() != 200 {
                return Ok(None);
            }
            let hour: ShardHour = response.json().await?;
            Result::<_, ServerError>::Ok(Some((pool.code(), hour)))
        }
    });
    let mut shards = Vec::new();
    for answer in join_all(asked).await {
        match answer {
            Ok(Some(shard)) => shards.push(shard),
            Ok(None) => {}
            // One shard out of reach (a jurisdiction, a restart) leaves
            // a gap, not an empty dashboard.
            Err(err) => crate::build::log_error!("ops: a {} shard: {err}", mode.as_str()),
        }
    }
    Ok(ops::mode_hour(mode, now_minute, &shards))
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn keys_are_the_same_only_byte_for_byte() {
        assert!(same(b"key-123", b"key-123"));
        assert!(!same(b"key-123", b"key-124"));
        assert!(!same(b"key-12", b"key-123"));
        assert!(!same(b"", b"k"));
    }
}
