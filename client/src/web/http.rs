//! Small HTTP calls from the page to the Worker's JSON endpoints, read as
//! the `volley_shared::api` bodies (parsed in Rust: JavaScript numbers
//! would round 64-bit values).

use serde::de::DeserializeOwned;
use volley_shared::api::ErrorBody;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

/// POSTs to `path` on this origin; returns the answer, or the error the
/// server gave (its `error` field) or the network's.
pub async fn post<T: DeserializeOwned>(path: &str) -> Result<T, String> {
    post_as(path, None).await
}

/// [`post`] with `Authorization: Bearer <bearer>` when given (a guest
/// token travels there, never in the URL).
pub async fn post_as<T: DeserializeOwned>(path: &str, bearer: Option<&str>) -> Result<T, String> {
    parse(&request("POST", path, bearer).await.map_err(|e| e.message)?)
}

/// [`post_as`], telling a refusal (403) from any other failure:
/// `Err(Some(message))` for a refusal, with the server's message (an
/// `{"error"}` body's), which says whose.
pub async fn post_as_or_refused<T: DeserializeOwned>(
    path: &str,
    bearer: &str,
) -> Result<T, Option<String>> {
    match request("POST", path, Some(bearer)).await {
        Ok(text) => parse(&text).map_err(|_| None),
        Err(Failure {
            status: Some(403),
            message,
        }) => Err(Some(message)),
        Err(_) => Err(None),
    }
}

/// GETs `path` on this origin, like [`post`].
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, String> {
    parse(&request("GET", path, None).await.map_err(|e| e.message)?)
}

/// GETs `path` on this origin and returns the body as text.
pub async fn get_text(path: &str) -> Result<String, String> {
    request("GET", path, None).await.map_err(|e| e.message)
}

/// Why a request failed: for people, with the status if one came.
struct Failure {
    status: Option<u16>,
    message: String,
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure {
            status: None,
            message: message.to_string(),
        }
    }
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("the server's answer made no sense: {e}"))
}

async fn request(method: &str, path: &str, bearer: Option<&str>) -> Result<String, Failure> {
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(token) = bearer {
        let headers = Headers::new().map_err(|_| "no headers")?;
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(|_| "a token that cannot be sent")?;
        init.set_headers(&headers);
    }
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| "the server cannot be reached")?
        .dyn_into()
        .map_err(|_| "not a response")?;
    let text = JsFuture::from(response.text().map_err(|_| "no body")?)
        .await
        .map_err(|_| "no body")?
        .as_string()
        .ok_or("not text")?;
    if response.ok() {
        Ok(text)
    } else {
        Err(Failure {
            status: Some(response.status()),
            message: serde_json::from_str::<ErrorBody>(&text)
                .map(|body| body.error)
                .unwrap_or_else(|_| format!("the server answered {}", response.status())),
        })
    }
}
