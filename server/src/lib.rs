//! The Volley Worker: HTTP routes, the coordinator and the game rooms.
//!
//! # Layout
//!
//! - [`routes`]: the Worker's entry point; sends each request to the right
//!   Durable Object.
//! - [`matchmaker`]: the coordinator. [`matchmaker::queue`] is the pure
//!   matching logic, [`matchmaker::durable`] the `Matchmaker` Durable Object.
//! - [`room`]: one match. [`room::engine`] is the pure state machine and
//!   [`room::effects`] what it asks for (including its timers);
//!   [`room::flood`] the per-connection rate limits; [`room::storage`] its
//!   SQLite tables; [`room::durable`] the `GameRoom` Durable Object that
//!   loads it, feeds it frames and timers, and carries out its effects.
//!   `ARCHITECTURE.md` draws the phases, timers and storage.
//! - [`internal`]: the messages the coordinator sends rooms over `fetch`.
//! - [`token`]: signed join tokens. [`location`]: continents to location hints.
//! - [`config`]: settings read from the environment, with clear errors.
//! - [`echo`]: the `EchoRoom` Durable Object, the benchmarks' baseline,
//!   routed only when `VOLLEY_BENCH=1`.
//! - `sql`, `attachment`, `frames`, `http`: small helpers for storage values,
//!   socket attachments, frames on sockets, and HTTP answers.
//!
//! Pure modules (`engine`, `effects`, `flood`, `queue`, `token`, `location`) use no `worker`
//! types and are unit-tested natively. A panic in a Worker resets every
//! object in the isolate, so nothing here unwraps or indexes on input paths.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod alarm;
pub mod config;
pub mod echo;
pub mod internal;
pub mod location;
pub mod matchmaker;
pub mod room;
pub mod routes;
pub mod token;

mod attachment;
mod frames;
mod http;
mod sql;
