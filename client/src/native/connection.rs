//! One WebSocket to a Volley endpoint, speaking frames, and the opening
//! handshake that settles which protocol version they are in.
//!
//! A server that only speaks version 1 (the previous release, during a
//! rollout or after a rollback) answers an opening with a version 1 error
//! and keeps the socket open; the connection then says the same hello in
//! version 1 and speaks version 1 from there on, converting frames to and
//! from the current types, so the rest of the client never knows.

use super::{ClientError, Traffic};
use crate::session::SessionError;
use crate::wire;
use futures_util::{SinkExt, StreamExt};
use serde::{Serialize, de::DeserializeOwned};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use url::Url;
use volley_shared::Game;
use volley_shared::codec;
use volley_shared::protocol::{
    Answer, LobbyClientFrame, LobbyServerFrame, Opening, RoomClientFrame, RoomServerFrame, v1,
};

/// How long to wait for any one frame before giving up.
pub const DEFAULT_FRAME_TIMEOUT: Duration = Duration::from_secs(90);

/// The WebSocket library's error type.
pub use tokio_tungstenite::tungstenite::Error as WsError;

/// One WebSocket to a Volley endpoint, speaking frames.
pub struct Connection {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    timeout: Duration,
    traffic: Option<Arc<Traffic>>,
    /// The protocol version agreed (until then, the newest).
    version: u16,
    /// Cut by [`Connection::cut`]: nothing more is read from it.
    cut: bool,
}

impl Connection {
    /// Opens a WebSocket to `url` (ws:// or wss://).
    pub async fn open(url: &Url) -> Result<Connection, ClientError> {
        let (ws, _) = connect_async(url.as_str()).await?;
        Ok(Connection {
            ws,
            timeout: DEFAULT_FRAME_TIMEOUT,
            traffic: None,
            version: volley_shared::protocol::PROTOCOL_VERSION,
            cut: false,
        })
    }

    /// Opens a WebSocket to `url` as if from `address`, in the
    /// `CF-Connecting-IP` header. Cloudflare sets that header itself;
    /// `wrangler dev` passes it on, so a test or a soak on one machine can
    /// play many addresses against the per-address limits.
    pub async fn open_as(url: &Url, address: &str) -> Result<Connection, ClientError> {
        Connection::open_with_headers(url, &[("CF-Connecting-IP", address)]).await
    }

    /// Opens a WebSocket to `url` with these extra request headers (a
    /// `Sec-WebSocket-Protocol` offer among them: the handshake then fails
    /// unless the server answers with one of the offered subprotocols).
    pub async fn open_with_headers(
        url: &Url,
        headers: &[(&str, &str)],
    ) -> Result<Connection, ClientError> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
        let mut request = url.as_str().into_client_request()?;
        for (name, value) in headers {
            let bad = |e: &dyn std::fmt::Display| ClientError::Http(format!("header {name}: {e}"));
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(&e))?;
            let value = HeaderValue::from_str(value).map_err(|e| bad(&e))?;
            request.headers_mut().insert(name, value);
        }
        let (ws, _) = connect_async(request).await?;
        Ok(Connection {
            ws,
            timeout: DEFAULT_FRAME_TIMEOUT,
            traffic: None,
            version: volley_shared::protocol::PROTOCOL_VERSION,
            cut: false,
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

    /// Sends the opening and reads the server's answer: the agreed
    /// version, or why there is none. A server that answers with anything
    /// but an answer frame speaks protocol version 1 only: the same hello
    /// then goes again in version 1, which this client still speaks.
    pub async fn open_with(&mut self, opening: &Opening) -> Result<u16, ClientError> {
        self.send_raw(codec::encode_opening(opening)?).await?;
        let bytes = self.recv_raw().await?;
        match codec::decode_answer(&bytes).map_err(SessionError::from)? {
            Some(Answer::Agreed { version }) => {
                self.version = version;
                Ok(version)
            }
            Some(Answer::Refused { served, message }) => Err(ClientError::Version(format!(
                "the server speaks {}..={}: {message}",
                served.min, served.max
            ))),
            None => {
                self.send_raw(wire::v1_hello(opening.hello.clone())?)
                    .await?;
                self.version = v1::VERSION;
                Ok(v1::VERSION)
            }
        }
    }

    /// The protocol version this connection speaks.
    pub fn version(&self) -> u16 {
        self.version
    }

    /// The next frame from a room, in whichever version was agreed.
    pub async fn recv_room<G: Game>(&mut self) -> Result<RoomServerFrame<G>, ClientError> {
        let bytes = self.recv_raw().await?;
        Ok(wire::decode_room(&bytes, self.version)?)
    }

    /// Sends a frame to a room, in whichever version was agreed.
    pub async fn send_room<G: Game>(
        &mut self,
        frame: &RoomClientFrame<G>,
    ) -> Result<(), ClientError> {
        self.send_raw(wire::encode_room(frame, self.version)?).await
    }

    /// The next frame from a coordinator, in whichever version was agreed.
    pub async fn recv_lobby(&mut self) -> Result<LobbyServerFrame, ClientError> {
        let bytes = self.recv_raw().await?;
        Ok(wire::decode_lobby(&bytes, self.version)?)
    }

    /// Sends a frame to a coordinator, in whichever version was agreed.
    pub async fn send_lobby(&mut self, frame: &LobbyClientFrame) -> Result<(), ClientError> {
        self.send_raw(wire::encode_lobby(frame, self.version)?)
            .await
    }

    /// Sends a frame of any type.
    pub async fn send<T: Serialize>(&mut self, frame: &T) -> Result<(), ClientError> {
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

    /// The next frame from the server, of the type the caller expects. A
    /// close is [`ClientError::Closed`] with its code and reason.
    pub async fn recv<T: DeserializeOwned>(&mut self) -> Result<T, ClientError> {
        let bytes = self.recv_raw().await?;
        codec::decode_server(&bytes).map_err(|e| ClientError::Session(e.into()))
    }

    /// The next binary frame's bytes, undecoded (the echo baselines).
    pub async fn recv_raw(&mut self) -> Result<Vec<u8>, ClientError> {
        if self.cut {
            return Err(ClientError::Closed("1006 cut by this client".into()));
        }
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

    /// Cuts the connection as a network drop would: the TCP stream is shut
    /// down with no WebSocket close frame, so the server sees an abnormal
    /// closure (1006), and nothing more is read from it (the next read is
    /// a lost connection at once, not a wait for frames a half-closed
    /// socket may still bring). For fault injection (the soak's drops).
    pub async fn cut(&mut self) {
        use tokio::io::AsyncWriteExt;
        if let MaybeTlsStream::Plain(tcp) = self.ws.get_mut() {
            let _ = tcp.shutdown().await;
        }
        self.cut = true;
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

#[cfg(test)]
mod tests;
