//! Everything the Volley server, the browser client and the bots agree on.
//!
//! # Layout
//!
//! - [`ids`]: newtype identifiers (`PlayerId`, `Seat`, `RoomId`) and game modes.
//! - [`games`]: [`GameKind`], the one table of the games Volley hosts; a
//!   mode names the game it plays.
//! - [`game`]: the `Game` trait, everything the room engine needs from a
//!   turn-based game, with the outcome and rule-error types every game shares.
//! - [`protocol`]: the frames on the wire: the fixed opening that settles the
//!   version, the coordinator's (`lobby`) and the rooms' (`room`, generic
//!   over the game) frames, version 1 kept byte for byte (`v1`), error and
//!   close codes.
//! - [`codec`]: the one `encode` / `decode` pair around bincode, with size limits.
//! - [`api`]: the JSON bodies of the HTTP routes.
//! - [`artillery`]: Volley's game for 2 to 4 tanks (terrain, weapons,
//!   ballistics, damage, turns), deterministic for a given seed and moves,
//!   with its aiming AI (`artillery::ai`).
//! - [`connect_four`]: Connect Four, with a search AI (`connect_four::ai`).
//! - [`replay`]: a room's action log, and playing it again with the rules.
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

pub mod api;
pub mod artillery;
pub mod codec;
pub mod connect_four;
pub mod game;
pub mod games;
pub mod ids;
pub mod names;
pub mod protocol;
pub mod replay;

pub use codec::{CodecError, encode};
pub use game::{Game, Outcome, RuleError, Viewer};
pub use games::GameKind;
pub use ids::{Mode, PlayerId, RoomId, Seat};
pub use protocol::{ErrorCode, PROTOCOL_VERSION, Role};
