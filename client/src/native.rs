//! The native transport (tokio + tokio-tungstenite) and the loops that
//! matchmake and play whole games. Used by `volley-bot`, its load tool and
//! the tests.

use crate::bot::{Bot, Strategy};
use crate::lobby::{self, LobbyUpdate, Matched};
use crate::session::{GameSession, SessionError, Update};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use thiserror::Error;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use url::Url;
use volley_shared::artillery::{Aim, ArtilleryEvent, Fire};
use volley_shared::protocol::{ClientFrame, ServerFrame};
use volley_shared::{Mode, Outcome, RoomId, Seat, codec};

/// How long to wait for any one frame before giving up.
pub const DEFAULT_FRAME_TIMEOUT: Duration = Duration::from_secs(90);

/// What can go wrong on the client side of a connection.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The server URL is unusable.
    #[error("bad server URL: {0}")]
    Url(#[from] url::ParseError),
    /// The WebSocket failed (connect, read or write).
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    /// The game went wrong.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The server closed the connection.
    #[error("server closed the connection: {0}")]
    Closed(String),
    /// No frame came in time.
    #[error("no frame from the server for {0:?}")]
    Timeout(Duration),
    /// A frame could not be encoded.
    #[error(transparent)]
    Codec(#[from] codec::CodecError),
    /// An HTTP request failed or was refused.
    #[error("HTTP: {0}")]
    Http(String),
    /// The bot's AI task failed.
    #[error("the bot's AI failed: {0}")]
    Bot(String),
}

impl ClientError {
    /// A short, stable name for the kind of error, for counting errors by
    /// kind (`refused:RateLimited`, `closed:4008`, `timeout`, ...).
    pub fn kind(&self) -> String {
        match self {
            ClientError::Url(_) => "url".into(),
            ClientError::WebSocket(_) => "websocket".into(),
            ClientError::Session(SessionError::Refused { code, .. }) => format!("refused:{code:?}"),
            ClientError::Session(SessionError::Unexpected(_)) => "unexpected_frame".into(),
            ClientError::Session(SessionError::OutOfOrder { .. }) => "out_of_order".into(),
            ClientError::Session(SessionError::Desync(_)) => "desync".into(),
            ClientError::Session(SessionError::Codec(_)) => "undecodable_frame".into(),
            ClientError::Closed(reason) => {
                match reason.split_whitespace().next().map(str::parse::<u16>) {
                    Some(Ok(code)) => format!("closed:{code}"),
                    _ => "closed".into(),
                }
            }
            ClientError::Timeout(_) => "timeout".into(),
            ClientError::Codec(_) => "codec".into(),
            ClientError::Http(_) => "http".into(),
            ClientError::Bot(_) => "bot".into(),
        }
    }
}

/// Frames and bytes through the connections that share it, counted as
/// they go (binary frames only).
#[derive(Debug, Default)]
pub struct Traffic {
    frames_sent: AtomicU64,
    bytes_sent: AtomicU64,
    frames_received: AtomicU64,
    bytes_received: AtomicU64,
}

/// A reading of [`Traffic`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficCount {
    /// Frames sent.
    pub frames_sent: u64,
    /// Bytes sent (payloads).
    pub bytes_sent: u64,
    /// Frames received.
    pub frames_received: u64,
    /// Bytes received (payloads).
    pub bytes_received: u64,
}

impl Traffic {
    /// The counts so far.
    pub fn read(&self) -> TrafficCount {
        TrafficCount {
            frames_sent: self.frames_sent.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            frames_received: self.frames_received.load(Ordering::Relaxed),
            bytes_received: self.bytes_received.load(Ordering::Relaxed),
        }
    }

    fn sent(&self, bytes: usize) {
        self.frames_sent.fetch_add(1, Ordering::Relaxed);
        self.bytes_sent.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn received(&self, bytes: usize) {
        self.frames_received.fetch_add(1, Ordering::Relaxed);
        self.bytes_received
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

impl TrafficCount {
    /// Frames both ways.
    pub fn frames(&self) -> u64 {
        self.frames_sent + self.frames_received
    }

    /// What was counted between `earlier` and this reading.
    pub fn since(&self, earlier: &TrafficCount) -> TrafficCount {
        TrafficCount {
            frames_sent: self.frames_sent - earlier.frames_sent,
            bytes_sent: self.bytes_sent - earlier.bytes_sent,
            frames_received: self.frames_received - earlier.frames_received,
            bytes_received: self.bytes_received - earlier.bytes_received,
        }
    }
}

/// The WebSocket library's error type.
pub use tokio_tungstenite::tungstenite::Error as WsError;

/// One WebSocket to a Volley endpoint, speaking frames.
pub struct Connection {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    timeout: Duration,
    traffic: Option<Arc<Traffic>>,
}

impl Connection {
    /// Opens a WebSocket to `url` (ws:// or wss://).
    pub async fn open(url: &Url) -> Result<Connection, ClientError> {
        let (ws, _) = connect_async(url.as_str()).await?;
        Ok(Connection {
            ws,
            timeout: DEFAULT_FRAME_TIMEOUT,
            traffic: None,
        })
    }

    /// Counts this connection's frames and bytes in `traffic`.
    pub fn counted_in(mut self, traffic: Arc<Traffic>) -> Self {
        self.traffic = Some(traffic);
        self
    }

    /// Sets how long [`Connection::recv`] waits.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends a frame.
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<(), ClientError> {
        self.send_raw(codec::encode(frame)?).await
    }

    /// Sends arbitrary bytes as one binary frame (tests use this for junk).
    pub async fn send_raw(&mut self, bytes: Vec<u8>) -> Result<(), ClientError> {
        if let Some(traffic) = &self.traffic {
            traffic.sent(bytes.len());
        }
        self.ws.send(Message::Binary(bytes.into())).await?;
        Ok(())
    }

    /// The next frame from the server. A close is [`ClientError::Closed`]
    /// with its code and reason.
    pub async fn recv(&mut self) -> Result<ServerFrame, ClientError> {
        let bytes = self.recv_raw().await?;
        codec::decode_server(&bytes).map_err(|e| ClientError::Session(e.into()))
    }

    /// The next binary frame's bytes, undecoded (the echo baselines).
    pub async fn recv_raw(&mut self) -> Result<Vec<u8>, ClientError> {
        loop {
            let next = tokio::time::timeout(self.timeout, self.ws.next())
                .await
                .map_err(|_| ClientError::Timeout(self.timeout))?;
            match next {
                Some(Ok(Message::Binary(bytes))) => {
                    if let Some(traffic) = &self.traffic {
                        traffic.received(bytes.len());
                    }
                    return Ok(bytes.into());
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(ClientError::Closed(describe(frame)));
                }
                Some(Ok(Message::Text(text))) => {
                    return Err(SessionError::Unexpected(format!("text frame {text:?}")).into());
                }
                Some(Ok(_)) => continue,
                Some(Err(err)) => return Err(err.into()),
                None => return Err(ClientError::Closed("stream ended".into())),
            }
        }
    }

    /// Closes the socket politely.
    pub async fn close(mut self) {
        self.close_in_place().await;
    }

    /// Closes the socket politely, keeping the value (to be replaced by a
    /// new connection).
    pub async fn close_in_place(&mut self) {
        let _ = self.ws.close(None).await;
    }
}

fn describe(frame: Option<CloseFrame>) -> String {
    match frame {
        Some(f) => format!("{} {}", u16::from(f.code), f.reason),
        None => "no close code".into(),
    }
}

/// The `ws://` (or `wss://`) form of an `http(s)://` server address plus a path.
pub fn ws_url(server: &Url, path: &str) -> Result<Url, ClientError> {
    let mut url = server.join(path)?;
    let scheme = if server.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    // Changing between special schemes of the same kind cannot fail.
    let _ = url.set_scheme(scheme);
    Ok(url)
}

/// A client of one Volley server: every connection it opens shares its
/// frame timeout and its [`Traffic`] counters.
#[derive(Clone, Debug)]
pub struct Client {
    server: Url,
    frame_timeout: Duration,
    traffic: Arc<Traffic>,
}

impl Client {
    /// A client of `server` (`http://` or `https://`).
    pub fn new(server: Url) -> Self {
        Self {
            server,
            frame_timeout: DEFAULT_FRAME_TIMEOUT,
            traffic: Arc::default(),
        }
    }

    /// Sets how long any connection waits for a frame.
    pub fn with_frame_timeout(mut self, timeout: Duration) -> Self {
        self.frame_timeout = timeout;
        self
    }

    /// Counts traffic in `traffic` (shared with other clients).
    pub fn with_traffic(mut self, traffic: Arc<Traffic>) -> Self {
        self.traffic = traffic;
        self
    }

    /// The server.
    pub fn server(&self) -> &Url {
        &self.server
    }

    /// The frames and bytes of every connection this client opened.
    pub fn traffic(&self) -> &Arc<Traffic> {
        &self.traffic
    }

    /// Opens a WebSocket to `path` on the server.
    pub async fn connect(&self, path: &str) -> Result<Connection, ClientError> {
        self.connect_url(&ws_url(&self.server, path)?).await
    }

    async fn connect_url(&self, url: &Url) -> Result<Connection, ClientError> {
        Ok(Connection::open(url)
            .await?
            .with_timeout(self.frame_timeout)
            .counted_in(self.traffic.clone()))
    }

    /// Opens a ticket socket to the coordinator of `mode`, as a guest if
    /// `guest` holds a guest token.
    pub async fn open_ticket(
        &self,
        mode: Mode,
        guest: Option<&str>,
    ) -> Result<Connection, ClientError> {
        let mut url = ws_url(&self.server, "/api/matchmake")?;
        url.query_pairs_mut().append_pair("mode", mode.as_str());
        if let Some(guest) = guest {
            url.query_pairs_mut().append_pair("guest", guest);
        }
        self.connect_url(&url).await
    }

    /// Opens a ticket with any opening frame (`FindMatch` or
    /// `FindMatchAsParty`), as a guest if `guest` holds a guest token from
    /// `POST /api/guests`, and waits until the coordinator seats this player.
    pub async fn matchmake_with(
        &self,
        mode: Mode,
        guest: Option<&str>,
        opening: &ClientFrame,
    ) -> Result<Matched, ClientError> {
        let mut conn = self.open_ticket(mode, guest).await?;
        conn.send(opening).await?;
        loop {
            match lobby::on_frame(conn.recv().await?)? {
                LobbyUpdate::Matched(matched) => {
                    conn.close().await;
                    return Ok(matched);
                }
                LobbyUpdate::Queued(_) | LobbyUpdate::Nothing => {}
            }
        }
    }

    /// Opens a ticket and waits until the coordinator seats this player.
    pub async fn matchmake(&self, mode: Mode, name: &str) -> Result<Matched, ClientError> {
        self.matchmake_with(mode, None, &lobby::find_match(mode, name))
            .await
    }

    /// Creates a private room (`POST /api/rooms`): its join code and the
    /// first seat.
    pub async fn create_private(&self, mode: Mode, name: &str) -> Result<PrivateRoom, ClientError> {
        let mut url = self.server.join("/api/rooms")?;
        url.query_pairs_mut()
            .append_pair("mode", mode.as_str())
            .append_pair("name", name);
        let json = http_json(true, url).await?;
        let code = json["code"]
            .as_str()
            .ok_or_else(|| ClientError::Http(format!("no code in {json}")))?
            .to_string();
        Ok(PrivateRoom {
            code,
            seat: seat_from(&json)?,
        })
    }

    /// Takes the next free seat of the private room with this join code.
    pub async fn join_private(&self, code: &str, name: &str) -> Result<Matched, ClientError> {
        let mut url = self.server.join("/api/rooms/join")?;
        url.query_pairs_mut()
            .append_pair("code", code)
            .append_pair("name", name);
        seat_from(&http_json(true, url).await?)
    }

    /// Opens a socket to a room. The first frame on it must be `Hello`
    /// with the join token ([`GameSession::hello`]).
    pub async fn open_room(&self, room: &RoomId) -> Result<Connection, ClientError> {
        self.connect(&format!("/api/rooms/{room}/ws")).await
    }

    /// Joins the room and plays to the end in `style`.
    pub async fn play(
        &self,
        matched: &Matched,
        style: &PlayStyle,
    ) -> Result<GameReport, ClientError> {
        let mut conn = self.open_room(&matched.room).await?;
        let mut session = GameSession::new();
        let mut bot = Bot::new(style.strategy, style.seed);
        conn.send(&session.hello(&matched.token)).await?;
        let mut report = GameReport::new(matched);
        let mut aiming: Option<Aiming> = None;
        let mut in_flight: Option<Instant> = None;
        loop {
            let frame = match aiming.as_ref().map(|a| a.next_step()) {
                Some(step) => tokio::select! {
                    frame = conn.recv() => Some(frame?),
                    () = tokio::time::sleep_until(step) => None,
                },
                None => Some(conn.recv().await?),
            };
            // Before the session checks the frame (a shot is simulated
            // again locally), so that time is not in the round trip.
            let received = Instant::now();
            if let Some(frame) = frame {
                match session.on_frame(frame)? {
                    Update::Event(event) => {
                        report.events += 1;
                        match event {
                            ArtilleryEvent::Shot(shot) if shot.seat == matched.seat => {
                                if let Some(sent) = in_flight.take() {
                                    report.moves.push(MoveTiming {
                                        sent,
                                        round_trip: received - sent,
                                    });
                                }
                            }
                            ArtilleryEvent::TurnTimedOut { seat, .. } => {
                                report.timeouts += 1;
                                if seat == matched.seat {
                                    report.own_timeouts += 1;
                                    aiming = None;
                                }
                            }
                            _ => {}
                        }
                    }
                    Update::GameOver(outcome) => {
                        report.outcome = outcome;
                        report.unresolved = u32::from(in_flight.is_some());
                        conn.close().await;
                        return Ok(report);
                    }
                    Update::Refused { .. } => report.refusals += 1,
                    Update::Welcomed | Update::Resumed | Update::Live { .. } | Update::Nothing => {}
                }
            }
            if aiming.is_none() && session.my_turn() {
                let (Some(state), Some(seat)) = (session.state(), session.seat()) else {
                    continue;
                };
                // The AI searches for milliseconds: off the runtime's
                // threads, so other bots' frames are read (and timed) meanwhile.
                let (mut thinker, state) = (bot.clone(), state.clone());
                let (decided, thinker) =
                    tokio::task::spawn_blocking(move || (thinker.decide(&state, seat), thinker))
                        .await
                        .map_err(|e| ClientError::Bot(e.to_string()))?;
                bot = thinker;
                if let Some(fire) = decided {
                    aiming = Some(Aiming::new(fire, style));
                }
            }
            let Some(plan) = aiming.as_mut() else {
                continue;
            };
            let now = Instant::now();
            if now >= plan.fire_at {
                conn.send(&ClientFrame::Move(plan.fire)).await?;
                session.moved();
                in_flight = Some(Instant::now());
                report.shots += 1;
                aiming = None;
            } else if plan.next_aim.is_some_and(|at| now >= at) {
                conn.send(&ClientFrame::Live(plan.aim_now(now))).await?;
                report.aims += 1;
                plan.schedule_aim(now);
            }
        }
    }
}

/// How a bot plays a game: what it fires, how long it aims first and how
/// often it shows its aim to the others meanwhile.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayStyle {
    /// What to fire.
    pub strategy: Strategy,
    /// How long after its turn starts the bot fires.
    pub think: Duration,
    /// Aim updates (`Live` frames) sent per second while thinking; 0 for none.
    pub aims_per_second: f64,
    /// Seeds the bot's aiming error.
    pub seed: u64,
}

impl PlayStyle {
    /// Fires as soon as its turn starts, without aim updates.
    pub fn new(strategy: Strategy) -> Self {
        Self {
            strategy,
            think: Duration::ZERO,
            aims_per_second: 0.0,
            seed: 0,
        }
    }
}

/// A turn being aimed: the shot chosen, when it goes, and the aim
/// updates until then, swinging from a resting aim to the chosen one.
struct Aiming {
    fire: Fire,
    started: Instant,
    fire_at: Instant,
    next_aim: Option<Instant>,
    aim_every: Option<Duration>,
}

impl Aiming {
    const RESTING: Aim = Aim {
        angle_deg: 45,
        power: 50,
    };

    fn new(fire: Fire, style: &PlayStyle) -> Self {
        let started = Instant::now();
        let aim_every = (style.aims_per_second > 0.0)
            .then(|| Duration::from_secs_f64(1.0 / style.aims_per_second));
        Self {
            fire,
            started,
            fire_at: started + style.think,
            next_aim: aim_every.map(|every| started + every),
            aim_every,
        }
    }

    /// When the next thing is due: an aim update or the shot.
    fn next_step(&self) -> Instant {
        self.next_aim
            .map_or(self.fire_at, |aim| aim.min(self.fire_at))
    }

    fn schedule_aim(&mut self, now: Instant) {
        self.next_aim = self.aim_every.map(|every| now + every);
    }

    /// The aim shown at `now`: part way from the resting aim to the shot.
    fn aim_now(&self, now: Instant) -> Fire {
        let span = self.fire_at - self.started;
        let done = if span.is_zero() {
            1.0
        } else {
            ((now - self.started).as_secs_f32() / span.as_secs_f32()).min(1.0)
        };
        let between = |from: u16, to: u16| {
            (f32::from(from) + (f32::from(to) - f32::from(from)) * done).round() as u16
        };
        Fire {
            aim: Aim {
                angle_deg: between(Self::RESTING.angle_deg, self.fire.aim.angle_deg),
                power: between(Self::RESTING.power, self.fire.aim.power),
            },
            weapon: self.fire.weapon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_aim_swings_from_rest_to_the_shot() {
        let fire = Fire {
            aim: Aim {
                angle_deg: 65,
                power: 90,
            },
            weapon: volley_shared::artillery::Weapon::Heavy,
        };
        let style = PlayStyle {
            think: Duration::from_secs(2),
            aims_per_second: 5.0,
            ..PlayStyle::new(Strategy::BEST)
        };
        let aiming = Aiming::new(fire, &style);
        assert_eq!(
            aiming.next_step(),
            aiming.started + Duration::from_millis(200)
        );
        let start = aiming.aim_now(aiming.started);
        assert_eq!((start.aim.angle_deg, start.aim.power), (45, 50));
        let half = aiming.aim_now(aiming.started + Duration::from_secs(1));
        assert_eq!((half.aim.angle_deg, half.aim.power), (55, 70));
        assert_eq!(aiming.aim_now(aiming.fire_at), fire);
        assert_eq!(half.weapon, fire.weapon);

        let at_once = Aiming::new(fire, &PlayStyle::new(Strategy::BEST));
        assert_eq!(at_once.next_step(), at_once.fire_at);
        assert_eq!(at_once.fire_at, at_once.started);
    }

    #[test]
    fn errors_have_stable_kinds() {
        assert_eq!(
            ClientError::Closed("4008 flooding".into()).kind(),
            "closed:4008"
        );
        assert_eq!(
            ClientError::Timeout(Duration::from_secs(1)).kind(),
            "timeout"
        );
        let refused = ClientError::Session(SessionError::Refused {
            code: volley_shared::ErrorCode::RateLimited,
            message: "slow down".into(),
        });
        assert_eq!(refused.kind(), "refused:RateLimited");
    }
}

/// A private room just created: the code to share and the creator's seat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateRoom {
    /// The join code.
    pub code: String,
    /// The creator's seat.
    pub seat: Matched,
}

/// `POST url` (or `GET`), as blocking HTTP on tokio's blocking pool: the
/// JSON answer of a 2xx, or the status and body as [`ClientError::Http`].
pub async fn http_json(post: bool, url: Url) -> Result<serde_json::Value, ClientError> {
    tokio::task::spawn_blocking(move || {
        let sent = if post {
            ureq::post(url.as_str())
                .config()
                .http_status_as_error(false)
                .build()
                .send_empty()
        } else {
            ureq::get(url.as_str())
                .config()
                .http_status_as_error(false)
                .build()
                .call()
        };
        let mut response = sent.map_err(|e| ClientError::Http(format!("{url}: {e}")))?;
        let status = response.status();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| ClientError::Http(format!("{url}: {e}")))?;
        if !status.is_success() {
            return Err(ClientError::Http(format!("{url}: {status}: {body}")));
        }
        serde_json::from_str(&body)
            .map_err(|e| ClientError::Http(format!("{url}: not JSON ({e}): {body}")))
    })
    .await
    .map_err(|e| ClientError::Http(format!("the request task failed: {e}")))?
}

/// A seat handed out over HTTP (`{"room", "seat", "token"}`).
fn seat_from(json: &serde_json::Value) -> Result<Matched, ClientError> {
    let missing = |field: &str| ClientError::Http(format!("no {field} in {json}"));
    Ok(Matched {
        room: RoomId(
            json["room"]
                .as_str()
                .ok_or_else(|| missing("room"))?
                .to_string(),
        ),
        seat: Seat(
            json["seat"]
                .as_u64()
                .and_then(|s| u8::try_from(s).ok())
                .ok_or_else(|| missing("seat"))?,
        ),
        token: json["token"]
            .as_str()
            .ok_or_else(|| missing("token"))?
            .to_string(),
    })
}

/// Opens a ticket and waits until the coordinator seats this player.
pub async fn matchmake(server: &Url, mode: Mode, name: &str) -> Result<Matched, ClientError> {
    Client::new(server.clone()).matchmake(mode, name).await
}

/// [`Client::matchmake_with`] with a fresh client.
pub async fn matchmake_with(
    server: &Url,
    mode: Mode,
    guest: Option<&str>,
    opening: &ClientFrame,
) -> Result<Matched, ClientError> {
    Client::new(server.clone())
        .matchmake_with(mode, guest, opening)
        .await
}

/// [`Client::open_ticket`] with a fresh client.
pub async fn open_ticket(
    server: &Url,
    mode: Mode,
    guest: Option<&str>,
) -> Result<Connection, ClientError> {
    Client::new(server.clone()).open_ticket(mode, guest).await
}

/// [`Client::open_room`] with a fresh client.
pub async fn open_room(server: &Url, room: &RoomId) -> Result<Connection, ClientError> {
    Client::new(server.clone()).open_room(room).await
}

/// When one move was sent and how long until the room's event resolving
/// it came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoveTiming {
    /// When the move was sent.
    pub sent: Instant,
    /// From sending the move to receiving the event that resolves it.
    pub round_trip: Duration,
}

/// How a game went, from one player's side.
#[derive(Clone, Debug, PartialEq)]
pub struct GameReport {
    /// The room played in.
    pub room: RoomId,
    /// The seat played.
    pub seat: Seat,
    /// How the game ended.
    pub outcome: Outcome,
    /// Events received.
    pub events: u64,
    /// Shots this player fired.
    pub shots: u32,
    /// Aim updates this player sent.
    pub aims: u32,
    /// Each of this player's shots the room resolved, with its round trip.
    pub moves: Vec<MoveTiming>,
    /// Shots sent that the game ended without resolving (0 or 1).
    pub unresolved: u32,
    /// Turns that timed out (anyone's).
    pub timeouts: u32,
    /// This player's turns that timed out.
    pub own_timeouts: u32,
    /// Refusals received from the room.
    pub refusals: u32,
}

impl GameReport {
    fn new(matched: &Matched) -> Self {
        Self::empty(matched.room.clone(), matched.seat)
    }

    /// A report of nothing yet, for `seat` in `room`.
    pub(crate) fn empty(room: RoomId, seat: Seat) -> Self {
        Self {
            room,
            seat,
            outcome: Outcome::Draw,
            events: 0,
            shots: 0,
            aims: 0,
            moves: Vec::new(),
            unresolved: 0,
            timeouts: 0,
            own_timeouts: 0,
            refusals: 0,
        }
    }

    /// Whether this player won.
    pub fn won(&self) -> bool {
        self.outcome == Outcome::Winner(self.seat)
    }
}

/// Joins the room and plays to the end with `strategy`, firing at once.
pub async fn play(
    server: &Url,
    matched: &Matched,
    strategy: Strategy,
) -> Result<GameReport, ClientError> {
    Client::new(server.clone())
        .play(matched, &PlayStyle::new(strategy))
        .await
}
