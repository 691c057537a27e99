//! Hibernation attachments stored as hex text of a bincode blob.
//!
//! `WebSocket::serialize_attachment` converts through `serde_wasm_bindgen`,
//! which refuses 64-bit integers above 2^53 (player ids are random u64s) and
//! would turn bytes into a number array. A hex string of bincode
//! ([`crate::blob`], with its limit) is compact, exact, and well under the
//! runtime's 2,048-byte attachment limit.

use crate::blob::{self, BlobError, Kind, Versioned};
use crate::error::Result;
use worker::WebSocket;

/// Stores `value` as the socket's attachment.
pub fn store<T: Versioned>(ws: &WebSocket, value: &T) -> Result<()> {
    let bytes = blob::encode(Kind::Attachment, value)?;
    Ok(ws.serialize_attachment(hex::encode(bytes))?)
}

/// Reads the socket's attachment, if it has one.
pub fn load<T: Versioned>(ws: &WebSocket) -> Result<Option<T>> {
    let Some(text) = ws.deserialize_attachment::<String>()? else {
        return Ok(None);
    };
    let bytes = hex::decode(text)
        .map_err(|e| BlobError::Decode(Kind::Attachment, format!("not hex: {e}")))?;
    Ok(Some(blob::decode(Kind::Attachment, &bytes)?))
}
