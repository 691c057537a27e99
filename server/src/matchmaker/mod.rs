//! The coordinator: the pure [`queue`] and [`stats`], the `Matchmaker`
//! Durable Object around them, and its [`storage`].

pub mod codes;
pub mod durable;
pub mod queue;
pub mod ratings;
pub mod stats;
pub mod storage;
