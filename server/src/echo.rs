//! The `EchoRoom` Durable Object: the baseline Volley's benchmarks measure
//! against (issue 7). It answers every binary WebSocket frame with the same
//! bytes and every HTTP request with a small body, doing nothing else, so a
//! load run can compare a move's round trip through a room with one frame's
//! round trip through a Durable Object on the same machine.
//!
//! Its routes exist only when `wrangler dev --var VOLLEY_BENCH:1` turns them
//! on; a normal deployment answers them with 404.

use crate::http::{self, error};
use worker::{
    DurableObject, Env, Request, Response, Result, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair, durable_object,
};

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
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        Response::from_websocket(pair.client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        match message {
            WebSocketIncomingMessage::Binary(bytes) => ws.send_with_bytes(&bytes),
            WebSocketIncomingMessage::String(text) => ws.send_with_str(&text),
        }
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
pub async fn route(req: Request, env: &Env) -> Result<Response> {
    if !enabled(env) {
        return error(404, "benchmark routes are off (VOLLEY_BENCH)");
    }
    let shard = http::query_param(&req, "shard").unwrap_or_else(|| "0".into());
    env.durable_object(ECHO_BINDING)?
        .get_by_name(&format!("echo:{shard}"))?
        .fetch_with_request(req)
        .await
}
