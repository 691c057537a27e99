//! The Volley Worker: HTTP routes, the coordinator and the game rooms.
//!
//! # Layout
//!
//! - [`routes`]: the Worker's entry point; sends each request to the right
//!   Durable Object.
//! - [`matchmaker`]: the coordinator. [`matchmaker::queue`] is the pure
//!   matching logic, [`matchmaker::lobby`] its frames, and
//!   [`matchmaker::durable`] the `Matchmaker` Durable Object (tickets,
//!   matching, private rooms).
//! - [`room`]: one match. [`room::engine`] is the pure state machine over
//!   any game, [`room::inbound`] and [`room::outbound`] its frames in each
//!   protocol version, [`room::any`] the room of whichever game a mode
//!   plays, [`room::record`] and [`room::storage`] how it is stored, and
//!   [`room::durable`] the `GameRoom` Durable Object (sockets, effects,
//!   public routes, hooks). `ARCHITECTURE.md` draws the phases, timers and
//!   storage.
//! - [`player`]: the `Player` Durable Object, one per player: their rating
//!   and history in every mode, the same from every coordinator shard.
//! - [`internal`]: everything the coordinator, rooms and player objects
//!   exchange (room set-up, init, claim, result, ratings; bindings, shard
//!   names, stubs), so no Durable Object imports another.
//! - [`handshake`]: settling a socket's protocol version, for both.
//! - [`token`]: signed join tokens. [`location`]: continents to location hints.
//! - [`settings`]: settings read once per instance, with clear errors;
//!   [`time`]: a minute, an hour and a day in ms.
//! - [`tally`]: what the rooms and shards count for the operators'
//!   dashboard (closes, errors, refusals, moves' round trips).
//! - [`build`]: which build and which deployed version this code is.
//! - [`error`]: the one error type, which knows its HTTP status.
//! - [`blob`]: the one bincode helper for stored blobs, attachments and
//!   internal messages, with size limits.
//! - [`echo`]: the `EchoRoom` Durable Object, the benchmarks' baseline,
//!   routed only when `VOLLEY_BENCH=1`.
//! - `sql`, `attachment`, `http`, [`alarm`]: small helpers for storage
//!   values, socket attachments, HTTP, and the one alarm.
//!
//! Pure modules (`engine`, `effects`, `flood`, `inbound`, `outbound`, `any`,
//! `record`, `queue`, `lobby`, `handshake`, `token`, `location`, `settings`'s
//! parsing) use no Durable Object APIs and are unit-tested natively. A panic
//! in a Worker resets every object in the isolate, so nothing here unwraps
//! or indexes on input paths.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod address;
pub mod alarm;
pub mod blob;
pub mod build;
pub mod dashboard;
pub mod echo;
pub mod error;
pub mod flood;
pub mod guest;
pub mod handshake;
pub mod internal;
pub mod limits;
pub mod location;
pub mod matchmaker;
pub mod player;
pub mod residency;
pub mod room;
pub mod routes;
pub mod settings;
pub mod tally;
pub mod time;
pub mod token;

mod attachment;
mod http;
mod sql;
