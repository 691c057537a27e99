//! The in-memory network: connections between players and rooms. Each
//! direction of a connection delivers in order, as a WebSocket does; each
//! frame takes a latency drawn from the world's generator, and a delay
//! fault holds a frame back, and every later frame of that direction
//! behind it.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// One connection's id, unique in a world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// Which way a frame goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the player to the room.
    ToRoom,
    /// From the room to the player.
    ToPlayer,
}

/// One connection.
#[derive(Clone, Debug)]
pub struct Link {
    /// The player's index in the world.
    pub player: usize,
    /// The room's index in the world.
    pub room: usize,
    /// Cut by the network (or a restart): frames in flight either way are
    /// lost. (A close by either end is an event in the stream instead,
    /// after the frames sent before it.)
    pub cut: bool,
    /// When the last frame each way arrives: a later one never overtakes it.
    last_due: [u64; 2],
}

/// Every connection of a world.
#[derive(Clone, Debug, Default)]
pub struct Net {
    links: Vec<Link>,
}

impl Net {
    /// Opens a connection from `player` to `room`.
    pub fn open(&mut self, player: usize, room: usize) -> ConnId {
        self.links.push(Link {
            player,
            room,
            cut: false,
            last_due: [0; 2],
        });
        ConnId(self.links.len() as u64 - 1)
    }

    /// The connection `id`.
    pub fn link(&self, id: ConnId) -> &Link {
        self.links
            .get(usize::try_from(id.0).unwrap_or(usize::MAX))
            .unwrap_or_else(|| panic!("no connection {id:?}"))
    }

    /// Whether `id` was cut.
    pub fn is_cut(&self, id: ConnId) -> bool {
        self.link(id).cut
    }

    /// Cuts `id`.
    pub fn cut(&mut self, id: ConnId) {
        if let Some(link) = self
            .links
            .get_mut(usize::try_from(id.0).unwrap_or(usize::MAX))
        {
            link.cut = true;
        }
    }

    /// When a frame sent on `id` at `now_ms` arrives: after `latency_ms`
    /// (drawn in its range), plus `held_ms`, and never before the frame
    /// sent before it the same way.
    pub fn due(
        &mut self,
        id: ConnId,
        direction: Direction,
        now_ms: u64,
        latency_ms: (u64, u64),
        held_ms: u64,
        rng: &mut ChaCha8Rng,
    ) -> u64 {
        let latency = rng.random_range(latency_ms.0..=latency_ms.1.max(latency_ms.0));
        let index = match direction {
            Direction::ToRoom => 0,
            Direction::ToPlayer => 1,
        };
        let Some(link) = self
            .links
            .get_mut(usize::try_from(id.0).unwrap_or(usize::MAX))
        else {
            return now_ms + latency + held_ms;
        };
        let due = (now_ms + latency + held_ms).max(link.last_due[index]);
        link.last_due[index] = due;
        due
    }

    /// How many connections were ever opened.
    pub fn opened(&self) -> usize {
        self.links.len()
    }
}
