//! Where a request carries its guest token. The first release's pages put
//! it in the query (`?guest=`), where URLs are logged; a page can instead
//! send it in `Authorization: Bearer <token>` (HTTP) or, on a WebSocket,
//! whose headers a browser cannot set, as the subprotocol
//! `volley-guest.<token>` beside [`SUBPROTOCOL`], which the server answers
//! with (a browser fails a handshake that offered subprotocols and got
//! none back). Pages of this release send only the last two; the query is
//! still read for pages and bots of earlier releases.

use volley_shared::api::{GUEST_SUBPROTOCOL as GUEST_PREFIX, SUBPROTOCOL};
use worker::{Request, Response, WebSocket};

/// The request's guest token, from wherever it is (the query first).
pub fn token(req: &Request) -> Option<String> {
    if let Some(token) = crate::http::query_param(req, "guest") {
        return Some(token);
    }
    let header = |name: &str| req.headers().get(name).ok().flatten();
    if let Some(token) = header("Authorization").as_deref().and_then(from_bearer) {
        return Some(token.to_string());
    }
    header("Sec-WebSocket-Protocol")
        .as_deref()
        .and_then(from_subprotocols)
        .map(str::to_string)
}

/// The answer to a WebSocket upgrade accepted as `client`'s pair: names
/// [`SUBPROTOCOL`] when the request offered it (rooms and coordinators
/// alike, so a page may offer it on any socket).
pub fn websocket_response(req: &Request, client: WebSocket) -> worker::Result<Response> {
    let mut response = Response::from_websocket(client)?;
    if offers_subprotocol(req) {
        response
            .headers_mut()
            .set("Sec-WebSocket-Protocol", SUBPROTOCOL)?;
    }
    Ok(response)
}

/// Whether a WebSocket request offered [`SUBPROTOCOL`]: its answer must
/// then name it.
fn offers_subprotocol(req: &Request) -> bool {
    req.headers()
        .get("Sec-WebSocket-Protocol")
        .ok()
        .flatten()
        .is_some_and(|offered| offers(&offered))
}

fn offers(header: &str) -> bool {
    header.split(',').any(|p| p.trim() == SUBPROTOCOL)
}

/// The token in an `Authorization: Bearer <token>` header.
pub(crate) fn from_bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The token among the offered subprotocols (`volley, volley-guest.<t>`).
fn from_subprotocols(header: &str) -> Option<&str> {
    header
        .split(',')
        .find_map(|p| p.trim().strip_prefix(GUEST_PREFIX))
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_read_from_a_bearer_header_or_a_subprotocol() {
        assert_eq!(from_bearer("Bearer g.1.ab"), Some("g.1.ab"));
        assert_eq!(from_bearer("bearer  g.1.ab "), Some("g.1.ab"));
        assert_eq!(from_bearer("Basic abc"), None);
        assert_eq!(from_bearer("Bearer "), None);
        assert_eq!(
            from_subprotocols("volley, volley-guest.g.1.ab"),
            Some("g.1.ab")
        );
        assert_eq!(from_subprotocols("volley"), None);
        assert_eq!(from_subprotocols("volley-guest."), None);
        assert!(offers("volley-guest.g.1.ab, volley"));
        assert!(!offers("volley-guest.g.1.ab"));
        assert!(!offers("volleyball"));
    }
}
