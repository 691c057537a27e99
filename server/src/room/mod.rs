//! One match.
//!
//! Pure (no `worker` types, unit-tested natively with a manual clock):
//! - [`engine`]: the room as a state machine over any `Game`, with its
//!   [`phase`], the [`effects`] it returns and its [`refusals`] (its
//!   flood limits are [`crate::flood`], shared with the coordinator);
//! - [`inbound`] and [`outbound`]: bytes to frames and frames to bytes, in
//!   the protocol version each socket speaks;
//! - [`any`]: a room of whichever game its mode plays;
//! - [`record`]: the stored room record and its formats.
//!
//! The `GameRoom` Durable Object around them: [`durable`], with its
//! [`storage`] and [`wakeups`] counting for the idle benchmark.

pub mod any;
pub mod durable;
pub mod effects;
pub mod engine;
pub mod inbound;
pub mod outbound;
pub mod phase;
pub mod record;
pub mod refusals;
pub mod storage;
pub mod wakeups;
