//! The `EchoRoom` Durable Object: the baseline Volley's benchmarks measure
//! against (issue 7). It answers every binary WebSocket frame with the same
//! bytes and every HTTP request with a small body, doing nothing else, so a
//! load run can compare a move's round trip through a room with one frame's
//! round trip through a Durable Object on the same machine.
//!
//! With `?write=1` on the WebSocket URL, the object also writes one row to
//! its SQLite storage before echoing each frame: the same durable write a
//! move costs a room (the runtime holds the echo until the write is
//! committed); with `?alarm=1` it also moves its alarm, as a room moves its
//! turn deadline. So benchmarks can tell what storage and alarms cost.
//!
//! Its routes exist only when `wrangler dev --var VOLLEY_BENCH:1` turns them
//! on; a normal deployment answers them with 404.

use crate::error::ServerError;
use crate::http;
use serde::{Deserialize, Serialize};
use worker::{
    DurableObject, Env, Request, Response, Result, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair, durable_object,
};

/// What an echo socket does besides echoing (set by the URL's query).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
struct Work {
    /// Write one SQLite row per frame (`write=1`).
    write: bool,
    /// Move the object's alarm per frame (`alarm=1`).
    alarm: bool,
}

/// The `wrangler.jsonc` binding of the echo namespace.
pub const ECHO_BINDING: &str = "ECHO";

/// One echo object.
#[durable_object]
pub struct EchoRoom {
    state: State,
    _env: Env,
}

impl DurableObject for EchoRoom {
    fn new(state: State, env: Env) -> Self {
        Self { state, _env: env }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if !http::is_websocket_upgrade(&req) {
            return Response::ok("echo");
        }
        let on = |name| http::query_param(&req, name).is_some_and(|v| v == "1");
        let work = Work {
            write: on("write"),
            alarm: on("alarm"),
        };
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        pair.server.serialize_attachment(work)?;
        Response::from_websocket(pair.client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let work = ws.deserialize_attachment::<Work>()?.unwrap_or_default();
        if work.alarm {
            // Moved an hour ahead at every frame, as a room moves its
            // turn deadline at every move; it never fires in a benchmark.
            self.state
                .storage()
                .set_alarm(std::time::Duration::from_secs(3600))
                .await?;
        }
        if work.write {
            let sql = self.state.storage().sql();
            sql.exec(
                "CREATE TABLE IF NOT EXISTS echoes (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
                None,
            )?;
            sql.exec(
                "INSERT INTO echoes (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1",
                None,
            )?;
        }
        match message {
            WebSocketIncomingMessage::Binary(bytes) => ws.send_with_bytes(&bytes),
            WebSocketIncomingMessage::String(text) => ws.send_with_str(&text),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        Response::ok("nothing to do")
    }

    async fn websocket_close(
        &self,
        _ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> Result<()> {
        Ok(())
    }
}

/// Whether the benchmark routes are on (`VOLLEY_BENCH=1`, only ever passed
/// to `wrangler dev` by the benchmark tool and the tests).
pub fn enabled(env: &Env) -> bool {
    env.var("VOLLEY_BENCH")
        .is_ok_and(|v| v.to_string().trim() == "1")
}

/// `/api/bench/echo[/ws]?shard=N`: to echo object N (0 by default).
pub async fn route(req: Request, env: &Env) -> crate::error::Result<Response> {
    if !enabled(env) {
        return Err(ServerError::NotFound(
            "benchmark routes are off (VOLLEY_BENCH)".into(),
        ));
    }
    let shard = http::query_param(&req, "shard").unwrap_or_else(|| "0".into());
    Ok(env
        .durable_object(ECHO_BINDING)?
        .get_by_name(&format!("echo:{shard}"))?
        .fetch_with_request(req)
        .await?)
}
