//! How the coordinator, the rooms and the player objects reach each other:
//! binding and shard names, stubs, and messages posted over Durable Object
//! `fetch`.

use super::charter::Address;
use super::players::{PLAYER_RATING_PATH, PLAYER_RESULT_PATH, PlayerResult, Standing};
use crate::blob::{self, Kind, Versioned};
use crate::error::{Result, ServerError};
use crate::matchmaker::shards::Pool;
use crate::residency::{self, Jurisdiction, Placement, Residency};
use volley_shared::{Mode, PlayerId, RoomId};
use wasm_bindgen::{JsCast, JsValue};
use worker::{Env, Method, ObjectId, ObjectNamespace, Request, RequestInit, Stub};

/// The `wrangler.jsonc` binding of the room namespace.
pub const ROOM_BINDING: &str = "ROOMS";
/// The `wrangler.jsonc` binding of the coordinator namespace.
pub const COORDINATOR_BINDING: &str = "COORDINATOR";
/// The `wrangler.jsonc` binding of the player namespace.
pub const PLAYER_BINDING: &str = "PLAYERS";

/// The global coordinator shard of `mode`: its global pool, private rooms
/// and leaderboard.
pub fn coordinator(env: &Env, mode: Mode) -> Result<Stub> {
    shard(env, mode, Pool::Global)
}

/// The coordinator shard of `mode` for `pool`.
/// Europe's are in the EU jurisdiction when residency is on.
pub fn shard(env: &Env, mode: Mode, pool: Pool) -> Result<Stub> {
    let namespace = env.durable_object(COORDINATOR_BINDING)?;
    by_name(
        &namespace,
        residency(env).shard_home(pool),
        &pool.shard_name(mode),
    )
}

/// A coordinator by its Durable Object id (hex), as a room knows the one
/// that created it.
pub fn coordinator_by_id(env: &Env, id: &str) -> Result<Stub> {
    Ok(env
        .durable_object(COORDINATOR_BINDING)?
        .id_from_string(id)?
        .get_stub()?)
}

/// The object that keeps `player`'s ratings and match history, by name
/// (`player:{id}`, the id in 16 hex digits): in the EU jurisdiction for a
/// European player when residency is on ([`crate::residency`]).
pub fn player(env: &Env, player: PlayerId) -> Result<Stub> {
    let namespace = env.durable_object(PLAYER_BINDING)?;
    by_name(
        &namespace,
        residency(env).player_home(player),
        &format!("player:{player}"),
    )
}

/// The object `name` of `namespace`, in `jurisdiction` if it has one.
fn by_name(
    namespace: &ObjectNamespace,
    jurisdiction: Option<Jurisdiction>,
    name: &str,
) -> Result<Stub> {
    Ok(match jurisdiction {
        None => namespace.get_by_name(name)?,
        Some(jurisdiction) => within(namespace, jurisdiction)?.get_by_name(name)?,
    })
}

/// The deployment's residency rule (`EU_JURISDICTION`).
pub fn residency(env: &Env) -> Residency {
    let value = env.var(residency::SETTING).ok().map(|v| v.to_string());
    Residency::parse(value.as_deref())
}

/// `namespace` restricted to `jurisdiction`: `namespace.jurisdiction()`,
/// which worker 0.8.7 does not bind, called through JavaScript.
fn within(namespace: &ObjectNamespace, jurisdiction: Jurisdiction) -> Result<ObjectNamespace> {
    let refused = |reason: JsValue| refusal(jurisdiction, js_message(&reason));
    let method: js_sys::Function = js_sys::Reflect::get(namespace.as_ref(), &"jurisdiction".into())
        .map_err(refused)?
        .dyn_into()
        .map_err(refused)?;
    Ok(method
        .call1(namespace.as_ref(), &jurisdiction.as_str().into())
        .map_err(refused)?
        .unchecked_into())
}

/// The runtime's refusal of `jurisdiction`, in its own words.
fn refusal(jurisdiction: Jurisdiction, reason: String) -> ServerError {
    ServerError::Jurisdiction {
        jurisdiction: jurisdiction.as_str(),
        reason,
    }
}

/// What a JavaScript exception says.
fn js_message(thrown: &JsValue) -> String {
    thrown
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| format!("{thrown:?}"))
}

/// A room by its address: its id, or a chartered room's address, whose
/// hint the object is got with ([`Address`]). A malformed address is the
/// caller's mistake.
pub fn room(env: &Env, room: &RoomId) -> Result<Stub> {
    let address = Address::parse(&room.0).map_err(|e| ServerError::BadRequest(e.to_string()))?;
    let namespace = env.durable_object(ROOM_BINDING)?;
    let id = namespace
        .id_from_string(&address.room.0)
        .map_err(|_| ServerError::NotFound(format!("no room {}", address.room)))?;
    Ok(match address.hint {
        Some(hint) => id.get_stub_with_location_hint(hint)?,
        None => id.get_stub()?,
    })
}

/// A new room with `unique_id()` where `placement` says: near a hint
/// (only the first request to an object honours one), or inside a
/// jurisdiction (`unique_id_with_jurisdiction`, which takes no hint).
pub fn new_room(env: &Env, placement: Placement) -> Result<(RoomId, Stub)> {
    let namespace = env.durable_object(ROOM_BINDING)?;
    let id = unique_room(&namespace, placement)?;
    let room = RoomId(id.to_string());
    let stub = match placement.hint() {
        Some(hint) => id.get_stub_with_location_hint(hint)?,
        None => id.get_stub()?,
    };
    Ok((room, stub))
}

/// A new room's id with `unique_id()` where `placement` says, for a
/// chartered room: its object is made at its first player's request.
pub fn new_room_id(env: &Env, placement: Placement) -> Result<RoomId> {
    let namespace = env.durable_object(ROOM_BINDING)?;
    Ok(RoomId(unique_room(&namespace, placement)?.to_string()))
}

fn unique_room(namespace: &ObjectNamespace, placement: Placement) -> Result<ObjectId<'_>> {
    Ok(match placement {
        Placement::Within(jurisdiction) => namespace
            .unique_id_with_jurisdiction(jurisdiction.as_str())
            .map_err(|e| refusal(jurisdiction, e.to_string()))?,
        Placement::Near(_) => namespace.unique_id()?,
    })
}

/// A POST request carrying an encoded message to `path` on another object.
pub fn post(path: &str, body: &[u8]) -> Result<Request> {
    let body = js_sys::Uint8Array::from(body);
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    Ok(Request::new_with_init(
        &format!("https://volley.internal{path}"),
        &init,
    )?)
}

/// A POST request carrying `message` as bincode.
pub fn post_message<T: Versioned>(path: &str, message: &T) -> Result<Request> {
    post(path, &blob::encode(Kind::Message, message)?)
}

/// Posts `message` at `path` to the coordinator whose Durable Object id is
/// `id` (as a room knows the one that made it); the status it answered.
pub async fn post_to_coordinator<T: Versioned>(
    env: &Env,
    id: &str,
    path: &str,
    message: &T,
) -> Result<u16> {
    let request = post_message(path, message)?;
    let response = coordinator_by_id(env, id)?
        .fetch_with_request(request)
        .await?;
    Ok(response.status_code())
}

/// Reads a bincode message from a request body.
pub async fn read<T: Versioned>(req: &mut Request) -> Result<T> {
    let bytes = req.bytes().await?;
    Ok(blob::decode(Kind::Message, &bytes)?)
}

/// `player`'s standing in `mode`, from their player object.
pub async fn standing(env: &Env, player: PlayerId, mode: Mode) -> Result<Standing> {
    let url = format!(
        "https://volley.internal{PLAYER_RATING_PATH}?player={player}&mode={}",
        mode.as_str()
    );
    let mut response = self::player(env, player)?.fetch_with_str(&url).await?;
    if response.status_code() != 200 {
        return Err(ServerError::Upstream(format!(
            "a player object answered {} for a rating: {}",
            response.status_code(),
            response.text().await.unwrap_or_default()
        )));
    }
    Ok(blob::decode(Kind::Message, &response.bytes().await?)?)
}

/// Gives a player object its line of a settled game (applied once per room,
/// so it may be given again).
pub async fn deliver(env: &Env, line: &PlayerResult) -> Result<()> {
    let request = post_message(PLAYER_RESULT_PATH, line)?;
    let mut response = player(env, line.player)?
        .fetch_with_request(request)
        .await?;
    match response.status_code() {
        200 => Ok(()),
        status => Err(ServerError::Upstream(format!(
            "a player object answered {status} to a result: {}",
            response.text().await.unwrap_or_default()
        ))),
    }
}
