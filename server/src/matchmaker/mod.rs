//! The coordinator.
//!
//! Pure: the matching [`queue`], [`seating`], [`stats`], [`ratings`],
//! join [`codes`], a regional shard's [`arrivals`] and [`hand_over`], the
//! [`lobby`] frames on ticket sockets, and which [`shards`] a ticket goes
//! to. The `Matchmaker` Durable Object around them: [`durable`], with its
//! [`storage`].

pub mod arrivals;
pub mod codes;
pub mod durable;
pub mod hand_over;
pub mod lobby;
pub mod ops;
pub mod pending;
pub mod queue;
pub mod ratings;
pub mod seating;
pub mod shards;
pub mod stats;
pub mod storage;
