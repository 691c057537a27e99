//! A browser WebSocket that carries Volley's binary frames, whatever game
//! or version they are in (the page reads them with `crate::wire::Inbox`).
//!
//! The socket owns its event closures, so dropping it detaches them.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

/// What a socket reports to its owner.
pub enum SocketEvent {
    /// It is open.
    Open,
    /// A binary message arrived.
    Bytes(Vec<u8>),
    /// It closed, with this code.
    Closed(u16),
}

/// One open WebSocket and its handlers.
pub struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    /// Opens `url` (ws:// or wss://) and calls `handler` for everything
    /// that happens on it.
    pub fn open(
        url: &str,
        handler: impl Fn(SocketEvent) + Clone + 'static,
    ) -> Result<Socket, JsValue> {
        Socket::open_offering(url, &[], handler)
    }

    /// [`Socket::open`], offering these subprotocols (a page's guest token
    /// travels as one, never in the URL, which servers log).
    pub fn open_offering(
        url: &str,
        subprotocols: &[String],
        handler: impl Fn(SocketEvent) + Clone + 'static,
    ) -> Result<Socket, JsValue> {
        let ws = if subprotocols.is_empty() {
            WebSocket::new(url)?
        } else {
            let offered: js_sys::Array =
                subprotocols.iter().map(|p| JsValue::from_str(p)).collect();
            WebSocket::new_with_str_sequence(url, &offered)?
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_open = {
            let handler = handler.clone();
            Closure::<dyn FnMut(Event)>::new(move |_| handler(SocketEvent::Open))
        };
        let on_message = {
            let handler = handler.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() {
                    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                    handler(SocketEvent::Bytes(bytes));
                }
            })
        };
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            handler(SocketEvent::Closed(event.code()));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends bytes as one binary message; a socket that is not open drops
    /// them.
    pub fn send_bytes(&self, bytes: &[u8]) {
        let _ = self.ws.send_with_u8_array(bytes);
    }

    /// Closes the socket normally.
    pub fn close(&self) {
        let _ = self.ws.close();
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
    }
}
