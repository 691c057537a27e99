//! The `Matchmaker` Durable Object: one coordinator shard per mode.
//!
//! A player opens a WebSocket to `/api/matchmake?mode=..` and sends
//! `FindMatch`. The ticket lives in the socket's hibernation attachment, so
//! an idle coordinator costs nothing and closing the socket cancels the
//! ticket. After every new ticket the coordinator runs [`take_matches`]; for
//! each match it creates a `GameRoom` with `unique_id()` and a location hint
//! near the players, initialises it over `fetch`, sends every player a
//! `Matched` frame with a signed join token, and closes the ticket sockets.

use super::queue::{Match, Ticket, take_matches};
use crate::attachment;
use crate::config;
use crate::frames::{self, send, send_error};
use crate::http::{self, error, now_ms};
use crate::internal::{self, INIT_ROOM_PATH, InitRoom};
use crate::location::hint_for_match;
use crate::room::durable::ROOM_BINDING;
use crate::room::engine::{RoomSetup, SeatSetup};
use crate::token::Grant;
use serde::{Deserialize, Serialize};
use volley_shared::protocol::{self, ClientFrame, ErrorCode, MAX_NAME_LEN, ServerFrame, close};
use volley_shared::{Mode, PROTOCOL_VERSION, PlayerId, Role, RoomId, Seat};
use worker::{
    DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, durable_object,
};

/// The `wrangler.jsonc` binding of the coordinator namespace.
pub const COORDINATOR_BINDING: &str = "COORDINATOR";

const TICKET_TAG: &str = "ticket";

/// What a ticket socket remembers across hibernation.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum TicketState {
    /// Connected; no `FindMatch` yet.
    Connected {
        mode: Mode,
        continent: Option<String>,
    },
    /// In the queue.
    Queued(Ticket),
    /// Taken into a match; the room is being made.
    Matching,
}

/// What `GET /api/stats` reports.
#[derive(Serialize)]
struct Stats {
    coordinator_id: String,
    mode: Option<&'static str>,
    tickets_waiting: usize,
    matches_made: u64,
    recent_rooms: Vec<CreatedRoom>,
}

#[derive(Serialize)]
struct CreatedRoom {
    room_id: String,
    location_hint: Option<String>,
    created_at_ms: u64,
}

/// A coordinator shard, as a Durable Object.
#[durable_object]
pub struct Matchmaker {
    state: State,
    env: Env,
}

impl DurableObject for Matchmaker {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/api/matchmake" => self.open_ticket(&req),
            "/api/stats" => self.stats(&req),
            _ => error(404, "not found"),
        }
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        if let Err(err) = self.on_message(&ws, message).await {
            worker::console_error!("ticket message failed: {err}");
            send_error(
                &ws,
                ErrorCode::Internal,
                "the coordinator failed to handle that frame",
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
        // A closed socket is no longer listed by get_websockets(): its ticket
        // is cancelled by that alone.
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, err: worker::Error) -> Result<()> {
        worker::console_warn!("ticket socket error: {err}");
        Ok(())
    }
}

impl Matchmaker {
    async fn on_message(&self, ws: &WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let Some(frame) = frames::receive(ws, message) else {
            return Ok(());
        };
        match frame {
            ClientFrame::FindMatch {
                protocol,
                mode,
                name,
            } => self.find_match(ws, protocol, mode, &name).await,
            ClientFrame::Ping { nonce } => {
                send(ws, &ServerFrame::Pong { nonce });
                Ok(())
            }
            ClientFrame::Hello { .. }
            | ClientFrame::Live(_)
            | ClientFrame::Move(_)
            | ClientFrame::Resign => {
                send_error(
                    ws,
                    ErrorCode::UnexpectedFrame,
                    "this is the matchmaker; send FindMatch",
                );
                Ok(())
            }
        }
    }

    fn open_ticket(&self, req: &Request) -> Result<Response> {
        if !http::is_websocket_upgrade(req) {
            return error(426, "this endpoint takes a WebSocket upgrade");
        }
        let mode = http::query_param(req, "mode")
            .as_deref()
            .and_then(Mode::parse)
            .unwrap_or(Mode::Duel);
        let pair = WebSocketPair::new()?;
        self.state
            .accept_websocket_with_tags(&pair.server, &[TICKET_TAG]);
        attachment::store(
            &pair.server,
            &TicketState::Connected {
                mode,
                continent: http::query_param(req, "continent"),
            },
        )?;
        Response::from_websocket(pair.client)
    }

    async fn find_match(
        &self,
        ws: &WebSocket,
        protocol: u16,
        mode: Mode,
        name: &str,
    ) -> Result<()> {
        let Some(TicketState::Connected {
            mode: shard_mode,
            continent,
        }) = attachment::load(ws)?
        else {
            send_error(
                ws,
                ErrorCode::UnexpectedFrame,
                "this socket already has a ticket",
            );
            return Ok(());
        };
        if !protocol::supports(protocol) {
            let message = format!(
                "protocol {protocol} is not supported; this server speaks {}..={PROTOCOL_VERSION}",
                protocol::MIN_PROTOCOL_VERSION
            );
            send_error(ws, ErrorCode::UnsupportedProtocol, &message);
            ws.close(Some(close::UNSUPPORTED_PROTOCOL), Some(message))?;
            return Ok(());
        }
        if mode != shard_mode || name.len() > MAX_NAME_LEN {
            send_error(
                ws,
                ErrorCode::UnexpectedFrame,
                "mode differs from ?mode=, or name too long",
            );
            return Ok(());
        }
        let ticket = Ticket {
            player: PlayerId(random_u64()?),
            name: name.to_string(),
            mode,
            protocol,
            queued_at_ms: now_ms(),
            continent,
        };
        attachment::store(ws, &TicketState::Queued(ticket.clone()))?;
        send(
            ws,
            &ServerFrame::Queued {
                player: ticket.player,
            },
        );
        self.run_matching().await
    }

    /// The sockets of every queued ticket, with their tickets.
    fn queued(&self) -> Vec<(WebSocket, Ticket)> {
        self.state
            .get_websockets_with_tag(TICKET_TAG)
            .into_iter()
            .filter_map(|ws| match attachment::load(&ws) {
                Ok(Some(TicketState::Queued(ticket))) => Some((ws, ticket)),
                _ => None,
            })
            .collect()
    }

    async fn run_matching(&self) -> Result<()> {
        let mut sockets = self.queued();
        let (matches, _waiting) = take_matches(sockets.iter().map(|(_, t)| t.clone()).collect());
        // Take every matched ticket out of the queue before the first await:
        // awaiting opens the input gate, and a ticket must never match twice.
        let mut seated = Vec::new();
        for found in matches {
            let mut players = Vec::new();
            for ticket in &found.tickets {
                if let Some(pos) = sockets.iter().position(|(_, t)| t.player == ticket.player) {
                    let (ws, _) = sockets.swap_remove(pos);
                    attachment::store(&ws, &TicketState::Matching)?;
                    players.push(ws);
                }
            }
            seated.push((found, players));
        }
        for (found, players) in seated {
            if let Err(err) = self.seat_match(&found, &players).await {
                worker::console_error!("could not create a room: {err}");
                for ws in &players {
                    send_error(
                        ws,
                        ErrorCode::Internal,
                        "could not create a room; try again",
                    );
                    let _ = ws.close(Some(close::INTERNAL), Some("room creation failed"));
                }
            }
        }
        Ok(())
    }

    /// Creates and initialises the room for a match, then tells its players.
    async fn seat_match(&self, found: &Match, players: &[WebSocket]) -> Result<()> {
        let key = config::join_key(&self.env)?;
        let turn_timeout_ms = config::turn_timeout_ms(&self.env, found.mode)?;
        let hint = hint_for_match(found.tickets.iter().map(|t| t.continent.as_deref()));
        let namespace = self.env.durable_object(ROOM_BINDING)?;
        let id = namespace.unique_id()?;
        let room = RoomId(id.to_string());
        let stub = match hint {
            Some(hint) => id.get_stub_with_location_hint(hint)?,
            None => id.get_stub()?,
        };
        let init = InitRoom {
            setup: RoomSetup {
                mode: found.mode,
                config: Default::default(),
                seats: found
                    .tickets
                    .iter()
                    .map(|t| SeatSetup {
                        player: t.player,
                        name: t.name.clone(),
                    })
                    .collect(),
                seed: random_u64()?,
                turn_timeout_ms,
                reservation_ms: config::seat_reservation_ms(&self.env)?,
                retention_ms: config::room_retention_ms(&self.env)?,
            },
            created_by: self.state.id().to_string(),
            location_hint: hint.map(str::to_string),
        };
        let response = stub
            .fetch_with_request(internal::post(INIT_ROOM_PATH, &init)?)
            .await?;
        if response.status_code() != 201 {
            return Err(worker::Error::RustError(format!(
                "room init answered {}",
                response.status_code()
            )));
        }
        self.record_room(&room, hint)?;
        let expires_ms = now_ms().saturating_add(config::JOIN_TOKEN_TTL_MS);
        for (index, (ticket, ws)) in found.tickets.iter().zip(players).enumerate() {
            let seat = Seat(u8::try_from(index).unwrap_or(u8::MAX));
            let token = key.sign(
                &room,
                Grant {
                    role: Role::Player(seat),
                    player: ticket.player,
                    expires_ms,
                },
            );
            send(
                ws,
                &ServerFrame::Matched {
                    room: room.clone(),
                    seat,
                    token,
                },
            );
            let _ = ws.close(Some(close::NORMAL), Some("matched"));
        }
        Ok(())
    }

    fn record_room(&self, room: &RoomId, hint: Option<&str>) -> Result<()> {
        let sql = self.state.storage().sql();
        ensure_schema(&sql)?;
        sql.exec(
            "INSERT INTO rooms_created (room_id, location_hint, created_at_ms) VALUES (?, ?, ?)",
            vec![
                room.0.as_str().into(),
                hint.map(str::to_string).into(),
                SqlStorageValue::try_from_i64(i64::try_from(now_ms()).unwrap_or(i64::MAX))?,
            ],
        )?;
        Ok(())
    }

    fn stats(&self, req: &Request) -> Result<Response> {
        #[derive(Deserialize)]
        struct Row {
            room_id: String,
            location_hint: Option<String>,
            created_at_ms: f64,
        }
        let sql = self.state.storage().sql();
        ensure_schema(&sql)?;
        #[derive(Deserialize)]
        struct Count {
            n: f64,
        }
        let made = sql
            .exec("SELECT COUNT(*) AS n FROM rooms_created", None)?
            .to_array::<Count>()?
            .first()
            .map_or(0, |c| c.n as u64);
        let recent: Vec<Row> = sql
            .exec(
                "SELECT room_id, location_hint, created_at_ms FROM rooms_created ORDER BY created_at_ms DESC LIMIT 100",
                None,
            )?
            .to_array()?;
        Response::from_json(&Stats {
            coordinator_id: self.state.id().to_string(),
            mode: http::query_param(req, "mode")
                .as_deref()
                .and_then(Mode::parse)
                .map(Mode::as_str),
            tickets_waiting: self.queued().len(),
            matches_made: made,
            recent_rooms: recent
                .into_iter()
                .map(|r| CreatedRoom {
                    room_id: r.room_id,
                    location_hint: r.location_hint,
                    created_at_ms: r.created_at_ms as u64,
                })
                .collect(),
        })
    }
}

/// The coordinator's own table: every room it created.
fn ensure_schema(sql: &SqlStorage) -> Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS rooms_created (room_id TEXT PRIMARY KEY, \
         location_hint TEXT, created_at_ms INTEGER NOT NULL)",
        None,
    )?;
    Ok(())
}

/// 64 random bits from the platform's CSPRNG (Web Crypto in the Worker).
fn random_u64() -> Result<u64> {
    getrandom::u64().map_err(|e| worker::Error::RustError(format!("no randomness: {e}")))
}
