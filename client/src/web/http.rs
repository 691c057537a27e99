//! Small HTTP calls from the page to the Worker's JSON endpoints.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

/// POSTs to `path` on this origin; returns the JSON answer, or the error the
/// server gave (its `error` field) or the network's.
pub async fn post(path: &str) -> Result<JsValue, String> {
    request("POST", path).await
}

/// GETs `path` on this origin, like [`post`].
pub async fn get(path: &str) -> Result<JsValue, String> {
    request("GET", path).await
}

async fn request(method: &str, path: &str) -> Result<JsValue, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_method(method);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| "the server cannot be reached".to_string())?
        .dyn_into()
        .map_err(|_| "not a response".to_string())?;
    let json = JsFuture::from(response.json().map_err(|_| "no body".to_string())?)
        .await
        .map_err(|_| format!("the server answered {}", response.status()))?;
    if response.ok() {
        Ok(json)
    } else {
        Err(text(&json, "error")
            .unwrap_or_else(|| format!("the server answered {}", response.status())))
    }
}

/// GETs `path` on this origin and returns the body as text (for JSON the
/// page parses in Rust: JavaScript numbers would round 64-bit seeds).
pub async fn get_text(path: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|_| "the server cannot be reached".to_string())?
        .dyn_into()
        .map_err(|_| "not a response".to_string())?;
    if !response.ok() {
        return Err(format!("the server answered {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(|_| "no body".to_string())?)
        .await
        .map_err(|_| "no body".to_string())?;
    text.as_string().ok_or_else(|| "not text".to_string())
}

/// A text field of a JSON object.
pub fn text(object: &JsValue, field: &str) -> Option<String> {
    js_sys::Reflect::get(object, &field.into())
        .ok()?
        .as_string()
}

/// A number field of a JSON object.
pub fn number(object: &JsValue, field: &str) -> Option<f64> {
    js_sys::Reflect::get(object, &field.into()).ok()?.as_f64()
}
