//! The server's one error type, which knows its HTTP status.
//!
//! Handlers return [`ServerError`]; only the edge (the Worker's entry point
//! and each Durable Object's `fetch`) turns it into a response with
//! [`ServerError::into_response`]. A client's mistake (4xx) says what was
//! wrong; the server's own failure (5xx) is logged in full and answered with
//! a fixed text, so no internal detail (storage errors, configuration,
//! stack of calls) reaches a client.

use crate::blob::BlobError;
use thiserror::Error;
use volley_shared::api::ErrorBody;
use worker::Response;

/// Everything a server handler can fail with.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The request is malformed or names something impossible (400).
    #[error("{0}")]
    BadRequest(String),
    /// The request's credentials are forged, expired or for something else
    /// (403).
    #[error("{0}")]
    Forbidden(String),
    /// There is no such thing (404).
    #[error("{0}")]
    NotFound(String),
    /// The path exists, the method does not (405).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// The endpoint takes a WebSocket upgrade (426).
    #[error("this endpoint takes a WebSocket upgrade")]
    UpgradeRequired,
    /// Too many requests from this client (429).
    #[error("{0}")]
    TooManyRequests(String),
    /// The object holds as many connections as its limit allows
    /// ([`crate::limits`]); the client may try again later (503).
    #[error("{0}")]
    Full(String),
    /// The Worker is misconfigured (500; the operator reads the log).
    #[error("configuration: {0}")]
    Config(String),
    /// A stored value, attachment or internal message is unreadable (500).
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A frame could not be encoded (500: a bug, or a snapshot over the
    /// frame limit).
    #[error("frame: {0}")]
    Frame(#[from] volley_shared::codec::CodecError),
    /// Another of the Worker's objects answered with a failure (502).
    #[error("{0}")]
    Upstream(String),
    /// The runtime would not create or reach an object in the jurisdiction
    /// the data must stay in (503): data residency is on
    /// ([`crate::residency`]) where jurisdictions are not available, as
    /// on `wrangler dev`. Nothing falls back to an unrestricted object.
    #[error("the {jurisdiction} jurisdiction is not available here: {reason}")]
    Jurisdiction {
        /// The jurisdiction asked for.
        jurisdiction: &'static str,
        /// What the runtime said.
        reason: String,
    },
    /// The platform failed: storage, a stub, a socket (500).
    #[error("platform: {0}")]
    Platform(#[from] worker::Error),
}

/// A handler's result.
pub type Result<T, E = ServerError> = std::result::Result<T, E>;

impl ServerError {
    /// The HTTP status that goes with it.
    pub fn status(&self) -> u16 {
        match self {
            ServerError::BadRequest(_) => 400,
            ServerError::Forbidden(_) => 403,
            ServerError::NotFound(_) => 404,
            ServerError::MethodNotAllowed => 405,
            ServerError::Conflict(_) => 409,
            ServerError::UpgradeRequired => 426,
            ServerError::TooManyRequests(_) => 429,
            ServerError::Upstream(_) => 502,
            ServerError::Full(_) | ServerError::Jurisdiction { .. } => 503,
            ServerError::Config(_)
            | ServerError::Blob(_)
            | ServerError::Frame(_)
            | ServerError::Platform(_) => 500,
        }
    }

    /// What the client is told: the error itself for its own mistakes, a
    /// fixed text for the server's.
    pub fn public_message(&self) -> String {
        match self {
            ServerError::Jurisdiction { jurisdiction, .. } => format!(
                "this data is kept in the {jurisdiction} jurisdiction, which this server cannot reach; it has been logged"
            ),
            ServerError::Full(_) => self.to_string(),
            _ if self.status() >= 500 => "internal error; it has been logged".to_string(),
            _ => self.to_string(),
        }
    }

    /// The JSON error response, logging server failures in full.
    pub fn into_response(self) -> worker::Result<Response> {
        let status = self.status();
        if status >= 500 && !matches!(self, ServerError::Full(_)) {
            crate::build::log_error!("{status}: {self}");
        }
        Ok(Response::from_json(&ErrorBody {
            error: self.public_message(),
        })?
        .with_status(status))
    }
}

/// Turns a handler's result into the response the runtime gets.
pub fn respond(result: Result<Response>) -> worker::Result<Response> {
    result.or_else(ServerError::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_mistakes_say_what_and_server_failures_say_nothing() {
        let bad = ServerError::BadRequest("unknown mode \"chess\"".into());
        assert_eq!(bad.status(), 400);
        assert_eq!(bad.public_message(), "unknown mode \"chess\"");
        let config = ServerError::Config("JOIN_SECRET is not set".into());
        assert_eq!(config.status(), 500);
        assert!(!config.public_message().contains("JOIN_SECRET"));
        let platform = ServerError::Platform(worker::Error::RustError("SQLITE_FULL".into()));
        assert_eq!(platform.status(), 500);
        assert!(!platform.public_message().contains("SQLITE"));
        assert_eq!(ServerError::UpgradeRequired.status(), 426);
        assert_eq!(
            ServerError::Upstream("room init answered 500".into()).status(),
            502
        );
    }

    #[test]
    fn a_jurisdiction_out_of_reach_is_named_and_the_runtimes_words_are_logged_only() {
        let refused = ServerError::Jurisdiction {
            jurisdiction: "eu",
            reason: "Jurisdiction restrictions are not implemented in workerd.".into(),
        };
        assert_eq!(refused.status(), 503);
        assert!(refused.public_message().contains("eu jurisdiction"));
        assert!(!refused.public_message().contains("workerd"));
        assert!(refused.to_string().contains("workerd"));
    }
}
