//! The `GameRoom` Durable Object: a thin adapter around [`Room`].
//!
//! Every event (a frame, a new connection, the alarm) loads the room from its
//! SQLite storage, hands the event to the pure engine, and carries out the
//! effects it returns in order: persist, reply, broadcast, close, and set or
//! clear the one alarm that carries the turn deadline. Sockets are accepted
//! with the hibernation API and tagged with their seat, so an idle room is
//! evicted from memory and rebuilt from storage alone when the next event
//! arrives. Nothing is kept in memory between events.

use super::engine::{Effect, Room};
use super::record::{self, RoomRecord};
use crate::attachment;
use crate::frames::{self, send, send_error};
use crate::http::{self, error, now_ms};
use crate::internal::{INIT_ROOM_PATH, InitRoom};
use crate::{config, token::TokenError};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use volley_shared::protocol::{ErrorCode, close};
use volley_shared::{PlayerId, RoomId, Seat, codec};
use worker::{
    DurableObject, Env, Method, Request, Response, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, durable_object,
};

/// The `wrangler.jsonc` binding of the room namespace.
pub const ROOM_BINDING: &str = "ROOMS";

/// What a room socket remembers across hibernation.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Attachment {
    seat: Seat,
    player: PlayerId,
}

/// What `GET /api/rooms/{id}` tells anyone.
#[derive(Serialize)]
struct RoomInfo {
    room_id: String,
    created_by: String,
    location_hint: Option<String>,
    created_at_ms: u64,
    mode: &'static str,
    phase: &'static str,
    seq: u64,
    turn: u32,
    connections: usize,
}

/// One match, as a Durable Object.
#[durable_object]
pub struct GameRoom {
    state: State,
    env: Env,
}

impl DurableObject for GameRoom {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        match (req.method(), path.as_str()) {
            (Method::Post, INIT_ROOM_PATH) => {
                let init: InitRoom = crate::internal::read(&mut req).await?;
                self.init(init)
            }
            (Method::Get, p) if p.ends_with("/ws") => self.accept_player(&req),
            (Method::Get, _) => self.info(),
            _ => error(405, "method not allowed"),
        }
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        if let Err(err) = self.on_message(&ws, message).await {
            worker::console_error!("room message failed: {err}");
            send_error(
                &ws,
                ErrorCode::Internal,
                "the room failed to handle that frame",
            );
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        _ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> Result<()> {
        // The runtime answers the close itself (compatibility flag
        // web_socket_auto_reply_to_close); a seat stays reserved for a rejoin.
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, err: worker::Error) -> Result<()> {
        worker::console_warn!("room socket error: {err}");
        Ok(())
    }

    async fn alarm(&self) -> Result<Response> {
        let Some(mut record) = self.load()? else {
            return Response::ok("no room");
        };
        let now = now_ms();
        let effects = record.room.on_alarm(now);
        self.apply_without_caller(&mut record, now, effects).await?;
        Response::ok("alarm handled")
    }
}

impl GameRoom {
    async fn on_message(&self, ws: &WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let Some(caller) = attachment::load::<Attachment>(ws)? else {
            ws.close(Some(close::INTERNAL), Some("socket has no seat"))?;
            return Ok(());
        };
        let Some(frame) = frames::receive(ws, message) else {
            return Ok(());
        };
        let Some(mut record) = self.load()? else {
            ws.close(Some(close::INTERNAL), Some("room has no state"))?;
            return Ok(());
        };
        let now = now_ms();
        let effects = record.room.handle(now, caller.seat, frame);
        self.apply(&mut record, ws, now, effects).await
    }

    fn room_id(&self) -> RoomId {
        RoomId(self.state.id().to_string())
    }

    fn load(&self) -> Result<Option<RoomRecord>> {
        record::load(&self.state.storage().sql())
    }

    fn init(&self, init: InitRoom) -> Result<Response> {
        if self.load()?.is_some() {
            return error(409, "room already initialised");
        }
        let room = Room::new(init.setup);
        let record = RoomRecord::new(room, init.created_by, init.location_hint, now_ms());
        record::save(&self.state.storage().sql(), &record)?;
        Response::ok("initialised").map(|r| r.with_status(201))
    }

    fn info(&self) -> Result<Response> {
        let Some(record) = self.load()? else {
            return error(404, format!("no room {}", self.room_id()));
        };
        let room = &record.room;
        Response::from_json(&RoomInfo {
            room_id: self.room_id().0,
            created_by: record.created_by.clone(),
            location_hint: record.location_hint.clone(),
            created_at_ms: record.created_at_ms,
            mode: room.setup().mode.as_str(),
            phase: match room.phase() {
                super::engine::Phase::Waiting { .. } => "waiting",
                super::engine::Phase::Playing { .. } => "playing",
                super::engine::Phase::Finished { .. } => "finished",
            },
            seq: room.seq(),
            turn: room.game().turn,
            connections: self.state.get_websockets().len(),
        })
    }

    /// Accepts a player's socket after checking its join token.
    fn accept_player(&self, req: &Request) -> Result<Response> {
        let Some(record) = self.load()? else {
            return error(404, format!("no room {}", self.room_id()));
        };
        if !http::is_websocket_upgrade(req) {
            return error(426, "this endpoint takes a WebSocket upgrade");
        }
        let Some(token) = http::query_param(req, "token") else {
            return error(401, "missing ?token= (the join token from the coordinator)");
        };
        let key = config::join_key(&self.env)?;
        let grant = match key.verify(&self.room_id(), &token, now_ms()) {
            Ok(grant) => grant,
            Err(err @ (TokenError::Malformed | TokenError::BadSignature)) => {
                return error(403, err.to_string());
            }
            Err(err @ TokenError::Expired) => return error(401, err.to_string()),
        };
        if !record.room.seats(grant.seat, grant.player) {
            return error(403, "the token's player does not hold that seat here");
        }
        let tag = seat_tag(grant.seat);
        for old in self.state.get_websockets_with_tag(&tag) {
            // Best effort: the old socket may already be gone.
            let _ = old.close(
                Some(close::REPLACED),
                Some("another connection took this seat"),
            );
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_websocket_with_tags(&pair.server, &[&tag]);
        attachment::store(
            &pair.server,
            &Attachment {
                seat: grant.seat,
                player: grant.player,
            },
        )?;
        Response::from_websocket(pair.client)
    }

    async fn apply(
        &self,
        record: &mut RoomRecord,
        caller: &WebSocket,
        now: u64,
        effects: Vec<Effect>,
    ) -> Result<()> {
        let mut rest = Vec::new();
        for effect in effects {
            match effect {
                Effect::Reply(frame) => send(caller, &frame),
                Effect::Close { code, reason } => {
                    let _ = caller.close(Some(code), Some(reason));
                }
                other => rest.push(other),
            }
        }
        self.apply_without_caller(record, now, rest).await
    }

    /// Carries out persist, broadcast and alarm effects in order; replies and
    /// closes have no caller here and are dropped. Storage
    /// writes are synchronous, so a broadcast never goes out before the state
    /// it announces is saved.
    async fn apply_without_caller(
        &self,
        record: &mut RoomRecord,
        now: u64,
        effects: Vec<Effect>,
    ) -> Result<()> {
        for effect in effects {
            match effect {
                Effect::Persist => record::save(&self.state.storage().sql(), record)?,
                Effect::Broadcast(frame) => {
                    let Ok(bytes) = codec::encode(&frame) else {
                        continue;
                    };
                    for ws in self.state.get_websockets() {
                        let _ = ws.send_with_bytes(&bytes);
                    }
                }
                Effect::SetAlarm(at_ms) => {
                    let delay = Duration::from_millis(at_ms.saturating_sub(now));
                    self.state.storage().set_alarm(delay).await?;
                }
                Effect::ClearAlarm => self.state.storage().delete_alarm().await?,
                Effect::Reply(_) | Effect::Close { .. } => {}
            }
        }
        Ok(())
    }
}

fn seat_tag(seat: Seat) -> String {
    format!("seat:{}", seat.0)
}
