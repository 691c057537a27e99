//! The in-memory network: connections between players and rooms. Each
//! direction of a connection delivers in order, as a WebSocket does: a
//! frame the world holds back (its latency, a delay fault) holds every
//! later frame of that direction behind it.

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
            .get(Self::index(id))
            .unwrap_or_else(|| panic!("no connection {id:?}"))
    }

    fn link_mut(&mut self, id: ConnId) -> &mut Link {
        self.links
            .get_mut(Self::index(id))
            .unwrap_or_else(|| panic!("no connection {id:?}"))
    }

    fn index(id: ConnId) -> usize {
        usize::try_from(id.0).unwrap_or(usize::MAX)
    }

    /// Whether `id` was cut.
    pub fn is_cut(&self, id: ConnId) -> bool {
        self.link(id).cut
    }

    /// Cuts `id`.
    pub fn cut(&mut self, id: ConnId) {
        self.link_mut(id).cut = true;
    }

    /// When a frame on `id` that would arrive at `arrival_ms` does arrive:
    /// never before the frame sent before it the same way.
    pub fn in_order(&mut self, id: ConnId, direction: Direction, arrival_ms: u64) -> u64 {
        let last = &mut self.link_mut(id).last_due[match direction {
            Direction::ToRoom => 0,
            Direction::ToPlayer => 1,
        }];
        *last = arrival_ms.max(*last);
        *last
    }
}
