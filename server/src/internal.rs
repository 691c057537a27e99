//! Messages between the Worker's own objects, sent over Durable Object
//! `fetch` (Rust Durable Objects cannot serve RPC). Bodies are bincode, so
//! 64-bit ids and seeds cross intact (JSON through JavaScript would round
//! them to 53 bits).

use crate::room::durable::RoomGame;
use crate::room::engine::RoomSetup;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use worker::{Error, Method, Request, RequestInit, Result};

/// The URL path a coordinator posts [`InitRoom`] to. The Worker never
/// forwards outside requests to paths under `/internal/`.
pub const INIT_ROOM_PATH: &str = "/internal/init";

/// Sets up a freshly created room.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InitRoom {
    /// The match to host.
    pub setup: RoomSetup<RoomGame>,
    /// The Durable Object id of the coordinator that created the room.
    pub created_by: String,
    /// The location hint the room was created with, if any.
    pub location_hint: Option<String>,
}

/// The URL path a coordinator posts [`ClaimSeat`] to, on a private room.
pub const CLAIM_PATH: &str = "/internal/claim";

/// Gives a private room's open seat to a friend who joined by code.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClaimSeat {
    /// The seat.
    pub seat: volley_shared::Seat,
    /// The friend's player id.
    pub player: volley_shared::PlayerId,
    /// The friend's display name.
    pub name: String,
}

/// The URL path a room posts [`GameResult`] to, on its coordinator.
pub const RESULT_PATH: &str = "/internal/result";

/// How a room's game ended, for ratings and match history.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GameResult {
    /// The room (a result is applied once per room).
    pub room: volley_shared::RoomId,
    /// The mode it was played in.
    pub mode: volley_shared::Mode,
    /// The seats, in seat order.
    pub seats: Vec<crate::room::engine::SeatSetup>,
    /// How it ended.
    pub outcome: volley_shared::Outcome,
    /// When it ended, in ms since the Unix epoch.
    pub at_ms: u64,
}

/// A POST request carrying `message` as bincode.
pub fn post<T: Serialize>(path: &str, message: &T) -> Result<Request> {
    let bytes = bincode::serde::encode_to_vec(message, bincode::config::standard())
        .map_err(|e| Error::RustError(format!("could not encode internal message: {e}")))?;
    let body = js_sys::Uint8Array::from(bytes.as_slice());
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    Request::new_with_init(&format!("https://volley.internal{path}"), &init)
}

/// Reads a bincode message from a request body.
pub async fn read<T: DeserializeOwned>(req: &mut Request) -> Result<T> {
    let bytes = req.bytes().await?;
    bincode::serde::decode_from_slice(&bytes, bincode::config::standard())
        .map(|(message, _)| message)
        .map_err(|e| Error::RustError(format!("malformed internal message: {e}")))
}
