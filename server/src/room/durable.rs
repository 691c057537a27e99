//! The `GameRoom` Durable Object: a thin adapter around [`Room`].
//!
//! Every event (a frame, a new connection, the alarm) loads the room from its
//! SQLite storage, hands the event to the pure engine, and carries out the
//! effects it returns in order: persist, reply, broadcast, close, and set or
//! clear the one alarm that carries the turn deadline. Sockets are accepted
//! with the hibernation API; each carries an attachment saying whether it
//! has said hello and which seat it plays, so an idle room is evicted from
//! memory and rebuilt from storage alone when the next event arrives.
//! Nothing is kept in memory between events.
//!
//! The join token travels in the `Hello` frame, not the URL: this adapter
//! verifies its signature, room and expiry, and the engine checks that the
//! player holds the seat.

use super::engine::{Effect, Room, refuse_and_close};
use super::record::{self, RoomRecord};
use crate::attachment;
use crate::config;
use crate::frames::{self, send, send_error};
use crate::http::{self, error, now_ms};
use crate::internal::{INIT_ROOM_PATH, InitRoom};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use volley_shared::artillery::Artillery;
use volley_shared::protocol::{ClientFrame, ErrorCode, ServerFrame, close};
use volley_shared::{Game, RoomId, Seat, codec};
use worker::{
    DurableObject, Env, Method, Request, Response, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, durable_object,
};

/// The `wrangler.jsonc` binding of the room namespace.
pub const ROOM_BINDING: &str = "ROOMS";

/// The game every room runs today. The engine is generic; this is the one
/// place the Durable Object picks the game.
pub type RoomGame = Artillery;

/// What a room socket remembers across hibernation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
enum Attachment {
    /// Accepted; no valid `Hello` yet. Gets no broadcasts.
    Pending,
    /// Said hello with a valid token for this seat.
    Player { seat: Seat },
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
            (Method::Get, p) if p.ends_with("/ws") => self.accept(&req),
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
            ws.close(Some(close::INTERNAL), Some("socket has no attachment"))?;
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
        let effects = match (caller, frame) {
            (Attachment::Player { seat }, frame) => record.room.handle(now, seat, frame),
            (
                Attachment::Pending,
                ClientFrame::Hello {
                    protocol, token, ..
                },
            ) => {
                let key = config::join_key(&self.env)?;
                match key.verify(&self.room_id(), &token, now) {
                    Ok(grant) => record.room.hello(now, grant.seat, grant.player, protocol),
                    Err(err) => {
                        refuse_and_close(ErrorCode::BadToken, close::BAD_TOKEN, err.to_string())
                    }
                }
            }
            (Attachment::Pending, ClientFrame::Ping { nonce }) => {
                vec![Effect::Reply(ServerFrame::Pong { nonce })]
            }
            (Attachment::Pending, _) => refuse_and_close(
                ErrorCode::UnexpectedFrame,
                close::PROTOCOL_VIOLATION,
                "the first frame on a room socket must be Hello".to_string(),
            ),
        };
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
        let room = match Room::new(init.setup) {
            Ok(room) => room,
            Err(err) => return error(400, err.to_string()),
        };
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
            turn: room.game().turn(),
            connections: self.state.get_websockets().len(),
        })
    }

    /// Accepts a socket; it must say `Hello` with its join token first.
    fn accept(&self, req: &Request) -> Result<Response> {
        if self.load()?.is_none() {
            return error(404, format!("no room {}", self.room_id()));
        }
        if !http::is_websocket_upgrade(req) {
            return error(426, "this endpoint takes a WebSocket upgrade");
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        attachment::store(&pair.server, &Attachment::Pending)?;
        Response::from_websocket(pair.client)
    }

    /// The admitted sockets, with their seats.
    fn players(&self) -> Vec<(WebSocket, Seat)> {
        self.state
            .get_websockets()
            .into_iter()
            .filter_map(|ws| match attachment::load::<Attachment>(&ws) {
                Ok(Some(Attachment::Player { seat })) => Some((ws, seat)),
                _ => None,
            })
            .collect()
    }

    /// Makes `caller` the connection of `seat`, closing any other.
    fn admit(&self, caller: &WebSocket, seat: Seat) -> Result<()> {
        for (old, old_seat) in self.players() {
            if old_seat == seat {
                // Best effort: the old socket may already be gone.
                let _ = old.close(
                    Some(close::REPLACED),
                    Some("another connection took this seat"),
                );
            }
        }
        attachment::store(caller, &Attachment::Player { seat })
    }

    /// Sends a frame to every admitted socket but the one playing `except`.
    fn send_to_players(&self, frame: &ServerFrame<RoomGame>, except: Option<Seat>) {
        let Ok(bytes) = codec::encode(frame) else {
            return;
        };
        for (ws, seat) in self.players() {
            if Some(seat) != except {
                let _ = ws.send_with_bytes(&bytes);
            }
        }
    }

    async fn apply(
        &self,
        record: &mut RoomRecord,
        caller: &WebSocket,
        now: u64,
        effects: Vec<Effect<RoomGame>>,
    ) -> Result<()> {
        for effect in effects {
            match effect {
                Effect::Reply(frame) => send(caller, &frame),
                Effect::Close { code, reason } => {
                    let _ = caller.close(Some(code), Some(reason));
                }
                Effect::Admit(seat) => self.admit(caller, seat)?,
                Effect::Relay(frame) => {
                    let from = match attachment::load::<Attachment>(caller)? {
                        Some(Attachment::Player { seat }) => Some(seat),
                        _ => None,
                    };
                    self.send_to_players(&frame, from);
                }
                other => self.apply_without_caller(record, now, vec![other]).await?,
            }
        }
        Ok(())
    }

    /// Carries out persist, broadcast and alarm effects in order; replies and
    /// closes have no caller here and are dropped. Storage
    /// writes are synchronous, so a broadcast never goes out before the state
    /// it announces is saved.
    async fn apply_without_caller(
        &self,
        record: &mut RoomRecord,
        now: u64,
        effects: Vec<Effect<RoomGame>>,
    ) -> Result<()> {
        for effect in effects {
            match effect {
                Effect::Persist => record::save(&self.state.storage().sql(), record)?,
                Effect::Broadcast(frame) => self.send_to_players(&frame, None),
                Effect::SetAlarm(at_ms) => {
                    let delay = Duration::from_millis(at_ms.saturating_sub(now));
                    self.state.storage().set_alarm(delay).await?;
                }
                Effect::ClearAlarm => self.state.storage().delete_alarm().await?,
                // These need a caller; an alarm has none.
                Effect::Reply(_) | Effect::Close { .. } | Effect::Admit(_) | Effect::Relay(_) => {}
            }
        }
        Ok(())
    }
}
