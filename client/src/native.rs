//! The native transport (tokio + tokio-tungstenite) and the loops that
//! matchmake and play whole games. Used by `volley-bot` and the tests.

use crate::bot::Strategy;
use crate::lobby::{self, LobbyUpdate, Matched};
use crate::session::{GameSession, SessionError, Update};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use thiserror::Error;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use url::Url;
use volley_shared::artillery::ArtilleryEvent;
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
}

/// The WebSocket library's error type.
pub use tokio_tungstenite::tungstenite::Error as WsError;

/// One WebSocket to a Volley endpoint, speaking frames.
pub struct Connection {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    timeout: Duration,
}

impl Connection {
    /// Opens a WebSocket to `url` (ws:// or wss://).
    pub async fn open(url: &Url) -> Result<Connection, ClientError> {
        let (ws, _) = connect_async(url.as_str()).await?;
        Ok(Connection {
            ws,
            timeout: DEFAULT_FRAME_TIMEOUT,
        })
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
        self.ws.send(Message::Binary(bytes.into())).await?;
        Ok(())
    }

    /// The next frame from the server. A close is [`ClientError::Closed`]
    /// with its code and reason.
    pub async fn recv(&mut self) -> Result<ServerFrame, ClientError> {
        loop {
            let next = tokio::time::timeout(self.timeout, self.ws.next())
                .await
                .map_err(|_| ClientError::Timeout(self.timeout))?;
            match next {
                Some(Ok(Message::Binary(bytes))) => {
                    return codec::decode_server(&bytes)
                        .map_err(|e| ClientError::Session(e.into()));
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

/// Opens a ticket and waits until the coordinator seats this player.
pub async fn matchmake(server: &Url, mode: Mode, name: &str) -> Result<Matched, ClientError> {
    matchmake_with(server, mode, None, &lobby::find_match(mode, name)).await
}

/// Opens a ticket with any opening frame (`FindMatch` or
/// `FindMatchAsParty`), as a guest if `guest` holds a guest token from
/// `POST /api/guests`, and waits until the coordinator seats this player.
pub async fn matchmake_with(
    server: &Url,
    mode: Mode,
    guest: Option<&str>,
    opening: &ClientFrame,
) -> Result<Matched, ClientError> {
    let mut conn = open_ticket(server, mode, guest).await?;
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

/// Opens a ticket socket to the coordinator of `mode`, as a guest if
/// `guest` holds a guest token.
pub async fn open_ticket(
    server: &Url,
    mode: Mode,
    guest: Option<&str>,
) -> Result<Connection, ClientError> {
    let mut url = ws_url(server, "/api/matchmake")?;
    url.query_pairs_mut().append_pair("mode", mode.as_str());
    if let Some(guest) = guest {
        url.query_pairs_mut().append_pair("guest", guest);
    }
    Connection::open(&url).await
}

/// Opens a socket to a room. The first frame on it must be `Hello` with
/// the join token ([`GameSession::hello`]).
pub async fn open_room(server: &Url, room: &RoomId) -> Result<Connection, ClientError> {
    Connection::open(&ws_url(server, &format!("/api/rooms/{room}/ws"))?).await
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
    /// Turns that timed out (anyone's).
    pub timeouts: u32,
    /// Refusals received from the room.
    pub refusals: u32,
}

impl GameReport {
    /// Whether this player won.
    pub fn won(&self) -> bool {
        self.outcome == Outcome::Winner(self.seat)
    }
}

/// Joins the room and plays to the end with `strategy`.
pub async fn play(
    server: &Url,
    matched: &Matched,
    strategy: Strategy,
) -> Result<GameReport, ClientError> {
    let mut conn = open_room(server, &matched.room).await?;
    let mut session = GameSession::new();
    conn.send(&session.hello(&matched.token)).await?;
    let mut report = GameReport {
        room: matched.room.clone(),
        seat: matched.seat,
        outcome: Outcome::Draw,
        events: 0,
        shots: 0,
        timeouts: 0,
        refusals: 0,
    };
    loop {
        match session.on_frame(conn.recv().await?)? {
            Update::Event(event) => {
                report.events += 1;
                if let ArtilleryEvent::TurnTimedOut { .. } = event {
                    report.timeouts += 1;
                }
            }
            Update::GameOver(outcome) => {
                report.outcome = outcome;
                conn.close().await;
                return Ok(report);
            }
            Update::Refused { .. } => report.refusals += 1,
            Update::Welcomed | Update::Resumed | Update::Live { .. } | Update::Nothing => {}
        }
        if session.my_turn() {
            let (Some(state), Some(seat)) = (session.state(), session.seat()) else {
                continue;
            };
            if let Some(fire) = strategy.decide(state, seat) {
                conn.send(&ClientFrame::Move(fire)).await?;
                session.moved();
                report.shots += 1;
            }
        }
    }
}
