//! Small HTTP calls from the page to the Worker's JSON endpoints, read as
//! the `volley_shared::api` bodies (parsed in Rust: JavaScript numbers
//! would round 64-bit values).

use serde::de::DeserializeOwned;
use volley_shared::api::ErrorBody;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

/// POSTs to `path` on this origin; returns the answer, or the error the
/// server gave (its `error` field) or the network's.
pub async fn post<T: DeserializeOwned>(path: &str) -> Result<T, String> {
    parse(&request("POST", path).await?)
}

/// GETs `path` on this origin, like [`post`].
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, String> {
    parse(&request("GET", path).await?)
}

/// GETs `path` on this origin and returns the body as text.
pub async fn get_text(path: &str) -> Result<String, String> {
    request("GET", path).await
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("the server's answer made no sense: {e}"))
}

async fn request(method: &str, path: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_method(method);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| "the server cannot be reached".to_string())?
        .dyn_into()
        .map_err(|_| "not a response".to_string())?;
    let text = JsFuture::from(response.text().map_err(|_| "no body".to_string())?)
        .await
        .map_err(|_| "no body".to_string())?
        .as_string()
        .ok_or_else(|| "not text".to_string())?;
    if response.ok() {
        Ok(text)
    } else {
        Err(serde_json::from_str::<ErrorBody>(&text)
            .map(|body| body.error)
            .unwrap_or_else(|_| format!("the server answered {}", response.status())))
    }
}
