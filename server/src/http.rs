//! Small HTTP helpers shared by the routes and the Durable Objects.
//! (Error responses come from [`crate::error::ServerError`].)

use crate::error::ServerError;
use volley_shared::Mode;
use worker::{Request, State};

/// Whether the request asks for a WebSocket upgrade.
pub fn is_websocket_upgrade(req: &Request) -> bool {
    req.headers()
        .get("Upgrade")
        .ok()
        .flatten()
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// A request's query parameters, read once: each read of
/// `Request::url` crosses into JavaScript and parses the URL again, which
/// a ticket's hot path would otherwise do five times in the Worker and
/// five times in its shard.
pub struct Query(Vec<(String, String)>);

impl Query {
    /// The parameters of `req` (none if its URL cannot be read).
    pub fn of(req: &Request) -> Query {
        Query(
            req.url()
                .map(|url| {
                    url.query_pairs()
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The mode named by `?mode=` (a duel when there is none).
    pub fn mode(&self) -> Result<Mode, ServerError> {
        let name = self.get("mode").unwrap_or("duel");
        Mode::parse(name).ok_or_else(|| {
            let known: Vec<&str> = Mode::ALL.iter().map(|m| m.as_str()).collect();
            ServerError::BadRequest(format!(
                "unknown mode {name:?}; modes are {}",
                known.join(", ")
            ))
        })
    }
}

/// The value of a query parameter.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    Query::of(req).get(name).map(str::to_string)
}

/// The current time in ms since the Unix epoch.
pub fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// A field of the request's `cf` object (continent, country, longitude,
/// ...) as text, read without the `worker` accessors that unwrap (a bad
/// value there would panic, and a panic resets every object in the
/// isolate).
pub fn cf_field(req: &Request, name: &str) -> Option<String> {
    let cf = js_sys::Reflect::get(req.inner(), &"cf".into()).ok()?;
    if cf.is_undefined() || cf.is_null() {
        return None;
    }
    let value = js_sys::Reflect::get(&cf, &name.into()).ok()?;
    value
        .as_string()
        .or_else(|| value.as_f64().map(|n| n.to_string()))
}

/// The continent a test says a client is on, if test hooks are on and the
/// request names one of Cloudflare's continent codes in
/// [`volley_shared::api::TEST_CONTINENT_HEADER`]; `None` otherwise (then
/// `request.cf` says).
pub fn test_continent(req: &Request, test_hooks: bool) -> Option<String> {
    if !test_hooks {
        return None;
    }
    let named = req
        .headers()
        .get(volley_shared::api::TEST_CONTINENT_HEADER)
        .ok()
        .flatten()?;
    let region = crate::matchmaker::shards::Region::from_continent(&named)?;
    Some(region.continent().to_string())
}

/// The mode named by `?mode=` (a duel when there is none).
pub fn mode_param(req: &Request) -> Result<Mode, ServerError> {
    Query::of(req).mode()
}

/// The key the client's address is limited by ([`crate::address`]).
pub fn address_key(req: &Request) -> Option<String> {
    let address = req.headers().get("CF-Connecting-IP").ok().flatten();
    crate::address::limit_key(address.as_deref())
}

/// The tag to accept a socket from this request's address with
/// (`addr:<key>`; `None` for an address that is not limited), or a 429
/// when the address already holds `most` of the object's sockets, which
/// the tag counts without reading any socket. `what` names them in the
/// refusal: "at most {most} {what} from one address".
pub fn address_tag_within(
    state: &State,
    req: &Request,
    most: usize,
    what: &str,
) -> Result<Option<String>, ServerError> {
    let Some(key) = address_key(req) else {
        return Ok(None);
    };
    let tag = format!("addr:{key}");
    if state.get_websockets_with_tag(&tag).len() >= most {
        return Err(ServerError::TooManyRequests(format!(
            "at most {most} {what} from one address"
        )));
    }
    Ok(Some(tag))
}

/// Whether a socket is still open: not yet closed by either side (the
/// runtime's `readyState` is `OPEN`). Frames that arrive after the server
/// closed a socket are still delivered; this tells them apart.
pub fn still_open(ws: &worker::WebSocket) -> bool {
    const OPEN: f64 = 1.0;
    let web: &worker::web_sys::WebSocket = ws.as_ref();
    js_sys::Reflect::get(web, &"readyState".into())
        .ok()
        .and_then(|state| state.as_f64())
        == Some(OPEN)
}
