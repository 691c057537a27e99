//! Everything the Volley server, the browser client and the bots agree on.
//!
//! # Layout
//!
//! - [`ids`]: newtype identifiers (`PlayerId`, `Seat`, `RoomId`) and game modes.
//! - [`game`]: the `Game` trait, everything the room engine needs from a
//!   turn-based game, with the outcome and rule-error types every game shares.
//! - [`protocol`]: the frames on the wire, `ClientFrame` (client to server) and
//!   `ServerFrame` (server to client), generic over the game, with error and
//!   close codes.
//! - [`codec`]: the one `encode` / `decode` pair around bincode, with size limits.
//! - [`artillery`]: Volley's game for 2 to 4 tanks (terrain, weapons,
//!   ballistics, damage, turns), deterministic for a given seed and moves.
//! - [`connect_four`]: a second, tiny game that keeps the `Game` trait honest.
//! - [`replay`]: a room's action log, and playing it again with the rules.
//! - [`ai`]: an aiming AI that plays by simulating shots with those rules.
//!
//! Nothing here does I/O, reads a clock or draws from a thread-local RNG:
//! time and seeds are always passed in, so the same code runs natively, in the
//! Worker and in the browser, and gives the same results everywhere.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod ai;
pub mod artillery;
pub mod codec;
pub mod connect_four;
pub mod game;
pub mod ids;
pub mod protocol;
pub mod replay;

pub use codec::{CodecError, decode_client, decode_server, encode};
pub use game::{Game, Outcome, RuleError, Viewer};
pub use ids::{Mode, PlayerId, RoomId, Seat};
pub use protocol::{ClientFrame, ErrorCode, PROTOCOL_VERSION, Role, ServerFrame};
