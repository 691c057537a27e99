//! Hibernation attachments stored as bincode in a hex string.
//!
//! `WebSocket::serialize_attachment` converts through `serde_wasm_bindgen`,
//! which refuses 64-bit integers above 2^53 (player ids are random u64s) and
//! would turn bytes into a number array. A hex string of bincode is compact,
//! exact, and well under the 2,048-byte attachment limit.

use serde::{Serialize, de::DeserializeOwned};
use worker::{Error, Result, WebSocket};

/// Stores `value` as the socket's attachment.
pub fn store<T: Serialize>(ws: &WebSocket, value: &T) -> Result<()> {
    let bytes = bincode::serde::encode_to_vec(value, bincode::config::standard())
        .map_err(|e| Error::RustError(format!("could not encode attachment: {e}")))?;
    ws.serialize_attachment(hex::encode(bytes))
}

/// Reads the socket's attachment, if it has one of this type.
pub fn load<T: DeserializeOwned>(ws: &WebSocket) -> Result<Option<T>> {
    let Some(text) = ws.deserialize_attachment::<String>()? else {
        return Ok(None);
    };
    let bytes = hex::decode(text).map_err(|e| Error::RustError(format!("bad attachment: {e}")))?;
    bincode::serde::decode_from_slice(&bytes, bincode::config::standard())
        .map(|(value, _)| Some(value))
        .map_err(|e| Error::RustError(format!("bad attachment: {e}")))
}
