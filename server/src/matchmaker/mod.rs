//! The coordinator.
//!
//! Pure: the matching [`queue`], [`seating`], [`stats`], [`ratings`],
//! join [`codes`], and the [`lobby`] frames on ticket sockets. The `Matchmaker` Durable
//! Object around them: [`durable`], with its [`storage`].

pub mod codes;
pub mod durable;
pub mod lobby;
pub mod queue;
pub mod ratings;
pub mod seating;
pub mod stats;
pub mod storage;
