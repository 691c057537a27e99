//! The `Matchmaker` Durable Object: one coordinator shard per mode.
//!
//! A player opens a WebSocket to `/api/matchmake?mode=..` and sends
//! `FindMatch` (or, with a party, `FindMatchAsParty`). Tickets live in the
//! shard's SQLite [`Storage`]; each socket's hibernation attachment says
//! which ticket it belongs to, so an idle coordinator costs nothing, and
//! closing a socket cancels its ticket (a party's, for every member). After
//! every new ticket, and on the alarm while tickets wait (their rating
//! windows widen, continents relax, bot fill falls due), the coordinator runs
//! [`take_matches`]. For each match it creates a `GameRoom` with
//! `unique_id()` and a location hint near the players, initialises it over
//! `fetch`, sends every player a `Matched` frame with a signed join token,
//! and closes the ticket sockets.

use super::codes::{new_code, parse_code};
use super::queue::{Match, MatchRules, Member, Ticket, next_wakeup_ms, take_matches};
use super::stats::percentile;
use super::storage::{PrivateRoom, Storage, StoredTicket};
use crate::alarm::{self, AlarmPlan};
use crate::attachment;
use crate::config;
use crate::frames::{self, send, send_error};
use crate::http::{self, error, now_ms};
use crate::internal::{
    self, CLAIM_PATH, ClaimSeat, GameResult, INIT_ROOM_PATH, InitRoom, RESULT_PATH,
};
use crate::location::hint_for_match;
use crate::room::durable::ROOM_BINDING;
use crate::room::engine::{RoomSetup, SeatSetup};
use crate::sql::Schema;
use crate::token::Grant;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use volley_shared::protocol::{self, ClientFrame, ErrorCode, MAX_NAME_LEN, ServerFrame, close};
use volley_shared::{Mode, PlayerId, Role, RoomId, Seat};
use worker::{
    DurableObject, Env, Request, Response, Result, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair, durable_object,
};

/// The `wrangler.jsonc` binding of the coordinator namespace.
pub const COORDINATOR_BINDING: &str = "COORDINATOR";

const TICKET_TAG: &str = "ticket";

/// What a ticket socket remembers across hibernation.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum TicketState {
    /// Connected; no `FindMatch` yet. `player` is the guest identity the
    /// Worker verified, if the client has one.
    Connected {
        mode: Mode,
        continent: Option<String>,
        hint: Option<String>,
        player: Option<PlayerId>,
    },
    /// In the queue (or in a party still forming), as this player.
    Queued { ticket: u64, player: PlayerId },
    /// Taken into a match; the room is being made.
    Matching,
}

/// What `GET /api/stats?mode=..` reports for one shard.
#[derive(Serialize)]
struct Stats {
    coordinator_id: String,
    mode: &'static str,
    tickets_waiting: u64,
    parties_forming: u64,
    matches_made: u64,
    wait_ms_p50: Option<u64>,
    wait_ms_p99: Option<u64>,
    rooms_per_location_hint: std::collections::BTreeMap<String, u64>,
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
    /// Whether the tables exist (created or checked once per instance).
    schema: Schema,
}

impl DurableObject for Matchmaker {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            schema: Schema::default(),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        match path.as_str() {
            "/api/matchmake" => self.open_ticket(&req),
            "/api/private/create" => {
                let mode = http::query_param(&req, "mode")
                    .as_deref()
                    .and_then(Mode::parse)
                    .unwrap_or(Mode::Duel);
                self.create_private(&req, mode).await
            }
            "/api/private/join" => self.join_private(&req).await,
            "/api/stats" => self.stats(&req),
            RESULT_PATH => {
                let result: GameResult = internal::read(&mut req).await?;
                let applied = self.storage()?.apply_result(&result)?;
                Response::ok(if applied {
                    "applied"
                } else {
                    "already applied"
                })
            }
            p if p.starts_with("/api/players/") => {
                let id = p.trim_start_matches("/api/players/");
                let Ok(player) = u64::from_str_radix(id, 16) else {
                    return error(400, "a player id is 16 hex digits");
                };
                match self.storage()?.player(PlayerId(player))? {
                    Some(record) => Response::from_json(&record),
                    None => error(404, format!("no rated games for {id} in this mode")),
                }
            }
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
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> Result<()> {
        self.cancel(&ws)
    }

    async fn websocket_error(&self, ws: WebSocket, err: worker::Error) -> Result<()> {
        worker::console_warn!("ticket socket error: {err}");
        self.cancel(&ws)
    }

    async fn alarm(&self) -> Result<Response> {
        // It rang: whatever time was noted, none is pending now.
        self.storage()?.note_alarm_ms(None)?;
        self.run_matching().await?;
        Response::ok("matching ran")
    }
}

impl Matchmaker {
    fn storage(&self) -> Result<Storage> {
        self.schema
            .open(self.state.storage().sql(), Storage::open, Storage::existing)
    }

    async fn on_message(&self, ws: &WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let Some(frame) = frames::receive(ws, message) else {
            return Ok(());
        };
        match frame {
            ClientFrame::FindMatch {
                protocol,
                mode,
                name,
            } => self.find_match(ws, protocol, mode, &name, None).await,
            ClientFrame::FindMatchAsParty {
                protocol,
                mode,
                name,
                party,
                size,
            } => {
                self.find_match(ws, protocol, mode, &name, Some((party, size)))
                    .await
            }
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
                hint: http::query_param(req, "hint"),
                // Only the Worker sets this, after verifying a guest token.
                player: http::query_param(req, "player")
                    .and_then(|hex| u64::from_str_radix(&hex, 16).ok())
                    .map(PlayerId),
            },
        )?;
        Response::from_websocket(pair.client)
    }

    async fn find_match(
        &self,
        ws: &WebSocket,
        protocol_version: u16,
        mode: Mode,
        name: &str,
        party: Option<(String, u8)>,
    ) -> Result<()> {
        let Some(TicketState::Connected {
            mode: shard_mode,
            continent,
            hint,
            player,
        }) = attachment::load(ws)?
        else {
            send_error(
                ws,
                ErrorCode::UnexpectedFrame,
                "this socket already has a ticket",
            );
            return Ok(());
        };
        if !protocol::supports(protocol_version) {
            let message = format!(
                "protocol {protocol_version} is not supported; this server speaks {}..={}",
                protocol::MIN_PROTOCOL_VERSION,
                protocol::PROTOCOL_VERSION
            );
            send_error(ws, ErrorCode::UnsupportedProtocol, &message);
            ws.close(Some(close::UNSUPPORTED_PROTOCOL), Some(message))?;
            return Ok(());
        }
        let party_ok = party.as_ref().is_none_or(|(key, size)| {
            !key.is_empty()
                && key.len() <= MAX_NAME_LEN
                && (2..=mode.players()).contains(&usize::from(*size))
        });
        if mode != shard_mode || name.len() > MAX_NAME_LEN || !party_ok {
            send_error(
                ws,
                ErrorCode::UnexpectedFrame,
                "mode differs from ?mode=, name or party key too long, or party size outside 2..=seats",
            );
            return Ok(());
        }
        let now = now_ms();
        let storage = self.storage()?;
        let player = match player {
            Some(player) => player,
            None => PlayerId(random_u64()?),
        };
        if storage.is_queued(player)? {
            send_error(
                ws,
                ErrorCode::UnexpectedFrame,
                "this player already has a ticket",
            );
            return Ok(());
        }
        let member = Member {
            player,
            name: name.to_string(),
            rating: storage.rating(player)?,
        };
        let forming = match &party {
            Some((key, _)) => storage
                .forming_party(key)?
                .filter(|p| p.ticket.mode == mode && p.ticket.protocol == protocol_version),
            None => None,
        };
        let mut stored = forming.unwrap_or_else(|| StoredTicket {
            ticket: Ticket {
                // Below 2^53: ids go in an integer column.
                id: random_u64().map(|r| r >> 11).unwrap_or_default(),
                members: Vec::new(),
                mode,
                protocol: protocol_version,
                continent,
                queued_at_ms: now,
                hint,
            },
            want: party.as_ref().map_or(1, |(_, size)| usize::from(*size)),
            party: party.as_ref().map(|(key, _)| key.clone()),
        });
        stored.ticket.members.push(member.clone());
        // A party queues when its last member arrives.
        stored.ticket.queued_at_ms = now;
        storage.put_ticket(&stored)?;
        attachment::store(
            ws,
            &TicketState::Queued {
                ticket: stored.ticket.id,
                player: member.player,
            },
        )?;
        send(
            ws,
            &ServerFrame::Queued {
                player: member.player,
            },
        );
        if stored.complete() {
            self.run_matching().await?;
        }
        Ok(())
    }

    /// A ticket socket closed: its ticket is cancelled, and the other
    /// members of a party are told and closed.
    fn cancel(&self, ws: &WebSocket) -> Result<()> {
        let Some(TicketState::Queued { ticket, .. }) = attachment::load(ws)? else {
            return Ok(());
        };
        let storage = self.storage()?;
        if !storage.delete_ticket(ticket)? {
            return Ok(());
        }
        for (other, _) in self.sockets_of(ticket) {
            send_error(
                &other,
                ErrorCode::UnexpectedFrame,
                "a member of your party left; the ticket is cancelled",
            );
            let _ = other.close(
                Some(close::TICKET_CANCELLED),
                Some("a member of your party left"),
            );
        }
        Ok(())
    }

    /// The open sockets of a ticket's members.
    fn sockets_of(&self, ticket: u64) -> Vec<(WebSocket, PlayerId)> {
        self.state
            .get_websockets_with_tag(TICKET_TAG)
            .into_iter()
            .filter_map(|ws| match attachment::load(&ws) {
                Ok(Some(TicketState::Queued { ticket: t, player })) if t == ticket => {
                    Some((ws, player))
                }
                _ => None,
            })
            .collect()
    }

    fn rules(&self) -> Result<impl Fn(Mode) -> MatchRules + use<>> {
        let bot_fill: Vec<(Mode, Option<u64>)> = Mode::ALL
            .into_iter()
            .map(|mode| Ok((mode, config::bot_fill_after_ms(&self.env, mode)?)))
            .collect::<Result<_>>()?;
        Ok(move |mode: Mode| {
            let after = bot_fill
                .iter()
                .find(|(m, _)| *m == mode)
                .and_then(|(_, after)| *after);
            MatchRules::for_mode(mode, after)
        })
    }

    /// Matches what can be matched now, seats every match, and sets the
    /// alarm for the next time waiting tickets could match.
    async fn run_matching(&self) -> Result<()> {
        let storage = self.storage()?;
        let rules = self.rules()?;
        let now = now_ms();
        // A ticket whose sockets are all gone (the runtime restarted under
        // them) cannot be told about a match: drop it.
        let mut queue = Vec::new();
        for ticket in storage.queue()? {
            if self.sockets_of(ticket.id).is_empty() {
                storage.delete_ticket(ticket.id)?;
            } else {
                queue.push(ticket);
            }
        }
        let (matches, waiting) = take_matches(queue, now, &rules);
        // Take every matched ticket out of the queue before the first await:
        // awaiting opens the input gate, and a ticket must never match twice.
        let mut seated = Vec::new();
        for found in matches {
            let mut players = Vec::new();
            for ticket in &found.tickets {
                storage.delete_ticket(ticket.id)?;
                storage.record_wait(now.saturating_sub(ticket.queued_at_ms), now)?;
                for (ws, player) in self.sockets_of(ticket.id) {
                    attachment::store(&ws, &TicketState::Matching)?;
                    players.push((ws, player));
                }
            }
            seated.push((found, players));
        }
        // The alarm only moves earlier (crate::alarm): an alarm with nothing
        // left to do rings once and finds nothing, which is cheaper than
        // moving or deleting it at every ticket.
        let next = next_wakeup_ms(&waiting, now, &rules);
        if let AlarmPlan::Set(at) = alarm::plan(now, next, storage.alarm_ms()?) {
            storage.note_alarm_ms(Some(at))?;
            let offset = Duration::from_millis(at.saturating_sub(now));
            self.state.storage().set_alarm(offset).await?;
        }
        for (found, players) in seated {
            if let Err(err) = self.seat_match(&storage, &found, &players).await {
                worker::console_error!("could not create a room: {err}");
                for (ws, _) in &players {
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
    async fn seat_match(
        &self,
        storage: &Storage,
        found: &Match,
        players: &[(WebSocket, PlayerId)],
    ) -> Result<()> {
        let key = config::join_key(&self.env)?;
        let hint = hint_for_match(found.tickets.iter().map(|t| t.hint.as_deref()));
        let mut seats: Vec<SeatSetup> = found
            .tickets
            .iter()
            .flat_map(|t| &t.members)
            .map(|m| SeatSetup {
                player: m.player,
                name: m.name.clone(),
                bot: false,
            })
            .collect();
        for n in 1..=found.bots {
            seats.push(SeatSetup {
                player: PlayerId(random_u64()?),
                name: format!("bot {n}"),
                bot: true,
            });
        }
        let reservation_ms = config::seat_reservation_ms(&self.env)?;
        let room = self
            .create_room(storage, found.mode, seats.clone(), hint, reservation_ms)
            .await?;
        for (ws, player) in players {
            let Some(index) = seats.iter().position(|s| s.player == *player) else {
                continue;
            };
            let seat = Seat(u8::try_from(index).unwrap_or(u8::MAX));
            send(
                ws,
                &ServerFrame::Matched {
                    room: room.clone(),
                    seat,
                    token: seat_token(&key, &room, seat, *player),
                },
            );
            let _ = ws.close(Some(close::NORMAL), Some("matched"));
        }
        Ok(())
    }

    /// Creates a room with `unique_id()` near `hint` and initialises it.
    async fn create_room(
        &self,
        storage: &Storage,
        mode: Mode,
        seats: Vec<SeatSetup>,
        hint: Option<&'static str>,
        reservation_ms: u64,
    ) -> Result<RoomId> {
        let namespace = self.env.durable_object(ROOM_BINDING)?;
        let id = namespace.unique_id()?;
        let room = RoomId(id.to_string());
        let stub = match hint {
            Some(hint) => id.get_stub_with_location_hint(hint)?,
            None => id.get_stub()?,
        };
        let init = InitRoom {
            setup: RoomSetup {
                mode,
                config: Default::default(),
                seats,
                seed: random_u64()?,
                turn_timeout_ms: config::turn_timeout_ms(&self.env, mode)?,
                reservation_ms,
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
        storage.record_room(&room.0, hint, now_ms())?;
        Ok(room)
    }

    /// `POST /api/rooms?mode=..&name=..`: a private room and its join code;
    /// the creator gets the first seat.
    async fn create_private(&self, req: &Request, mode: Mode) -> Result<Response> {
        let Some(player) = requester(req)? else {
            return error(400, "missing player");
        };
        let name = display_name(req);
        let storage = self.storage()?;
        let now = now_ms();
        storage.forget_expired_codes(now)?;
        let mut code = new_code(mode, random_u64()?);
        while storage.private_room(&code)?.is_some() {
            code = new_code(mode, random_u64()?);
        }
        let ttl = config::private_code_ttl_ms(&self.env)?;
        let seats: Vec<SeatSetup> = (0..mode.players())
            .map(|n| {
                Ok(SeatSetup {
                    player: if n == 0 {
                        player
                    } else {
                        PlayerId(random_u64()?)
                    },
                    name: if n == 0 {
                        name.clone()
                    } else {
                        format!("seat {}", n + 1)
                    },
                    bot: false,
                })
            })
            .collect::<Result<_>>()?;
        let hint = hint_for_match([http::query_param(req, "hint").as_deref()]);
        let room = self.create_room(&storage, mode, seats, hint, ttl).await?;
        let expires_ms = now.saturating_add(ttl);
        storage.put_private_room(&PrivateRoom {
            code: code.clone(),
            room_id: room.0.clone(),
            seats: mode.players() as u64,
            claimed: 1,
            expires_ms,
        })?;
        let key = config::join_key(&self.env)?;
        Response::from_json(&PrivateSeat {
            code,
            room: room.0.clone(),
            seat: 0,
            token: seat_token(&key, &room, Seat(0), player),
            player: player.to_string(),
            expires_ms,
        })
        .map(|r| r.with_status(201))
    }

    /// `POST /api/rooms/join?code=..&name=..`: the next free seat of a
    /// private room. Wrong codes count against the client's address.
    async fn join_private(&self, req: &Request) -> Result<Response> {
        let Some(player) = requester(req)? else {
            return error(400, "missing player");
        };
        let address = http::query_param(req, "address").unwrap_or_else(|| "unknown".into());
        let storage = self.storage()?;
        let now = now_ms();
        let guesses = storage.guesses(&address)?;
        if !guesses.allowed(now) {
            return error(429, "too many wrong codes; wait a minute");
        }
        let code = http::query_param(req, "code")
            .and_then(|typed| parse_code(&typed))
            .map(|(code, _)| code);
        let found = match &code {
            Some(code) => storage.private_room(code)?.filter(|r| r.expires_ms > now),
            None => None,
        };
        let Some(mut private) = found else {
            storage.put_guesses(&address, guesses.after_failure(now))?;
            return error(404, "no room has that code (or it expired)");
        };
        if private.claimed >= private.seats {
            return error(409, "that room is full");
        }
        let seat = Seat(u8::try_from(private.claimed).unwrap_or(u8::MAX));
        // Taken before the first await: two friends never get one seat.
        private.claimed += 1;
        storage.put_private_room(&private)?;
        let room = RoomId(private.room_id.clone());
        let claim = ClaimSeat {
            seat,
            player,
            name: display_name(req),
        };
        let response = self
            .env
            .durable_object(ROOM_BINDING)?
            .id_from_string(&room.0)?
            .get_stub()?
            .fetch_with_request(internal::post(CLAIM_PATH, &claim)?)
            .await?;
        if response.status_code() != 200 {
            return error(409, "that seat could not be given; the game may have begun");
        }
        let key = config::join_key(&self.env)?;
        Response::from_json(&PrivateSeat {
            code: private.code,
            room: room.0.clone(),
            seat: seat.0,
            token: seat_token(&key, &room, seat, player),
            player: player.to_string(),
            expires_ms: private.expires_ms,
        })
    }

    fn stats(&self, req: &Request) -> Result<Response> {
        let storage = self.storage()?;
        let (waiting, forming) = storage.counts()?;
        let waits = storage.waits()?;
        let rooms = storage.rooms()?;
        let mode = http::query_param(req, "mode")
            .as_deref()
            .and_then(Mode::parse)
            .unwrap_or(Mode::Duel);
        Response::from_json(&Stats {
            coordinator_id: self.state.id().to_string(),
            mode: mode.as_str(),
            tickets_waiting: waiting,
            parties_forming: forming,
            matches_made: rooms.per_hint.iter().map(|(_, n)| n).sum(),
            wait_ms_p50: percentile(&waits, 50),
            wait_ms_p99: percentile(&waits, 99),
            rooms_per_location_hint: rooms.per_hint.into_iter().collect(),
            recent_rooms: rooms
                .recent
                .into_iter()
                .map(|(room_id, location_hint, created_at_ms)| CreatedRoom {
                    room_id,
                    location_hint,
                    created_at_ms,
                })
                .collect(),
        })
    }
}

/// What a private room's creator or a friend who joined gets.
#[derive(Serialize)]
struct PrivateSeat {
    code: String,
    room: String,
    seat: u8,
    token: String,
    player: String,
    expires_ms: u64,
}

/// A join token for a player's seat, valid for the join-token lifetime.
fn seat_token(key: &crate::token::JoinKey, room: &RoomId, seat: Seat, player: PlayerId) -> String {
    key.sign(
        room,
        Grant {
            role: Role::Player(seat),
            player,
            expires_ms: now_ms().saturating_add(config::JOIN_TOKEN_TTL_MS),
        },
    )
}

/// The requester's player id: the guest id the Worker verified, or a fresh
/// anonymous one.
fn requester(req: &Request) -> Result<Option<PlayerId>> {
    match http::query_param(req, "player") {
        Some(hex) => Ok(u64::from_str_radix(&hex, 16).ok().map(PlayerId)),
        None => random_u64().map(|r| Some(PlayerId(r))),
    }
}

/// The display name in `?name=`, cut to the protocol's limit.
fn display_name(req: &Request) -> String {
    let mut name = http::query_param(req, "name").unwrap_or_else(|| "player".into());
    while name.len() > MAX_NAME_LEN {
        name.pop();
    }
    name
}

/// 64 random bits from the platform's CSPRNG (Web Crypto in the Worker).
fn random_u64() -> Result<u64> {
    getrandom::u64().map_err(|e| worker::Error::RustError(format!("no randomness: {e}")))
}
