//! The Worker's entry point: every HTTP request starts here.
//!
//! | route | goes to |
//! |---|---|
//! | `GET /api/health` | answered here |
//! | `/api/bench/echo[/ws]?shard=N` | an echo Durable Object, the benchmarks' baseline; only with `VOLLEY_BENCH=1` |
//! | `POST /api/guests` | answered here: a new guest identity (player id and signed token) |
//! | `GET /api/matchmake?mode=duel[&guest=TOKEN]` (WebSocket) | the mode's coordinator, as that guest if the token is valid |
//! | `POST /api/rooms?mode=duel&name=..[&guest=..]` | the mode's coordinator: a private room, its join code and the first seat |
//! | `POST /api/rooms/join?code=..&name=..[&guest=..]` | the coordinator the code names: the next free seat |
//! | `GET /api/players/{id}[?mode=duel]` | the player's object (`player:{id}`): rating and history per mode |
//! | `GET /api/stats?mode=duel` | the mode's coordinator |
//! | `GET /api/stats` | every mode's coordinator, gathered here |
//! | `GET /api/leaderboard?mode=duel` | the mode's global coordinator shard: the leaderboard the player objects keep |
//! | `GET /api/rooms/{room_id}/ws` (WebSocket; the join token comes in `Hello`) | that room |
//! | `GET /api/rooms/{room_id}` | that room (public facts about it) |
//! | `GET /api/rooms/{room_id}/replay` | that room: seed, roster and action log (JSON) |
//! | `POST /api/rooms/{room_id}/spectate` | that room: a spectator token |
//! | `POST /api/rooms/{room_id}/debug/alarm[?late_ms=N]` | that room's alarm handler, run now (or as if it rang `N` ms late); only with `VOLLEY_TEST_HOOKS=1` |
//! | `POST /api/rooms/{room_id}/debug/report` | that room reports its result again; only with `VOLLEY_TEST_HOOKS=1` |
//! | (any coordinator route, header `X-Volley-Test-Continent: EU`) | the coordinator sees the client on that continent instead of `request.cf`'s; only with `VOLLEY_TEST_HOOKS=1` |
//! | `POST /api/coordinator/debug/{hook}?mode=duel[&room=..][&count=..]` | the mode's coordinator's test hooks (`matchmaker::durable::hooks`); only with `VOLLEY_TEST_HOOKS=1` |
//! | `POST`/`GET /api/rooms/{room_id}/debug/wakeups` | that room starts counting its wake-ups / reads the counts; only with `VOLLEY_BENCH=1` |

use crate::build;
use crate::echo;
use crate::error::{Result, ServerError, respond};
use crate::http;
use crate::internal::link;
use crate::location::hint_for_place;
use crate::matchmaker::codes::parse_code;
use crate::settings::{self, Settings};
use volley_shared::api::{AllStats, Guest, Health, ShardStats};
use volley_shared::protocol::{MIN_PROTOCOL_VERSION, PROTOCOL_VERSION};
use volley_shared::{Mode, PlayerId, RoomId};
use worker::{Context, Env, Headers, Method, Request, RequestInit, Response, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    respond(route(req, &env).await)
}

async fn route(req: Request, env: &Env) -> Result<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (req.method(), segments.as_slice()) {
        (Method::Get, ["api", "health"]) => health(env),
        (Method::Post, ["api", "guests"]) => new_guest(env),
        (_, ["api", "bench", "echo"] | ["api", "bench", "echo", "ws"]) => {
            echo::route(req, env).await
        }
        (Method::Post, ["api", "rooms"]) => to_coordinator(req, env, "/api/private/create").await,
        (Method::Post, ["api", "rooms", "join"]) => join_private(req, env).await,
        (Method::Get, ["api", "players", player]) => players(req, env, player).await,
        (Method::Post, ["api", "coordinator", "debug", hook]) => {
            coordinator_hook(&req, env, hook).await
        }
        (Method::Get, ["api", "matchmake"]) => to_coordinator(req, env, "/api/matchmake").await,
        (Method::Get, ["api", "stats"]) if http::query_param(&req, "mode").is_none() => {
            all_stats(env).await
        }
        (Method::Get, ["api", "stats"]) => to_coordinator(req, env, "/api/stats").await,
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
            | ["api", "rooms", room, "debug", "alarm" | "report"],
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
    if !Settings::from_env(env)?.test_hooks {
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
    Ok(link::coordinator(env, mode)?
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

/// Sends a request to `mode`'s coordinator shard at `path`, keeping its
/// method, headers and the query parameters the coordinator reads, and
/// adding what only the Worker may vouch for: the continent and the player
/// id of a verified guest token. (The client's address travels in the
/// `CF-Connecting-IP` header, which Cloudflare sets.)
async fn forward_to_coordinator(
    req: Request,
    env: &Env,
    mode: Mode,
    path: &str,
) -> Result<Response> {
    let mut url = worker::Url::parse(&format!("https://volley.internal{path}"))
        .map_err(|e| ServerError::Config(format!("internal URL: {e}")))?;
    url.query_pairs_mut().append_pair("mode", mode.as_str());
    for name in ["name", "code"] {
        if let Some(value) = http::query_param(&req, name) {
            url.query_pairs_mut().append_pair(name, &value);
        }
    }
    if let Some(guest) = crate::guest::token(&req) {
        // Verified here; the coordinator trusts `player` because only the
        // Worker builds these URLs.
        let player = settings::join_key(env)?
            .verify_guest(&guest, http::now_ms())
            .map_err(|err| ServerError::Forbidden(format!("guest token: {err}")))?;
        url.query_pairs_mut()
            .append_pair("player", &player.to_string());
    }
    let test_hooks = Settings::from_env(env)?.test_hooks;
    let (continent, country, longitude) = match http::test_continent(&req, test_hooks) {
        // Tests say where a client is; only the continent, then.
        Some(continent) => (Some(continent), None, None),
        None => (
            http::cf_field(&req, "continent"),
            http::cf_field(&req, "country"),
            http::cf_field(&req, "longitude").and_then(|l| l.parse::<f32>().ok()),
        ),
    };
    if let Some(hint) = hint_for_place(continent.as_deref(), country.as_deref(), longitude) {
        url.query_pairs_mut().append_pair("hint", hint);
    }
    if let Some(continent) = continent {
        url.query_pairs_mut().append_pair("continent", &continent);
    }
    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        headers.set(&name, &value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(headers);
    let forwarded = Request::new_with_init(url.as_str(), &init)?;
    Ok(link::coordinator(env, mode)?
        .fetch_with_request(forwarded)
        .await?)
}

/// `POST /api/guests`: a guest identity. No account is needed: the token is
/// the identity, and ratings and match history follow its player id.
fn new_guest(env: &Env) -> Result<Response> {
    let player =
        PlayerId(getrandom::u64().map_err(|e| ServerError::Config(format!("no randomness: {e}")))?);
    let token = settings::join_key(env)?.sign_guest(player);
    Ok(Response::from_json(&Guest {
        player: player.to_string(),
        token,
    })?
    .with_status(201))
}

/// `GET /api/players/{id}[?mode=]`: rating and recent games in one mode or
/// every mode, from the player's object.
async fn players(req: Request, env: &Env, player: &str) -> Result<Response> {
    let player = crate::player::parse_player(player)?;
    Ok(link::player(env, player)?.fetch_with_request(req).await?)
}

/// Every mode's shard statistics, one after another.
async fn all_stats(env: &Env) -> Result<Response> {
    let mut modes = Vec::new();
    for mode in Mode::ALL {
        let url = format!("https://volley.internal/api/stats?mode={}", mode.as_str());
        let mut response = link::coordinator(env, mode)?.fetch_with_str(&url).await?;
        modes.push(response.json::<ShardStats>().await?);
    }
    Ok(Response::from_json(&AllStats { modes })?)
}

/// Sends the request, unchanged, to the room it names.
async fn to_room(req: Request, env: &Env, room: &str) -> Result<Response> {
    let room = RoomId(room.to_string());
    Ok(link::room(env, &room)?.fetch_with_request(req).await?)
}
