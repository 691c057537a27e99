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
//! | `GET /api/players/{id}[?mode=duel]` | the mode's coordinator (or every mode's, gathered here) |
//! | `GET /api/stats?mode=duel` | the mode's coordinator |
//! | `GET /api/stats` | every mode's coordinator, gathered here |
//! | `GET /api/rooms/{room_id}/ws` (WebSocket; the join token comes in `Hello`) | that room |
//! | `GET /api/rooms/{room_id}` | that room (public facts about it) |
//! | `GET /api/rooms/{room_id}/replay` | that room: seed, roster and action log (JSON) |
//! | `POST /api/rooms/{room_id}/spectate` | that room: a spectator token |
//! | `POST /api/rooms/{room_id}/debug/alarm` | that room's alarm handler, run now; only with `VOLLEY_TEST_HOOKS=1` |
//! | `POST /api/rooms/{room_id}/debug/report` | that room reports its result again; only with `VOLLEY_TEST_HOOKS=1` |
//! | `POST`/`GET /api/rooms/{room_id}/debug/wakeups` | that room starts counting its wake-ups / reads the counts; only with `VOLLEY_BENCH=1` |

use crate::config;
use crate::echo;
use crate::http::{self, error};
use crate::location::hint_for_place;
use crate::matchmaker::codes::parse_code;
use crate::matchmaker::durable::COORDINATOR_BINDING;
use crate::room::durable::ROOM_BINDING;
use serde::Serialize;
use volley_shared::{Mode, PROTOCOL_VERSION, PlayerId, RoomId};
use worker::{Context, Env, Headers, Method, Request, RequestInit, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match route(req, &env).await {
        Ok(response) => Ok(response),
        Err(err) => {
            worker::console_error!("request failed: {err}");
            error(500, err.to_string())
        }
    }
}

async fn route(req: Request, env: &Env) -> Result<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (req.method(), segments.as_slice()) {
        (Method::Get, ["api", "health"]) => health(),
        (Method::Post, ["api", "guests"]) => new_guest(env),
        (_, ["api", "bench", "echo"] | ["api", "bench", "echo", "ws"]) => {
            echo::route(req, env).await
        }
        (Method::Post, ["api", "rooms"]) => to_coordinator(req, env, "/api/private/create").await,
        (Method::Post, ["api", "rooms", "join"]) => join_private(req, env).await,
        (Method::Get, ["api", "players", player]) => players(&req, env, player).await,
        (Method::Get, ["api", "matchmake"]) => to_coordinator(req, env, "/api/matchmake").await,
        (Method::Get, ["api", "stats"]) if http::query_param(&req, "mode").is_none() => {
            all_stats(env).await
        }
        (Method::Get, ["api", "stats"]) => to_coordinator(req, env, "/api/stats").await,
        (Method::Get, ["api", "rooms", room]) => to_room(req, env, room).await,
        (Method::Get | Method::Post, ["api", "rooms", room, "debug", "wakeups"]) => {
            if !echo::enabled(env) {
                return error(404, "benchmark routes are off (VOLLEY_BENCH)");
            }
            to_room(req, env, room).await
        }
        (Method::Get, ["api", "rooms", room, "ws" | "replay"])
        | (
            Method::Post,
            ["api", "rooms", room, "spectate"]
            | ["api", "rooms", room, "debug", "alarm" | "report"],
        ) => to_room(req, env, room).await,
        (_, ["api", ..]) => error(404, format!("no route for {} {path}", req.method())),
        _ => error(404, "not found"),
    }
}

fn health() -> Result<Response> {
    #[derive(Serialize)]
    struct Health {
        ok: bool,
        version: &'static str,
        protocol: u16,
    }
    Response::from_json(&Health {
        ok: true,
        version: env!("CARGO_PKG_VERSION"),
        protocol: PROTOCOL_VERSION,
    })
}

/// Sends the request to the coordinator shard of its mode, adding the
/// continent Cloudflare saw the client connect from.
async fn to_coordinator(req: Request, env: &Env, path: &str) -> Result<Response> {
    let mode_name = http::query_param(&req, "mode").unwrap_or_else(|| "duel".into());
    let Some(mode) = Mode::parse(&mode_name) else {
        return error(400, format!("unknown mode {mode_name:?}; try mode=duel"));
    };
    forward_to_coordinator(req, env, mode, path).await
}

/// `POST /api/rooms/join?code=..`: the code names its mode, and so the
/// coordinator that issued it.
async fn join_private(req: Request, env: &Env) -> Result<Response> {
    let typed = http::query_param(&req, "code").unwrap_or_default();
    let Some((_, mode)) = parse_code(&typed) else {
        return error(404, "that is not a join code");
    };
    forward_to_coordinator(req, env, mode, "/api/private/join").await
}

/// Sends a request to `mode`'s coordinator shard at `path`, keeping its
/// method, headers and the query parameters the coordinator reads, and
/// adding what only the Worker may vouch for: the continent, the client's
/// address, and the player id of a verified guest token.
async fn forward_to_coordinator(
    req: Request,
    env: &Env,
    mode: Mode,
    path: &str,
) -> Result<Response> {
    let mut url = worker::Url::parse(&format!("https://volley.internal{path}"))?;
    url.query_pairs_mut().append_pair("mode", mode.as_str());
    for name in ["name", "code"] {
        if let Some(value) = http::query_param(&req, name) {
            url.query_pairs_mut().append_pair(name, &value);
        }
    }
    if let Some(guest) = http::query_param(&req, "guest") {
        // Verified here; the coordinator trusts `player` because only the
        // Worker builds these URLs.
        match config::join_key(env)?.verify_guest(&guest) {
            Ok(player) => {
                url.query_pairs_mut()
                    .append_pair("player", &player.to_string());
            }
            Err(err) => return error(403, format!("guest token: {err}")),
        }
    }
    let continent = http::cf_field(&req, "continent");
    let country = http::cf_field(&req, "country");
    let longitude = http::cf_field(&req, "longitude").and_then(|l| l.parse::<f32>().ok());
    if let Some(hint) = hint_for_place(continent.as_deref(), country.as_deref(), longitude) {
        url.query_pairs_mut().append_pair("hint", hint);
    }
    if let Some(continent) = continent {
        url.query_pairs_mut().append_pair("continent", &continent);
    }
    if let Ok(Some(address)) = req.headers().get("CF-Connecting-IP") {
        url.query_pairs_mut().append_pair("address", &address);
    }
    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        headers.set(&name, &value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(headers);
    let forwarded = Request::new_with_init(url.as_str(), &init)?;
    let shard = format!("coordinator:{}", mode.as_str());
    env.durable_object(COORDINATOR_BINDING)?
        .get_by_name(&shard)?
        .fetch_with_request(forwarded)
        .await
}

/// `POST /api/guests`: a guest identity. No account is needed: the token is
/// the identity, and ratings and match history follow its player id.
fn new_guest(env: &Env) -> Result<Response> {
    #[derive(Serialize)]
    struct Guest {
        player: String,
        token: String,
    }
    let player = PlayerId(
        getrandom::u64().map_err(|e| worker::Error::RustError(format!("no randomness: {e}")))?,
    );
    let token = config::join_key(env)?.sign_guest(player);
    Response::from_json(&Guest {
        player: player.to_string(),
        token,
    })
    .map(|r| r.with_status(201))
}

/// `GET /api/players/{id}`: rating and recent games, from one mode's shard
/// or from all of them.
async fn players(req: &Request, env: &Env, player: &str) -> Result<Response> {
    let modes = match http::query_param(req, "mode") {
        Some(name) => match Mode::parse(&name) {
            Some(mode) => vec![mode],
            None => return error(400, format!("unknown mode {name:?}")),
        },
        None => Mode::ALL.to_vec(),
    };
    let mut found = Vec::new();
    for mode in modes {
        let url = format!("https://volley.internal/api/players/{player}");
        let mut response = env
            .durable_object(COORDINATOR_BINDING)?
            .get_by_name(&format!("coordinator:{}", mode.as_str()))?
            .fetch_with_str(&url)
            .await?;
        match response.status_code() {
            200 => {
                let mut record = response.json::<serde_json::Value>().await?;
                if let Some(fields) = record.as_object_mut() {
                    fields.insert("mode".into(), mode.as_str().into());
                }
                found.push(record);
            }
            404 => {}
            status => return error(status, response.text().await?),
        }
    }
    Response::from_json(&serde_json::json!({ "player": player, "modes": found }))
}

/// Every mode's shard statistics, one after another.
async fn all_stats(env: &Env) -> Result<Response> {
    let mut modes = Vec::new();
    for mode in Mode::ALL {
        let url = format!("https://volley.internal/api/stats?mode={}", mode.as_str());
        let mut response = env
            .durable_object(COORDINATOR_BINDING)?
            .get_by_name(&format!("coordinator:{}", mode.as_str()))?
            .fetch_with_str(&url)
            .await?;
        modes.push(response.json::<serde_json::Value>().await?);
    }
    Response::from_json(&serde_json::json!({ "modes": modes }))
}

/// Sends the request, unchanged, to the room it names.
async fn to_room(req: Request, env: &Env, room: &str) -> Result<Response> {
    let room = RoomId(room.to_string());
    if !room.is_well_formed() {
        return error(400, "a room id is 64 lowercase hex digits");
    }
    let namespace = env.durable_object(ROOM_BINDING)?;
    let Ok(id) = namespace.id_from_string(&room.0) else {
        return error(404, format!("no room {room}"));
    };
    id.get_stub()?.fetch_with_request(req).await
}
