//! The world: a coordinator, its rooms and its players on one manual
//! clock, and a queue of everything due (frames in flight, thinks,
//! alarms, reports). [`World::run`] takes the earliest, again and again;
//! the seed fixes every draw, so a run replays exactly.

use crate::coordinator::Coordinator;
use crate::faults::{Faults, Injected};
use crate::games::SimGame;
use crate::net::{ConnId, Direction, Net};
use crate::player::{Behaviour, Player};
use crate::room_host::{Output, RoomHost};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use volley_server::internal::{RoomSetup, SeatSetup, Terms};
use volley_server::room::engine::Room;
use volley_server::token::JoinKey;
use volley_shared::protocol::close;
use volley_shared::{Mode, Outcome, PlayerId, RoomId};

/// The world's clock starts here (a plausible time since the epoch).
pub const START_MS: u64 = 1_800_000_000_000;

/// How long a player waits before rejoining after a lost connection.
const REJOIN_PAUSE_MS: u64 = 250;

/// A player gives up on a game after this many rejoins (a room that keeps
/// refusing it).
const MAX_REJOINS: u32 = 100;

/// A world's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The mode every match is in; its game is the world's.
    pub mode: Mode,
    /// Seeds every draw.
    pub seed: u64,
    /// One player per entry, playing that way.
    pub players: Vec<Behaviour>,
    /// Games each player queues for, one after another.
    pub games_per_player: u32,
    /// A turn's length.
    pub turn_timeout_ms: u64,
    /// How long a room waits for its seats.
    pub reservation_ms: u64,
    /// How long a finished room keeps its replay.
    pub retention_ms: u64,
    /// Each frame's latency, drawn between these.
    pub latency_ms: (u64, u64),
    /// The faults injected.
    pub faults: Faults,
}

impl Config {
    /// `players` players of `mode` who think for 100 to 900 ms, two games
    /// each, 5 s turns, rooms kept 10 minutes after their game (long
    /// enough for a lost result report to be retried many times), on a
    /// network of 5 to 60 ms and no faults.
    pub fn new(mode: Mode, seed: u64, players: usize) -> Self {
        Config {
            mode,
            seed,
            players: vec![
                Behaviour::Plays {
                    min_ms: 100,
                    max_ms: 900,
                };
                players
            ],
            games_per_player: 2,
            turn_timeout_ms: 5_000,
            reservation_ms: 10_000,
            retention_ms: 10 * 60 * 1_000,
            latency_ms: (5, 60),
            faults: Faults::default(),
        }
    }
}

/// Something due at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    /// A player asks for a match.
    Queue(usize),
    /// The coordinator's matching pass.
    Matchmake,
    /// A player opens a connection to its room.
    Connect(usize),
    /// Bytes reach a room.
    ToRoom(ConnId, Vec<u8>),
    /// Bytes reach a player.
    ToPlayer(ConnId, Vec<u8>),
    /// The room closed the connection; the player hears of it.
    Closed(ConnId, u16),
    /// The player closed the connection; the room hears of it.
    HungUp(ConnId),
    /// A player's think about a turn is over.
    Think(usize, u32),
    /// A room's alarm rings.
    Alarm(usize),
    /// A room's result reaches the coordinator; whether its
    /// acknowledgement will reach the room.
    Report(usize, Outcome, Vec<SeatSetup>, bool),
    /// The coordinator's acknowledgement reaches the room.
    Acknowledged(usize),
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Events handled.
    pub events: u64,
    /// Frames delivered to rooms and to players.
    pub frames: u64,
    /// Rooms made.
    pub rooms: u64,
    /// Games a player saw to the end.
    pub games_seen: u64,
    /// Moves sent.
    pub moves_sent: u64,
    /// Faults injected.
    pub injected: Injected,
    /// The longest a game's result took from its last action to the
    /// coordinator (its first report that was applied), ms.
    pub slowest_result_ms: u64,
    /// The shortest such time; `None` before any result.
    pub fastest_result_ms: Option<u64>,
    /// Simulated time at the end, ms since the start.
    pub elapsed_ms: u64,
}

/// A coordinator, its rooms and players.
#[derive(Debug)]
pub struct World<G: SimGame> {
    config: Config,
    now_ms: u64,
    rng: ChaCha8Rng,
    due: BinaryHeap<Reverse<(u64, u64, usize)>>,
    events: Vec<Option<Event>>,
    net: Net,
    coordinator: Coordinator,
    rooms: Vec<RoomHost<G>>,
    /// When each room's alarm is set for.
    alarms: Vec<Option<u64>>,
    players: Vec<Player<G>>,
    by_id: BTreeMap<PlayerId, usize>,
    tally: Tally,
}

impl<G: SimGame> World<G> {
    /// A world for `config`, every player queueing at the start.
    pub fn new(config: Config) -> Self {
        assert_eq!(
            config.mode.game(),
            G::KIND,
            "a world of one game plays its modes"
        );
        let key = JoinKey::new("a harness secret of at least thirty-two bytes")
            .unwrap_or_else(|_| panic!("the harness's key is long enough"));
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let players: Vec<Player<G>> = config
            .players
            .iter()
            .enumerate()
            .map(|(n, behaviour)| {
                Player::new(
                    PlayerId(rng.random()),
                    format!("player {n}"),
                    *behaviour,
                    config.games_per_player,
                )
            })
            .collect();
        let by_id = players.iter().enumerate().map(|(n, p)| (p.id, n)).collect();
        let mut world = World {
            coordinator: Coordinator::new(config.mode, key, None),
            config,
            now_ms: START_MS,
            rng,
            due: BinaryHeap::new(),
            events: Vec::new(),
            net: Net::default(),
            rooms: Vec::new(),
            alarms: Vec::new(),
            players,
            by_id,
            tally: Tally::default(),
        };
        for player in 0..world.players.len() {
            world.at(START_MS, Event::Queue(player));
        }
        world
    }

    /// Runs until nothing is due or `limit_ms` of simulated time has
    /// passed, then every player leaves its game as it is.
    pub fn run(&mut self, limit_ms: u64) -> Tally {
        while let Some(Reverse((at, _, index))) = self.due.pop() {
            if at > START_MS + limit_ms {
                break;
            }
            self.now_ms = at;
            let Some(event) = self.events.get_mut(index).and_then(Option::take) else {
                continue;
            };
            self.tally.events += 1;
            self.handle(event);
        }
        for player in &mut self.players {
            player.leave();
        }
        self.tally.elapsed_ms = self.now_ms - START_MS;
        self.tally.games_seen = self
            .players
            .iter()
            .flat_map(|p| &p.games)
            .filter(|g| g.outcome.is_some())
            .count() as u64;
        self.tally.moves_sent = self
            .players
            .iter()
            .flat_map(|p| &p.games)
            .map(|g| g.sent.len() as u64)
            .sum();
        self.tally
    }

    /// The players.
    pub fn players(&self) -> &[Player<G>] {
        &self.players
    }

    /// The rooms, by index.
    pub fn rooms(&self) -> &[RoomHost<G>] {
        &self.rooms
    }

    /// The coordinator.
    pub fn coordinator(&self) -> &Coordinator {
        &self.coordinator
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn at(&mut self, at_ms: u64, event: Event) {
        let index = self.events.len();
        self.events.push(Some(event));
        self.due.push(Reverse((at_ms, index as u64, index)));
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.random_bool(p.min(1.0))
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Queue(player) => {
                let p = &self.players[player];
                self.coordinator.queue(p.id, &p.name, self.now_ms);
                self.at(self.now_ms, Event::Matchmake);
            }
            Event::Matchmake => self.matchmake(),
            Event::Connect(player) => self.connect(player),
            Event::ToRoom(conn, bytes) => self.reach_room(conn, &bytes),
            Event::ToPlayer(conn, bytes) => self.reach_player(conn, &bytes),
            Event::Closed(conn, code) => {
                let player = self.net.link(conn).player;
                if code != close::REPLACED && self.players[player].lost(conn) {
                    self.rejoin_later(player);
                }
            }
            Event::HungUp(conn) => {
                let room = self.net.link(conn).room;
                self.rooms[room].hang_up(conn);
            }
            Event::Think(player, turn) => {
                let decided = self.players[player].decide(turn, &mut self.rng);
                if let Some((conn, bytes)) = decided {
                    self.send(conn, Direction::ToRoom, bytes);
                }
            }
            Event::Alarm(room) => {
                if self.alarms[room].is_some_and(|at| at <= self.now_ms) {
                    self.alarms[room] = None;
                }
                let outputs = self.rooms[room].alarm(self.now_ms);
                self.carry(room, outputs);
                if self.chance(self.config.faults.duplicate_alarm) {
                    self.tally.injected.duplicate_alarms += 1;
                    let outputs = self.rooms[room].alarm(self.now_ms);
                    self.carry(room, outputs);
                }
                self.arm(room);
            }
            Event::Report(room, outcome, seats, acknowledged) => {
                let id = self.rooms[room].id().clone();
                if self.coordinator.report(&id, &seats, outcome)
                    && let Some(ended) = self.rooms[room].last_action_ms()
                {
                    let took = self.now_ms.saturating_sub(ended);
                    let tally = &mut self.tally;
                    tally.slowest_result_ms = tally.slowest_result_ms.max(took);
                    tally.fastest_result_ms =
                        Some(tally.fastest_result_ms.map_or(took, |t| t.min(took)));
                }
                if acknowledged {
                    let due = self.now_ms + self.latency();
                    self.at(due, Event::Acknowledged(room));
                }
            }
            Event::Acknowledged(room) => self.rooms[room].acknowledged(),
        }
    }

    /// When a frame sent now on `conn` arrives: after a latency and
    /// `held_ms`, in order behind the frames sent before it that way.
    fn arrival(&mut self, conn: ConnId, direction: Direction, held_ms: u64) -> u64 {
        let arrival = self.now_ms + self.latency() + held_ms;
        self.net.in_order(conn, direction, arrival)
    }

    fn latency(&mut self) -> u64 {
        let (low, high) = self.config.latency_ms;
        self.rng.random_range(low..=high.max(low))
    }

    /// Makes every match the coordinator can, and wakes it again when
    /// waiting tickets may match later.
    fn matchmake(&mut self) {
        for found in self.coordinator.take_matches(self.now_ms) {
            let rng = &mut self.rng;
            let seats = Coordinator::seats(&found, || PlayerId(rng.random()));
            let index = self.rooms.len();
            let id = RoomId(format!("{:016x}", self.rng.random::<u64>()));
            let setup = RoomSetup::<G>::with_terms(Terms {
                mode: found.mode,
                seats: seats.clone(),
                seed: self.rng.random(),
                turn_timeout_ms: self.config.turn_timeout_ms,
                reservation_ms: self.config.reservation_ms,
                retention_ms: self.config.retention_ms,
            });
            let (room, effects) = Room::new(setup, self.now_ms)
                .unwrap_or_else(|e| panic!("a room for a match the matcher made: {e}"));
            self.rooms
                .push(RoomHost::new(id.clone(), room, effects, self.now_ms));
            self.alarms.push(None);
            self.arm(index);
            self.coordinator.room_made(id.clone(), found.tickets.len());
            self.tally.rooms += 1;
            for (seat, setup) in seats.iter().enumerate() {
                let Some(&player) = self.by_id.get(&setup.player) else {
                    continue;
                };
                let seat = volley_shared::Seat(seat as u8);
                let token = self.coordinator.token(&id, seat, setup.player, self.now_ms);
                self.players[player].matched(index, id.clone(), seat, token);
                let due = self.now_ms + self.latency();
                self.at(due, Event::Connect(player));
            }
        }
        if let Some(wake) = self.coordinator.next_wakeup_ms(self.now_ms) {
            self.at(wake.max(self.now_ms + 1), Event::Matchmake);
        }
    }

    /// A player opens a connection to its room and says hello.
    fn connect(&mut self, player: usize) {
        let Some((room, _)) = self.players[player].room() else {
            return;
        };
        if self.rooms[room].room().is_none() {
            // The room is gone (it closed and deleted itself).
            self.leave(player);
            return;
        }
        let conn = self.net.open(player, room);
        self.rooms[room].accept(conn, self.now_ms);
        let opening = self.players[player].connected(conn);
        self.send(conn, Direction::ToRoom, opening);
    }

    fn reach_room(&mut self, conn: ConnId, bytes: &[u8]) {
        if self.net.is_cut(conn) {
            return;
        }
        self.tally.frames += 1;
        let room = self.net.link(conn).room;
        let outputs = self.rooms[room].receive(conn, bytes, self.coordinator.key(), self.now_ms);
        self.carry(room, outputs);
        self.arm(room);
        if self.chance(self.config.faults.restart) {
            self.tally.injected.restarts += 1;
            for lost in self.rooms[room].restart() {
                self.net.cut(lost);
                let player = self.net.link(lost).player;
                if self.players[player].lost(lost) {
                    self.rejoin_later(player);
                }
            }
        }
    }

    fn reach_player(&mut self, conn: ConnId, bytes: &[u8]) {
        if self.net.is_cut(conn) {
            return;
        }
        self.tally.frames += 1;
        let player = self.net.link(conn).player;
        let reaction = self.players[player].receive(conn, bytes, self.now_ms, &mut self.rng);
        for bytes in reaction.send {
            self.send(conn, Direction::ToRoom, bytes);
        }
        if let Some((turn, think_ms)) = reaction.think {
            self.at(self.now_ms + think_ms, Event::Think(player, turn));
        }
        if reaction.over {
            self.leave(player);
        } else if self.chance(self.config.faults.drop) {
            self.tally.injected.drops += 1;
            self.net.cut(conn);
            let due = self.now_ms + self.latency();
            self.at(due, Event::HungUp(conn));
            if self.players[player].lost(conn) {
                self.rejoin_later(player);
            }
        }
    }

    /// The player is done with its game: it closes its connection and
    /// queues for the next, if it has one left.
    fn leave(&mut self, player: usize) {
        if let Some(conn) = self.players[player].leave() {
            let due = self.arrival(conn, Direction::ToRoom, 0);
            self.at(due, Event::HungUp(conn));
        }
        if self.players[player].games_left > 0 {
            let due = self.now_ms + self.latency();
            self.at(due, Event::Queue(player));
        }
    }

    fn rejoin_later(&mut self, player: usize) {
        if self.players[player].rejoins() >= MAX_REJOINS {
            self.players[player]
                .problems
                .push(format!("gave up after {MAX_REJOINS} rejoins"));
            self.leave(player);
            return;
        }
        self.at(self.now_ms + REJOIN_PAUSE_MS, Event::Connect(player));
    }

    /// Sends bytes on a connection, perhaps held back.
    fn send(&mut self, conn: ConnId, direction: Direction, bytes: Vec<u8>) {
        let held = if self.chance(self.config.faults.delay) {
            self.tally.injected.delays += 1;
            self.rng.random_range(0..=self.config.faults.delay_ms)
        } else {
            0
        };
        let due = self.arrival(conn, direction, held);
        let event = match direction {
            Direction::ToRoom => Event::ToRoom(conn, bytes),
            Direction::ToPlayer => Event::ToPlayer(conn, bytes),
        };
        self.at(due, event);
    }

    /// Carries a room's outputs onto the network and to the coordinator.
    fn carry(&mut self, room: usize, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Send(conn, bytes) => self.send(conn, Direction::ToPlayer, bytes),
                Output::Close(conn, code) => {
                    let due = self.arrival(conn, Direction::ToPlayer, 0);
                    self.at(due, Event::Closed(conn, code));
                }
                Output::Report(outcome, seats) => {
                    let mut acknowledged = true;
                    if self.chance(self.config.faults.lost_report) {
                        if self.rng.random_bool(0.5) {
                            self.tally.injected.lost_reports += 1;
                            continue;
                        }
                        self.tally.injected.lost_acknowledgements += 1;
                        acknowledged = false;
                    }
                    let due = self.now_ms + self.latency();
                    self.at(due, Event::Report(room, outcome, seats, acknowledged));
                }
            }
        }
    }

    /// Sets the room's alarm for its earliest timer, if it is not set for
    /// then already; perhaps rings it early too.
    fn arm(&mut self, room: usize) {
        let Some(due) = self.rooms[room].next_due_ms() else {
            return;
        };
        let due = due.max(self.now_ms);
        if self.alarms[room] == Some(due) {
            return;
        }
        self.alarms[room] = Some(due);
        self.at(due, Event::Alarm(room));
        if due > self.now_ms && self.chance(self.config.faults.early_alarm) {
            self.tally.injected.early_alarms += 1;
            let early = self.now_ms + (due - self.now_ms) / 2;
            self.at(early, Event::Alarm(room));
        }
    }
}
