//! Hostile clients the soak mixes in with the honest bots, each from an
//! address of its own (in `CF-Connecting-IP`), each expecting the refusal
//! RELIABILITY.md documents. What they get is judged, never assumed: a
//! socket that should have been refused and was not is a problem.

use super::stage::Stage;
use rand::{Rng, RngExt};
use std::time::Duration;
use url::Url;
use volley_client::native::{ClientError, Connection, ws_url};
use volley_shared::artillery::Artillery;
use volley_shared::codec;
use volley_shared::protocol::{ErrorCode, close, v1};

/// The kinds, taken in turn.
pub const KINDS: [Hostile; 6] = [
    Hostile::TicketFlood,
    Hostile::TicketGarbage,
    Hostile::TicketSocketLimit,
    Hostile::RoomGarbage,
    Hostile::SilentRoomSocket,
    Hostile::ForgedToken,
];

/// Sockets per address the server allows by default (`server/src/limits.rs`).
const SOCKETS_PER_ADDRESS: usize = 8;

/// One kind of hostile client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hostile {
    /// A ticket socket sending pings as fast as it can: cut off with 4008
    /// (or 4002 at the first-frame deadline, if the flood's refusals were
    /// spread out enough for the bucket to refill between them).
    TicketFlood,
    /// A ticket socket sending random bytes: error frames, then closed.
    TicketGarbage,
    /// One address opening one ticket socket more than its limit: 429.
    TicketSocketLimit,
    /// A room socket sending random bytes: error frames, then closed.
    RoomGarbage,
    /// A room socket that never says hello: closed with 4002 after the
    /// hello deadline.
    SilentRoomSocket,
    /// A room socket saying hello with a forged token: closed with 4001.
    ForgedToken,
}

impl Hostile {
    /// The kind's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Hostile::TicketFlood => "hostile:ticket_flood",
            Hostile::TicketGarbage => "hostile:ticket_garbage",
            Hostile::TicketSocketLimit => "hostile:ticket_socket_limit",
            Hostile::RoomGarbage => "hostile:room_garbage",
            Hostile::SilentRoomSocket => "hostile:silent_room_socket",
            Hostile::ForgedToken => "hostile:forged_token",
        }
    }

    /// Whether it attacks a live room (and is skipped before there is one).
    pub fn needs_room(self) -> bool {
        matches!(
            self,
            Hostile::RoomGarbage | Hostile::SilentRoomSocket | Hostile::ForgedToken
        )
    }

    /// Runs one client as `address` against `room` (a live room, for the
    /// kinds that need one) and says how it went: `Ok` with what happened
    /// when the server answered as it should.
    pub async fn run(
        self,
        stage: &Stage,
        address: &str,
        room: Option<&str>,
        rng: &mut impl Rng,
    ) -> Result<String, String> {
        let base = stage.base();
        let tickets = url(base, "/api/matchmake?mode=duel")?;
        let room_ws = |room: Option<&str>| match room {
            Some(room) => url(base, &format!("/api/rooms/{room}/ws")),
            None => Err("no live room to attack yet".to_string()),
        };
        // Every close below is bounded by the connection's frame timeout.
        let patience = Duration::from_millis(stage.hello_ms()) + Duration::from_secs(10);
        match self {
            Hostile::TicketFlood => {
                let mut conn = open(&tickets, address, patience).await?;
                let ping = codec::encode(&v1::ClientFrame::<Artillery>::Ping { nonce: 1 })
                    .map_err(|e| e.to_string())?;
                for _ in 0..400 {
                    if conn.send_raw(ping.clone()).await.is_err() {
                        break;
                    }
                }
                // Cut off for flooding, or, on a slow server whose bucket
                // refilled meanwhile, for sending no FindMatch in time.
                expect_close(&mut conn, &[close::RATE_LIMITED, close::PROTOCOL_VIOLATION]).await
            }
            Hostile::TicketGarbage => {
                let mut conn = open(&tickets, address, patience).await?;
                send_garbage(&mut conn, rng).await;
                expect_close(&mut conn, &[close::PROTOCOL_VIOLATION, close::RATE_LIMITED]).await
            }
            Hostile::RoomGarbage => {
                let mut conn = open(&room_ws(room)?, address, patience).await?;
                send_garbage(&mut conn, rng).await;
                expect_close(&mut conn, &[close::PROTOCOL_VIOLATION, close::RATE_LIMITED]).await
            }
            Hostile::SilentRoomSocket => {
                let mut conn = open(&room_ws(room)?, address, patience).await?;
                expect_close(&mut conn, &[close::PROTOCOL_VIOLATION]).await
            }
            Hostile::ForgedToken => {
                let mut conn = open(&room_ws(room)?, address, patience).await?;
                let hello = v1::ClientFrame::<Artillery>::Hello {
                    protocol: v1::VERSION,
                    token: "forged.token".into(),
                    last_seq: 0,
                };
                conn.send(&hello).await.map_err(|e| e.to_string())?;
                expect_close(&mut conn, &[close::BAD_TOKEN]).await
            }
            Hostile::TicketSocketLimit => {
                let mut held = Vec::new();
                for n in 0..SOCKETS_PER_ADDRESS {
                    held.push(
                        open(&tickets, address, patience).await.map_err(|e| {
                            format!("socket {} of {SOCKETS_PER_ADDRESS}: {e}", n + 1)
                        })?,
                    );
                }
                let verdict = match Connection::open_as(&tickets, address).await {
                    Ok(_) => Err(format!(
                        "socket {} from one address was accepted",
                        SOCKETS_PER_ADDRESS + 1
                    )),
                    Err(err) if err.to_string().contains("429") => {
                        Ok(format!("socket {} refused: {err}", SOCKETS_PER_ADDRESS + 1))
                    }
                    Err(err) => Err(format!("refused, but not with 429: {err}")),
                };
                for conn in held {
                    conn.close().await;
                }
                verdict
            }
        }
    }
}

fn url(base: &Url, path: &str) -> Result<Url, String> {
    ws_url(base, path).map_err(|e| e.to_string())
}

async fn open(url: &Url, address: &str, patience: Duration) -> Result<Connection, String> {
    Connection::open_as(url, address)
        .await
        .map(|conn| conn.with_timeout(patience))
        .map_err(|e| format!("could not connect: {e}"))
}

/// Twenty frames of random bytes, each starting with a byte no frame
/// starts with, so none decodes by chance.
async fn send_garbage(conn: &mut Connection, rng: &mut impl Rng) {
    for _ in 0..20 {
        let len = rng.random_range(1..64);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if let Some(first) = bytes.first_mut() {
            *first = 0xEE;
        }
        if conn.send_raw(bytes).await.is_err() {
            return;
        }
    }
}

/// Reads until the server closes the socket; `Ok` when it closes with one
/// of `codes` (error frames before it are counted, any other frame is
/// ignored: a flood's pongs).
async fn expect_close(conn: &mut Connection, codes: &[u16]) -> Result<String, String> {
    let mut errors = 0;
    loop {
        match conn.recv::<v1::ServerFrame<Artillery>>().await {
            Ok(v1::ServerFrame::Error { code, .. }) => {
                errors += 1;
                if code == ErrorCode::Internal {
                    return Err("the server answered with an internal error".into());
                }
            }
            Ok(_) => {}
            // Not every refusal is a version 1 frame (an opening's answer).
            Err(ClientError::Session(_) | ClientError::Codec(_)) => {}
            Err(ClientError::Closed(reason)) => {
                let code = reason
                    .split_whitespace()
                    .next()
                    .and_then(|c| c.parse().ok());
                return match code {
                    Some(code) if codes.contains(&code) => {
                        Ok(format!("{errors} error frame(s), then closed: {reason}"))
                    }
                    _ => Err(format!(
                        "closed with {reason} after {errors} error frame(s); expected {codes:?}"
                    )),
                };
            }
            Err(err) => return Err(format!("{err} after {errors} error frame(s)")),
        }
    }
}
