//! A [`Client`] of one Volley server: ticket sockets and matchmaking,
//! private rooms, room sockets, and its HTTP calls.

use super::connection::{Connection, DEFAULT_FRAME_TIMEOUT, ws_url};
use super::{ClientError, Traffic};
use crate::lobby::{self, LobbyUpdate, Matched};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;
use volley_shared::api::{SeatGrant, TEST_CONTINENT_HEADER};
use volley_shared::protocol::{Hello, LobbyClientFrame, Opening};
use volley_shared::{Mode, RoomId};

/// How often, at most, a ticket waiting for its match pings its shard.
const TICKET_KEEPALIVE: Duration = Duration::from_secs(10);

/// A client of one Volley server: every connection it opens shares its
/// frame timeout and its [`Traffic`] counters.
#[derive(Clone, Debug)]
pub struct Client {
    server: Url,
    frame_timeout: Duration,
    traffic: Arc<Traffic>,
    continent: Option<String>,
}

/// A private room just created: the code to share and the creator's seat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateRoom {
    /// The join code.
    pub code: String,
    /// The creator's seat.
    pub seat: Matched,
}

impl Client {
    /// A client of `server` (`http://` or `https://`).
    pub fn new(server: Url) -> Self {
        Self {
            server,
            frame_timeout: DEFAULT_FRAME_TIMEOUT,
            traffic: Arc::default(),
            continent: None,
        }
    }

    /// Says on its ticket sockets that the client is on `continent`
    /// (Cloudflare's code, `EU`), which a server started with
    /// `VOLLEY_TEST_HOOKS=1` believes instead of `request.cf` (tests and
    /// load runs spread players over continents so); others ignore it.
    pub fn on_continent(mut self, continent: Option<String>) -> Self {
        self.continent = continent;
        self
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
        self.open_ticket_for(mode, guest, false).await
    }

    /// [`Client::open_ticket`] for a party member (`party`): a party queues
    /// in the mode's global pool, since its members may connect from
    /// different regions (`?party=1`).
    pub async fn open_ticket_for(
        &self,
        mode: Mode,
        guest: Option<&str>,
        party: bool,
    ) -> Result<Connection, ClientError> {
        let mut url = ws_url(&self.server, "/api/matchmake")?;
        url.query_pairs_mut().append_pair("mode", mode.as_str());
        if party {
            url.query_pairs_mut().append_pair("party", "1");
        }
        // The guest token in a header, not the URL (which servers log).
        let bearer = guest.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = [
            bearer.as_deref().map(|b| ("Authorization", b)),
            self.continent
                .as_deref()
                .map(|continent| (TEST_CONTINENT_HEADER, continent)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if headers.is_empty() {
            return self.connect_url(&url).await;
        }
        Ok(Connection::open_with_headers(&url, &headers)
            .await?
            .with_timeout(self.frame_timeout)
            .counted_in(self.traffic.clone()))
    }

    /// Opens a ticket with `opening` ([`lobby::find_match`] or
    /// [`lobby::find_match_as_party`]), as a guest if `guest` holds a guest
    /// token from `POST /api/guests`, and waits until the coordinator seats
    /// this player.
    pub async fn matchmake_with(
        &self,
        mode: Mode,
        guest: Option<&str>,
        opening: &Opening,
    ) -> Result<Matched, ClientError> {
        let party = matches!(opening.hello, Hello::FindMatch { party: Some(_), .. });
        let mut conn = self.open_ticket_for(mode, guest, party).await?;
        conn.open_with(opening).await?;
        self.wait_for_match(conn).await
    }

    /// Waits on a ticket socket whose opening was answered until the
    /// coordinator seats this player, then closes it.
    pub async fn wait_for_match(&self, mut conn: Connection) -> Result<Matched, ClientError> {
        // A queued ticket hears nothing until it is matched, which may take
        // until bot fill (30 s by default, as long as the frame timeout): it
        // pings meanwhile, so the timeout tells a silent server, not a wait.
        let keepalive = (self.frame_timeout / 3).min(TICKET_KEEPALIVE);
        let mut heard = Instant::now();
        let mut nonce = 0;
        loop {
            let frame = match tokio::time::timeout(keepalive, conn.recv_lobby()).await {
                Ok(frame) => frame?,
                Err(_) if heard.elapsed() >= self.frame_timeout => {
                    return Err(ClientError::Timeout(self.frame_timeout));
                }
                Err(_) => {
                    nonce += 1;
                    conn.send_lobby(&LobbyClientFrame::Ping { nonce }).await?;
                    continue;
                }
            };
            heard = Instant::now();
            match lobby::on_frame(frame)? {
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
        let grant: SeatGrant = http_body(true, url).await?;
        Ok(PrivateRoom {
            code: grant.code.clone(),
            seat: grant.into(),
        })
    }

    /// Takes the next free seat of the private room with this join code.
    pub async fn join_private(&self, code: &str, name: &str) -> Result<Matched, ClientError> {
        let mut url = self.server.join("/api/rooms/join")?;
        url.query_pairs_mut()
            .append_pair("code", code)
            .append_pair("name", name);
        Ok(http_body::<SeatGrant>(true, url).await?.into())
    }

    /// Opens a socket to a room. The first frame on it is the session's
    /// opening ([`crate::session::GameSession::hello`]).
    pub async fn open_room(&self, room: &RoomId) -> Result<Connection, ClientError> {
        self.connect(&format!("/api/rooms/{room}/ws")).await
    }
}

/// `POST url` (or `GET`), as blocking HTTP on tokio's blocking pool: the
/// JSON answer of a 2xx, or the status and body as [`ClientError::Http`].
pub async fn http_json(post: bool, url: Url) -> Result<serde_json::Value, ClientError> {
    http_body(post, url).await
}

/// [`http_json`], read as one of the `volley_shared::api` bodies.
pub async fn http_body<T: DeserializeOwned + Send + 'static>(
    post: bool,
    url: Url,
) -> Result<T, ClientError> {
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
            .map_err(|e| ClientError::Http(format!("{url}: not the expected JSON ({e}): {body}")))
    })
    .await
    .map_err(|e| ClientError::Http(format!("the request task failed: {e}")))?
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
    opening: &Opening,
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
