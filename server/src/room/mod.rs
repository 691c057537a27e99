//! One match: the pure [`engine`] and the `GameRoom` Durable Object around it.

pub mod durable;
pub mod engine;
mod record;
