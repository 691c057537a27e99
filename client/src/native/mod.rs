//! The native transport (tokio + tokio-tungstenite) and the loops that
//! matchmake and play whole games of any game a client knows. Used by
//! `volley-bot`, its load tool and the tests.
//!
//! - this file: [`ClientError`] and the [`Traffic`] counters.
//! - [`connection`]: one WebSocket speaking frames, and the opening
//!   handshake that settles the protocol version.
//! - [`client`]: a [`Client`] of one server: tickets, private rooms, room
//!   sockets, HTTP.
//! - [`play`]: playing a whole game as a bot, with its [`GameReport`].
//! - [`thinking`]: the bot's search, on a thread of the lowest priority.

mod client;
mod connection;
mod play;
mod thinking;

pub use client::{
    Client, PrivateRoom, http_body, http_json, matchmake, matchmake_with, open_room, open_ticket,
};
pub use connection::{Connection, DEFAULT_FRAME_TIMEOUT, WsError, ws_url};
pub use play::{GameReport, MoveTiming, PlayStyle, play};

use crate::session::SessionError;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use thiserror::Error;
use volley_shared::codec;

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
    /// The server speaks no protocol version this client speaks.
    #[error("no common protocol version: {0}")]
    Version(String),
}

impl ClientError {
    /// Whether the connection was lost (the server went away, restarted, or
    /// closed for a reason other than the game's or the client's own), so
    /// rejoining and resuming from the last event seen makes sense.
    pub fn lost_connection(&self) -> bool {
        use volley_shared::protocol::close;
        match self {
            ClientError::WebSocket(_) => true,
            ClientError::Closed(reason) => {
                let code = reason
                    .split_whitespace()
                    .next()
                    .and_then(|c| c.parse::<u16>().ok());
                !matches!(
                    code,
                    Some(
                        close::NORMAL
                            | close::CLIENT_TOO_OLD
                            | close::SERVER_TOO_OLD
                            | close::BAD_TOKEN
                            | close::PROTOCOL_VIOLATION
                            | close::RATE_LIMITED
                            | close::REPLACED
                            | close::ROOM_CLOSED
                    )
                )
            }
            _ => false,
        }
    }

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
            ClientError::Version(_) => "version".into(),
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

    pub(crate) fn sent(&self, bytes: usize) {
        self.frames_sent.fetch_add(1, Ordering::Relaxed);
        self.bytes_sent.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn received(&self, bytes: usize) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(ClientError::Version("old".into()).kind(), "version");
        // A dropped connection is worth rejoining; a refusal is not.
        assert!(ClientError::Closed("1006 abnormal".into()).lost_connection());
        assert!(ClientError::Closed("stream ended".into()).lost_connection());
        assert!(ClientError::Closed("4011 internal".into()).lost_connection());
        assert!(!ClientError::Closed("4009 replaced".into()).lost_connection());
        assert!(!ClientError::Closed("4001 bad token".into()).lost_connection());
        assert!(!ClientError::Timeout(Duration::from_secs(1)).lost_connection());
    }
}
