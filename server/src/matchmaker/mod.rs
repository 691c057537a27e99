//! The coordinator: the pure [`queue`] and the `Matchmaker` Durable Object.

pub mod durable;
pub mod queue;
