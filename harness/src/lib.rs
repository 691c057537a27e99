//! Whole matches in one process, in the spirit of naia's test harness: the
//! coordinator's pure core (the real matcher, seating, tokens and rating
//! rules), room engines hosted the way the `GameRoom` object hosts them
//! (the real inbound and outbound codecs, flood guards and stored record),
//! and players running the real client session, all wired through an
//! in-memory network on a manual clock, with seeded faults: dropped and
//! delayed connections, restarted rooms, duplicate and early alarms, lost
//! result reports.
//!
//! A run is deterministic (one seed draws everything) and takes no wall
//! time waiting: thousands of complete matches a second. After a run,
//! [`checks::check`] says what does not hold. What only the real runtime
//! shows (storage, alarms, hibernation, restarts of `wrangler dev`, the
//! browser) stays in the end-to-end suite; TESTING.md says which test is
//! where.
//!
//! - [`world`]: the clock, the queue of what is due, and the run loop.
//! - [`net`]: connections, in order each way, with latency and holds.
//! - [`room_host`]: a room and its storage, carrying out its effects.
//! - [`coordinator`]: tickets, matches, tokens and results.
//! - [`player`]: a client session driven by a behaviour.
//! - [`games`]: cheap legal moves, per game. [`faults`]: what is injected.
//! - [`checks`]: the invariants.
//! - [`sim`]: a day of internet-scale demand on the coordinator shards,
//!   built on the real matcher, shard routing and rating rules.

pub mod checks;
pub mod coordinator;
pub mod faults;
pub mod games;
pub mod net;
pub mod player;
pub mod room_host;
pub mod sim;
pub mod world;

pub use checks::{Checked, check};
pub use faults::Faults;
pub use player::Behaviour;
pub use world::{Config, Tally, World};
