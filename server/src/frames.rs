//! Reading client frames from a socket and sending server frames on it,
//! shared by both Durable Objects.
//!
//! A send to a socket that has gone away meanwhile is not an error worth
//! failing a handler for: the runtime drops it and the close handler follows.

use crate::room::durable::RoomGame;
use volley_shared::codec::{self, CodecError};
use volley_shared::protocol::{ClientFrame, ErrorCode, ServerFrame};
use worker::{WebSocket, WebSocketIncomingMessage};

/// Decodes an incoming message. A text, malformed or oversized message is
/// answered with an `Error` frame on `ws` and gives `None`; the connection
/// stays open.
pub fn receive(ws: &WebSocket, message: WebSocketIncomingMessage) -> Option<ClientFrame<RoomGame>> {
    let WebSocketIncomingMessage::Binary(bytes) = message else {
        send_error(
            ws,
            ErrorCode::MalformedFrame,
            "Volley speaks binary frames only",
        );
        return None;
    };
    match codec::decode_client(&bytes) {
        Ok(frame) => Some(frame),
        Err(err) => {
            let code = match err {
                CodecError::TooLarge { .. } => ErrorCode::FrameTooLarge,
                _ => ErrorCode::MalformedFrame,
            };
            send_error(ws, code, &err.to_string());
            None
        }
    }
}

/// Sends one frame.
pub fn send(ws: &WebSocket, frame: &ServerFrame<RoomGame>) {
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
