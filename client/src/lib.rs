//! Volley's client side, shared by the headless bot and the browser game.
//!
//! # Layout
//!
//! - [`game`]: what a client needs from each game beyond the shared rules
//!   ([`game::ClientGame`]): checking the server's events, and the AI.
//! - [`lobby`]: what a client says to the coordinator and how it reads the
//!   answers, without I/O.
//! - [`session`]: a player's view of one game of any kind, without I/O: it
//!   builds the frames for its moves, checks the order of events, checks
//!   each on a local copy of the rules, and says whose turn it is.
//! - [`bot`]: how a bot decides its moves.
//! - [`wire`]: reading a socket's answer and then its frames, for the
//!   browser's callback-driven sockets.
//! - `native` (not on wasm32): the tokio + tokio-tungstenite transport and
//!   the loops that matchmake and play a whole game; used by `volley-bot`
//!   and the end-to-end tests.
//! - `web` (only on wasm32): the browser game, built with
//!   `wasm-bindgen --target web` into `client/web/dist` by
//!   `scripts/build-web` and served by the Worker's static assets.
#![forbid(unsafe_code)]

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod bot;
pub mod game;
#[cfg(not(target_arch = "wasm32"))]
pub mod load;
pub mod lobby;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod session;
#[cfg(target_arch = "wasm32")]
mod web;
pub mod wire;
