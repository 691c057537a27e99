//! Sending server frames on a socket, shared by both Durable Objects.
//!
//! A send to a socket that has gone away meanwhile is not an error worth
//! failing a handler for: the runtime drops it and the close handler follows.

use volley_shared::codec;
use volley_shared::protocol::{ErrorCode, ServerFrame};
use worker::WebSocket;

/// Sends one frame.
pub fn send(ws: &WebSocket, frame: &ServerFrame) {
    match codec::encode(frame) {
        Ok(bytes) => {
            let _ = ws.send_with_bytes(&bytes);
        }
        Err(err) => worker::console_error!("could not encode {frame:?}: {err}"),
    }
}

/// Sends an `Error` frame; the connection stays open.
pub fn send_error(ws: &WebSocket, code: ErrorCode, message: &str) {
    send(
        ws,
        &ServerFrame::Error {
            code,
            message: message.to_string(),
        },
    );
}
