//! One match: the pure [`engine`] with its [`effects`] and [`flood`] limits,
//! and the `GameRoom` Durable Object around them with its [`storage`].

pub mod durable;
pub mod effects;
pub mod engine;
pub mod flood;
pub mod storage;
pub mod wakeups;
