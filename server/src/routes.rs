//! The Worker's entry point: every HTTP request starts here.
//!
//! | route | goes to |
//! |---|---|
//! | `GET /api/health` | answered here |
//! | `/api/bench/echo[/ws]?shard=N` | an echo Durable Object, the benchmarks' baseline; only with `VOLLEY_BENCH=1` |
//! | `POST /api/guests` | answered here: a new guest identity (player id and a signed token that expires in 90 days; with `EU_JURISDICTION=1`, a guest from Europe gets an id whose data stays in the EU) |
//! | `POST /api/guests/renew` (`Authorization: Bearer TOKEN`) | answered here: a fresh token of the same guest, for a valid one (`g.` tokens of the first releases too) |
//! | `GET /api/matchmake?mode=duel[&guest=TOKEN][&party=1]` (WebSocket) | the coordinator shard of the mode and the client's continent (`coordinator:duel:eu`), or, for a party, an unknown continent or a quiet region's hand-over, the mode's global pool (`coordinator:duel`); as that guest if the token is valid |
//! | `POST /api/rooms?mode=duel&name=..[&guest=..]` | the mode's global shard: a private room, its join code and the first seat |
//! | `POST /api/rooms/join?code=..&name=..[&guest=..]` | the global shard of the mode the code names: the next free seat |
//! | `GET /api/players/{id}[?mode=duel]` | the player's object (`player:{id}`): rating and history per mode |
//! | `GET /api/stats?mode=duel&pool=eu` | that shard (`global` for the global pool) |
//! | `GET /api/stats?mode=duel` | every shard of the mode, summed here |
//! | `GET /api/stats` | every mode's shards, summed here per mode |
//! | `GET /api/ops[?mode=duel]` | every shard of the mode (of each mode), merged here ([`crate::dashboard`]): the last hour by minute, for `/ops.html`; needs `Authorization: Bearer <OPS_SECRET>`, or `OPS_OPEN=1` locally |
//! | `GET /api/leaderboard?mode=duel` | the mode's global coordinator shard: the leaderboard the player objects keep |
//! | `GET /api/rooms/{room_id}/ws` (WebSocket; the join token comes in `Hello`) | that room |
//! | `GET /api/rooms/{room_id}` | that room (public facts about it) |
//! | `GET /api/rooms/{room_id}/replay` | that room: seed, roster and action log (JSON) |
//! | `POST /api/rooms/{room_id}/spectate` | that room: a spectator token |
//! | `POST /api/rooms/{room_id}/debug/alarm[?late_ms=N]` | that room's alarm handler, run now (or as if it rang `N` ms late); only with `VOLLEY_TEST_HOOKS=1` |
//! | `POST /api/rooms/{room_id}/debug/report` | that room reports its result again; only with `VOLLEY_TEST_HOOKS=1` |
//! | `POST /api/rooms/{room_id}/debug/tables` | whether that room's object holds a room's tables (`tables` or `none`), read without making them; only with `VOLLEY_TEST_HOOKS=1` |
//! | (any coordinator route, header `X-Volley-Test-Continent: EU`) | the coordinator sees the client on that continent instead of `request.cf`'s; only with `VOLLEY_TEST_HOOKS=1` |
//! | `POST /api/coordinator/debug/{hook}?mode=duel[&pool=eu][&room=..][&count=..]` | a coordinator shard's test hooks (`matchmaker::durable::hooks`; the global shard without `pool`); only with `VOLLEY_TEST_HOOKS=1` |
//! | `POST`/`GET /api/rooms/{room_id}/debug/wakeups` | that room starts counting its wake-ups / reads the counts; only with `VOLLEY_BENCH=1` |

use crate::build;
use crate::echo;
use crate::error::{Result, ServerError, respond};
use crate::http::{self, Query};
use crate::internal::link;
use crate::location::hint_for_place;
use crate::matchmaker::codes::parse_code;
use crate::matchmaker::shards::{self, Pool};
use crate::matchmaker::stats;
use crate::settings::{self, Settings};
use crate::token::{GUEST_TOKEN_TTL_MS, JoinKey};
use futures_util::future::try_join_all;
use volley_shared::api::{AllStats, Guest, Health, ShardStats};
use volley_shared::protocol::{MIN_PROTOCOL_VERSION, PROTOCOL_VERSION};
use volley_shared::{Mode, PlayerId, RoomId};
use worker::{Context, Env, Method, Request, RequestInit, Response, event, web_sys};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    respond(route(req, &env).await)
}

async fn route(req: Request, env: &Env) -> Result<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (req.method(), segments.as_slice()) {
        (Method::Get, ["api", "health"]) => health(env),
        (Method::Post, ["api", "guests"]) => new_guest(&req, env),
        (Method::Post, ["api", "guests", "renew"]) => renew_guest(&req, env),
        (_, ["api", "bench", "echo"] | ["api", "bench", "echo", "ws"]) => {
            echo::route(req, env).await
        }
        (Method::Post, ["api", "rooms"]) => to_coordinator(req, env, "/api/private/create").await,
        (Method::Post, ["api", "rooms", "join"]) => join_private(req, env).await,
        (Method::Get, ["api", "players", player]) => players(req, env, player).await,
        (Method::Get, ["api", "ops"]) => crate::dashboard::route(&req, env).await,
        (Method::Post, ["api", "coordinator", "debug", hook]) => {
            coordinator_hook(&req, env, hook).await
        }
        (Method::Get, ["api", "matchmake"]) => matchmake(req, env).await,
        (Method::Get, ["api", "stats"]) => stats(&req, env).await,
        (Method::Get, ["api", "leaderboard"]) => to_coordinator(req, env, "/api/leaderboard").await,
        (Method::Get, ["api", "rooms", room]) => to_room(req, env, room).await,
        (Method::Get | Method::Post, ["api", "rooms", room, "debug", "wakeups"]) => {
            if !Settings::from_env(env)?.bench {
                return Err(ServerError::NotFound(
                    "benchmark routes are off (VOLLEY_BENCH)".into(),
                ));
            }
            to_room(req, env, room).await
        }
        (Method::Get, ["api", "rooms", room, "ws" | "replay"])
        | (
            Method::Post,
            ["api", "rooms", room, "spectate"]
            | ["api", "rooms", room, "debug", "alarm" | "report" | "tables"],
        ) => to_room(req, env, room).await,
        (_, ["api", ..]) => Err(ServerError::NotFound(format!(
            "no route for {} {path}",
            req.method()
        ))),
        _ => Err(ServerError::NotFound("not found".into())),
    }
}

fn health(env: &Env) -> Result<Response> {
    let (version_id, version_tag) = build::version(env);
    Ok(Response::from_json(&Health {
        ok: true,
        version: env!("CARGO_PKG_VERSION").to_string(),
        protocol: PROTOCOL_VERSION,
        min_protocol: MIN_PROTOCOL_VERSION,
        build: build::BUILD.to_string(),
        version_id,
        version_tag,
    })?)
}

/// Sends the request to the coordinator shard of its mode, adding the
/// continent Cloudflare saw the client connect from.
async fn to_coordinator(req: Request, env: &Env, path: &str) -> Result<Response> {
    let mode = http::mode_param(&req)?;
    forward_to_coordinator(req, env, mode, path).await
}

/// `POST /api/coordinator/debug/{hook}?mode=..`: a coordinator's test hook,
/// with the request's query.
async fn coordinator_hook(req: &Request, env: &Env, hook: &str) -> Result<Response> {
    if !settings::test_hooks(env) {
        return Err(ServerError::NotFound(
            "test hooks are off (VOLLEY_TEST_HOOKS)".into(),
        ));
    }
    let mode = http::mode_param(req)?;
    let mut url = worker::Url::parse(&format!("https://volley.internal/debug/{hook}"))
        .map_err(|e| ServerError::BadRequest(format!("hook URL: {e}")))?;
    url.set_query(req.url()?.query());
    let mut init = RequestInit::new();
    init.with_method(Method::Post);
    let forwarded = Request::new_with_init(url.as_str(), &init)?;
    let pool = pool_param(req)?.unwrap_or(Pool::Global);
    Ok(link::shard(env, mode, pool)?
        .fetch_with_request(forwarded)
        .await?)
}

/// `POST /api/rooms/join?code=..`: the code names its mode, and so the
/// coordinator that issued it.
async fn join_private(req: Request, env: &Env) -> Result<Response> {
    let typed = http::query_param(&req, "code").unwrap_or_default();
    let Some((_, mode)) = parse_code(&typed) else {
        return Err(ServerError::NotFound("that is not a join code".into()));
    };
    forward_to_coordinator(req, env, mode, "/api/private/join").await
}

/// Sends a request to `mode`'s global coordinator shard at `path`
/// ([`Forward`]).
async fn forward_to_coordinator(
    req: Request,
    env: &Env,
    mode: Mode,
    path: &str,
) -> Result<Response> {
    let forwarded = Forward::new(&req, &Query::of(&req), env, mode, path)?.to(Pool::Global)?;
    Ok(link::coordinator(env, mode)?
        .fetch_with_request(forwarded)
        .await?)
}

/// `GET /api/matchmake?mode=..[&party=1]`: a ticket socket at the shard of
/// the client's region, or at the mode's global pool for a party or an
/// unknown continent. A quiet regional shard answers with a hand-over, and
/// the upgrade goes to the global pool instead ([`shards`]).
async fn matchmake(req: Request, env: &Env) -> Result<Response> {
    let query = Query::of(&req);
    let mode = query.mode()?;
    let forward = Forward::new(&req, &query, env, mode, "/api/matchmake")?;
    let pool = match query.get("party") {
        Some(_) => Pool::Global,
        None => Pool::for_continent(forward.continent.as_deref()),
    };
    let response = link::shard(env, mode, pool)?
        .fetch_with_request(forward.to(pool)?)
        .await?;
    let handed_over = response.status_code() == shards::HAND_OVER_STATUS
        && response.headers().get(shards::HAND_OVER_HEADER)?.as_deref()
            == Some(Pool::Global.code());
    if pool == Pool::Global || !handed_over {
        return Ok(response);
    }
    Ok(link::coordinator(env, mode)?
        .fetch_with_request(forward.to(Pool::Global)?)
        .await?)
}

/// Where a client connects from: what Cloudflare saw, or, with test hooks
/// on, the continent a test says.
struct Place {
    continent: Option<String>,
    country: Option<String>,
    longitude: Option<f32>,
}

fn place(req: &Request, env: &Env) -> Result<Place> {
    Ok(match http::test_continent(req, settings::test_hooks(env)) {
        // Tests say where a client is; only the continent, then.
        Some(continent) => Place {
            continent: Some(continent),
            country: None,
            longitude: None,
        },
        None => Place {
            continent: http::cf_field(req, "continent"),
            country: http::cf_field(req, "country"),
            longitude: http::cf_field(req, "longitude").and_then(|l| l.parse::<f32>().ok()),
        },
    })
}

/// What a coordinator shard gets for `req` at `path`: its method, headers
/// and the query parameters the coordinator reads, and what only the
/// Worker may vouch for: the continent and the player id of a verified
/// guest token. (The client's address travels in the `CF-Connecting-IP`
/// header, which Cloudflare sets.) Built once; [`Forward::to`] makes the
/// request for a shard, so a hand-over does not verify the token again.
struct Forward {
    url: worker::Url,
    /// The client's method and headers.
    options: web_sys::RequestInit,
    /// The continent the client connects from, if known.
    continent: Option<String>,
}

impl Forward {
    fn new(req: &Request, query: &Query, env: &Env, mode: Mode, path: &str) -> Result<Forward> {
        let mut url = worker::Url::parse(&format!("https://volley.internal{path}"))
            .map_err(|e| ServerError::Config(format!("internal URL: {e}")))?;
        url.query_pairs_mut().append_pair("mode", mode.as_str());
        for name in ["name", "code"] {
            if let Some(value) = query.get(name) {
                url.query_pairs_mut().append_pair(name, value);
            }
        }
        if let Some(guest) = crate::guest::token(req) {
            // Verified here; the coordinator trusts `player` because only
            // the Worker builds these URLs.
            let player = guest_of(&settings::join_key(env)?, &guest)?;
            url.query_pairs_mut()
                .append_pair("player", &player.to_string());
        }
        let place = place(req, env)?;
        let hint = hint_for_place(
            place.continent.as_deref(),
            place.country.as_deref(),
            place.longitude,
        );
        if let Some(hint) = hint {
            url.query_pairs_mut().append_pair("hint", hint);
        }
        if let Some(continent) = &place.continent {
            url.query_pairs_mut().append_pair("continent", continent);
        }
        // The method and the client's headers (copied by the runtime as
        // the request is made), never a body: no route forwarded here
        // reads one, and a stream can be sent only once.
        let options = web_sys::RequestInit::new();
        options.set_method(req.inner().method().as_str());
        options.set_headers(&req.inner().headers());
        Ok(Forward {
            url,
            options,
            continent: place.continent,
        })
    }

    /// The request for the shard of `pool`: the client's method and
    /// headers at the Worker's URL, from options made once (a hand-over
    /// makes a second request from them).
    fn to(&self, pool: Pool) -> Result<Request> {
        let mut url = self.url.clone();
        url.query_pairs_mut().append_pair("pool", pool.code());
        let request = web_sys::Request::new_with_str_and_init(url.as_str(), &self.options)
            .map_err(|err| {
                ServerError::Upstream(format!("could not forward a request: {err:?}"))
            })?;
        Ok(Request::from(request))
    }
}

/// `POST /api/guests`: a guest identity. No account is needed: the token is
/// the identity, and ratings and match history follow its player id (which,
/// with data residency on, says whether they are kept in the EU).
fn new_guest(req: &Request, env: &Env) -> Result<Response> {
    let random =
        getrandom::u64().map_err(|e| ServerError::Config(format!("no randomness: {e}")))?;
    let player = link::residency(env).new_player(random, place(req, env)?.continent.as_deref());
    let token = settings::join_key(env)?.sign_guest_until(player, guest_expiry());
    Ok(Response::from_json(&Guest {
        player: player.to_string(),
        token,
    })?
    .with_status(201))
}

/// `POST /api/guests/renew`: the same guest with a token that lasts
/// [`GUEST_TOKEN_TTL_MS`] from now, for a valid token in
/// `Authorization: Bearer` (or wherever [`crate::guest::token`] looks). A
/// first release's token that never expires is traded for one that does.
fn renew_guest(req: &Request, env: &Env) -> Result<Response> {
    let token = crate::guest::token(req).ok_or_else(|| {
        ServerError::BadRequest("which guest? (Authorization: Bearer <token>)".into())
    })?;
    let key = settings::join_key(env)?;
    let player = guest_of(&key, &token)?;
    Ok(Response::from_json(&Guest {
        player: player.to_string(),
        token: key.sign_guest_until(player, guest_expiry()),
    })?)
}

/// The player a guest token names, checked now with `key`; refused if it
/// does not check out.
fn guest_of(key: &JoinKey, token: &str) -> Result<PlayerId> {
    key.verify_guest(token, http::now_ms())
        .map_err(|err| ServerError::Forbidden(format!("guest token: {err}")))
}

/// When a guest token issued now expires.
fn guest_expiry() -> u64 {
    http::now_ms().saturating_add(GUEST_TOKEN_TTL_MS)
}

/// `GET /api/players/{id}[?mode=]`: rating and recent games in one mode or
/// every mode, from the player's object.
async fn players(req: Request, env: &Env, player: &str) -> Result<Response> {
    let player = crate::player::parse_player(player)?;
    Ok(link::player(env, player)?.fetch_with_request(req).await?)
}

/// `GET /api/stats[?mode=..[&pool=..]]`: one shard's statistics (with
/// `pool`), a mode's summed over its shards, or every mode's.
async fn stats(req: &Request, env: &Env) -> Result<Response> {
    if http::query_param(req, "mode").is_none() {
        let modes = try_join_all(Mode::ALL.map(|mode| mode_stats(env, mode))).await?;
        return Ok(Response::from_json(&AllStats { modes })?);
    }
    let mode = http::mode_param(req)?;
    match pool_param(req)? {
        Some(pool) => Ok(Response::from_json(&shard_stats(env, mode, pool).await?)?),
        None => Ok(Response::from_json(&mode_stats(env, mode).await?)?),
    }
}

/// The shard a request names (`?pool=`: a region's code or `global`), if
/// it names one.
fn pool_param(req: &Request) -> Result<Option<Pool>> {
    http::query_param(req, "pool")
        .map(|code| {
            Pool::from_code(&code).ok_or_else(|| {
                ServerError::BadRequest(format!(
                    "no pool {code:?}: a region's code (af, as, eu, na, oc, sa) or global"
                ))
            })
        })
        .transpose()
}

/// A mode's statistics, summed over its shards, asked all at once (the
/// shards live near their regions, so one after another would add up
/// their distances).
async fn mode_stats(env: &Env, mode: Mode) -> Result<ShardStats> {
    let regional = try_join_all(
        Pool::all()
            .filter(|p| *p != Pool::Global)
            .map(|pool| shard_stats(env, mode, pool)),
    );
    let (global, regional) =
        futures_util::try_join!(shard_stats(env, mode, Pool::Global), regional)?;
    Ok(stats::merge(global, regional))
}

/// One shard's statistics.
async fn shard_stats(env: &Env, mode: Mode, pool: Pool) -> Result<ShardStats> {
    let url = format!("https://volley.internal/api/stats?mode={}", mode.as_str());
    let mut response = link::shard(env, mode, pool)?.fetch_with_str(&url).await?;
    if response.status_code() != 200 {
        return Err(ServerError::Upstream(format!(
            "the {} shard of {} answered {}",
            pool.code(),
            mode.as_str(),
            response.status_code()
        )));
    }
    Ok(response.json::<ShardStats>().await?)
}

/// Sends the request, unchanged, to the room it names.
async fn to_room(req: Request, env: &Env, room: &str) -> Result<Response> {
    let room = RoomId(room.to_string());
    Ok(link::room(env, &room)?.fetch_with_request(req).await?)
}
