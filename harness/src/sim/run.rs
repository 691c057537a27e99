//! The simulation's run: a simulated day (or part of one) of arrivals,
//! tickets, matches, games and results, on one manual clock.
//!
//! Players come from each region's population (a returning player keeps
//! a true skill and one rating, whatever shard matched them), queue for a
//! visit's games, one after another, and leave. Tickets go to their
//! region's shard (or, for the design of one shard per mode, to that
//! shard), which runs the real matcher on every arrival and on its alarm;
//! a regional ticket that waited the spill time moves to its region's
//! busier neighbour ([`Pool::spills_to`]). A match's game lasts as long as one of the games the harness
//! played with the real engines ([`GameLengths`]); its winner is drawn
//! from the players' true skills, and the real rating rules
//! (`ratings::settle`) rate it. Every request an object receives is
//! counted where it lands; [`super::report`] sums it all up.

use super::demand::Demand;
use super::shard::Shard;
use super::tally::Tallies;
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use volley_server::internal::SeatSetup;
use volley_server::matchmaker::queue::{Match, MatchRules, Member, Ticket};
use volley_server::matchmaker::shards::{Pool, Region, Spill};
use volley_server::matchmaker::{ratings, seating};
use volley_server::settings::DEFAULT_BOT_FILL_AFTER_MS;
use volley_shared::protocol::PROTOCOL_VERSION;
use volley_shared::{Mode, Outcome, PlayerId, Seat};

/// How long one game lasts, per mode: samples to draw from.
#[derive(Clone, Debug, PartialEq)]
pub struct GameLengths {
    samples: BTreeMap<Mode, Vec<u64>>,
}

impl GameLengths {
    /// Every game of every mode lasts `ms` (for tests).
    pub fn fixed(ms: u64) -> GameLengths {
        GameLengths {
            samples: Mode::ALL.iter().map(|&m| (m, vec![ms])).collect(),
        }
    }

    /// Lengths measured elsewhere ([`super::calibrate`]).
    pub fn from_samples(samples: BTreeMap<Mode, Vec<u64>>) -> GameLengths {
        GameLengths { samples }
    }

    /// One game's length.
    pub fn draw(&self, mode: Mode, rng: &mut impl Rng) -> u64 {
        match self.samples.get(&mode) {
            Some(samples) if !samples.is_empty() => samples[rng.random_range(0..samples.len())],
            _ => 60_000,
        }
    }

    /// The mean length of a mode's games.
    pub fn mean_ms(&self, mode: Mode) -> u64 {
        self.samples.get(&mode).map_or(0, |s| {
            s.iter().sum::<u64>() / u64::try_from(s.len().max(1)).unwrap_or(1)
        })
    }
}

/// How the coordinators are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// One shard per mode (today).
    PerMode,
    /// A shard per mode and region, and a global pool per mode (for
    /// clients of unknown continent), spilling as said.
    Regional(Spill),
}

impl Design {
    /// Every design, as the simulation compares them.
    pub const ALL: [Design; 5] = [
        Design::PerMode,
        Design::Regional(Spill::ToGlobal),
        Design::Regional(Spill::ToNeighbour),
        Design::Regional(Spill::QuietToGlobal),
        Design::Regional(Spill::QuietHandOver),
    ];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Design::PerMode => "per-mode",
            Design::Regional(Spill::ToGlobal) => "regional-to-global",
            Design::Regional(Spill::ToNeighbour) => "regional-to-neighbour",
            Design::Regional(Spill::QuietToGlobal) => "regional-quiet-to-global",
            Design::Regional(Spill::QuietHandOver) => "regional-quiet-hand-over",
        }
    }
}

/// A simulation's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// Who arrives.
    pub demand: Demand,
    /// Seeds every draw.
    pub seed: u64,
    /// Simulated time, from midnight UTC.
    pub duration_ms: u64,
    /// The shards' layout.
    pub design: Design,
    /// How long games last.
    pub lengths: GameLengths,
    /// A player's pause between two games of a visit, drawn between these.
    pub pause_ms: (u64, u64),
}

/// A player of the population.
#[derive(Clone, Debug)]
struct Player {
    id: PlayerId,
    skill: f64,
    rating: f64,
    busy: bool,
    games_left: u32,
}

/// A ticket's facts the matcher does not keep.
#[derive(Clone, Debug)]
struct Queued {
    players: Vec<usize>,
    region: usize,
    home: usize,
    spilled: bool,
}

/// A game being played.
#[derive(Clone, Debug)]
struct Game {
    mode: Mode,
    seats: Vec<SeatSetup>,
    /// The population index of each seat's person (`None`: a bot).
    people: Vec<Option<usize>>,
    /// The tickets (groups that queue again together).
    groups: Vec<(Vec<usize>, usize)>,
}

/// Something due.
#[derive(Clone, Debug)]
enum Event {
    /// A region's next arrival.
    Arrive(usize),
    /// A group queues (again) in a mode, from a region.
    Queue(Vec<usize>, Mode, usize),
    /// A shard's alarm, set for this time.
    Alarm(usize, u64),
    /// A game ends.
    GameOver(Game),
    /// The friend of a private room joins it.
    PrivateJoin(usize, Vec<usize>, Mode),
    /// These players are free again.
    Free(Vec<usize>),
}

/// The simulation.
pub struct Sim {
    config: SimConfig,
    now_ms: u64,
    rng: ChaCha8Rng,
    due: BinaryHeap<Reverse<(u64, u64)>>,
    events: HashMap<u64, Event>,
    next_event: u64,
    shards: Vec<Shard>,
    shard_of: BTreeMap<(Mode, Pool), usize>,
    /// Each region's last arrival, in fractional ms.
    arrivals: Vec<f64>,
    /// Each region's population (indexes into `players`).
    populations: Vec<Vec<usize>>,
    players: Vec<Player>,
    queued: HashMap<u64, Queued>,
    next_ticket: u64,
    tallies: Tallies,
}

impl Sim {
    /// A simulation of `config`: every shard of its design, empty.
    pub fn new(config: SimConfig) -> Sim {
        let mut shards = Vec::new();
        let mut shard_of = BTreeMap::new();
        for &mode in &Mode::ALL {
            let rules = MatchRules::for_mode(mode, Some(DEFAULT_BOT_FILL_AFTER_MS));
            let pools: Vec<Pool> = match config.design {
                Design::PerMode => vec![Pool::Global],
                Design::Regional(_) => Region::ALL
                    .iter()
                    .map(|&r| Pool::Regional(r))
                    .chain([Pool::Global])
                    .collect(),
            };
            for pool in pools {
                shard_of.insert((mode, pool), shards.len());
                let spills = config.design != Design::Regional(Spill::QuietHandOver);
                shards.push(Shard::new(mode, pool, rules.clone(), spills));
            }
        }
        let regions = config.demand.regions.len();
        let mut sim = Sim {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            config,
            now_ms: 0,
            due: BinaryHeap::new(),
            events: HashMap::new(),
            next_event: 0,
            shards,
            shard_of,
            arrivals: vec![0.0; regions],
            populations: vec![Vec::new(); regions],
            players: Vec::new(),
            queued: HashMap::new(),
            next_ticket: 1,
            tallies: Tallies::default(),
        };
        for region in 0..regions {
            sim.next_arrival(region);
        }
        sim
    }

    /// Runs to the end of the simulated time; returns what was counted.
    pub fn run(mut self) -> (Tallies, Vec<Shard>) {
        while let Some(Reverse((at, id))) = self.due.pop() {
            if at >= self.config.duration_ms {
                break;
            }
            self.now_ms = at;
            if let Some(event) = self.events.remove(&id) {
                self.handle(event);
            }
        }
        for shard in &self.shards {
            self.tallies.counts.left_waiting += shard.waiting() as u64;
        }
        (self.tallies, self.shards)
    }

    fn at(&mut self, at_ms: u64, event: Event) {
        let id = self.next_event;
        self.next_event += 1;
        self.events.insert(id, event);
        self.due.push(Reverse((at_ms, id)));
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrive(region) => self.arrive(region),
            Event::Queue(group, mode, region) => self.queue(group, mode, region),
            Event::Alarm(shard, at) => {
                if self.shards[shard].alarm_ms == Some(at) {
                    self.shards[shard].alarm_ms = None;
                    self.shards[shard].load.add(self.now_ms, 1);
                    self.match_in(shard);
                }
            }
            Event::GameOver(game) => self.game_over(game),
            Event::PrivateJoin(shard, players, mode) => {
                // The friend takes the second seat; the game is played but
                // not rated by the matcher's rules here.
                self.shards[shard].load.add(self.now_ms, 1);
                let length = self.config.lengths.draw(mode, &mut self.rng);
                self.at(self.now_ms + length, Event::Free(players));
            }
            Event::Free(players) => {
                for p in players {
                    self.players[p].busy = false;
                }
            }
        }
    }

    /// A player (or a party, or two friends) arrives from `region`.
    fn arrive(&mut self, region: usize) {
        self.next_arrival(region);
        self.tallies.counts.visits += 1;
        let mode = self.config.demand.mode(&mut self.rng);
        let private = self.rng.random::<f64>() < self.config.demand.private_share;
        let party =
            mode.players() == 4 && self.rng.random::<f64>() < self.config.demand.party_share;
        let size = if private || party { 2 } else { 1 };
        let games = self.config.demand.games(&mut self.rng);
        // Each member is busy before the next is drawn, so a party never
        // holds one player twice.
        let group: Vec<usize> = (0..size)
            .map(|_| {
                let p = self.idle_player(region);
                self.players[p].busy = true;
                self.players[p].games_left = games;
                p
            })
            .collect();
        if private {
            // The host makes the room at its shard; the friend joins it
            // between 10 s and a minute later.
            let pool = self.pool_of(region);
            let shard = self.shard_of[&(mode, pool)];
            self.shards[shard].load.add(self.now_ms, 1);
            self.tallies.counts.private_rooms += 1;
            let join = self.now_ms + self.rng.random_range(10_000..60_000);
            self.at(join, Event::PrivateJoin(shard, group, mode));
            return;
        }
        self.queue(group, mode, region);
    }

    /// Schedules a region's next arrival.
    fn next_arrival(&mut self, region: usize) {
        let share = self.config.demand.regions[region];
        let last = self.arrivals[region];
        let next = self.config.demand.next_arrival(&share, last, &mut self.rng);
        self.arrivals[region] = next;
        self.at(next as u64, Event::Arrive(region));
    }

    /// A player of the region's population who is not playing: one of
    /// those seen before (a returning player) or, half the time or when
    /// the population is small, a newcomer.
    fn idle_player(&mut self, region: usize) -> usize {
        let population = &self.populations[region];
        if population.len() > 100 && self.rng.random::<bool>() {
            let pick = population[self.rng.random_range(0..population.len())];
            if !self.players[pick].busy {
                return pick;
            }
        }
        let skill = self.config.demand.skill(&mut self.rng);
        let index = self.players.len();
        self.players.push(Player {
            id: PlayerId(self.rng.random()),
            skill,
            rating: volley_server::matchmaker::queue::DEFAULT_RATING,
            busy: false,
            games_left: 0,
        });
        self.populations[region].push(index);
        index
    }

    fn pool_of(&self, region: usize) -> Pool {
        match (
            self.config.design,
            self.config.demand.regions[region].region,
        ) {
            (Design::Regional(_), Some(region)) => Pool::Regional(region),
            _ => Pool::Global,
        }
    }

    /// A group's ticket reaches its shard, which matches at once.
    fn queue(&mut self, group: Vec<usize>, mode: Mode, region: usize) {
        let pool = self.pool_of(region);
        let home = self.shard_of[&(mode, pool)];
        let members: Vec<Member> = group
            .iter()
            .map(|&p| Member {
                player: self.players[p].id,
                name: String::new(),
                rating: self.players[p].rating,
            })
            .collect();
        // Each member opens a socket and sends FindMatch; its rating is
        // read from its player object.
        let size = u32::try_from(members.len()).unwrap_or(u32::MAX);
        self.shards[home].load.add(self.now_ms, 2 * size);
        let quiet = self.shards[home].took_ticket(self.now_ms);
        // A quiet regional shard hands the ticket to the global pool at
        // once (one request), and is asked to tell its players of the
        // match, as for a spilled ticket.
        let shard = match (self.config.design, pool) {
            (Design::Regional(spill), Pool::Regional(_))
                if spill.hands_over_when_quiet()
                    && self.shards[home].hands_over(quiet, self.now_ms) =>
            {
                let global = self.shard_of[&(mode, Pool::Global)];
                self.shards[global].load.add(self.now_ms, 1);
                self.tallies.counts.deferred += 1;
                global
            }
            _ => home,
        };
        self.tallies.player_requests.add(self.now_ms, size);
        let id = self.next_ticket;
        self.next_ticket += 1;
        self.tallies.counts.tickets += 1;
        self.shards[shard].queue(Ticket {
            id,
            members,
            mode,
            protocol: PROTOCOL_VERSION,
            continent: self.config.demand.regions[region]
                .region
                .map(|r| r.continent().to_string()),
            queued_at_ms: self.now_ms,
            hint: None,
        });
        self.queued.insert(
            id,
            Queued {
                players: group,
                region,
                home,
                spilled: shard != home,
            },
        );
        self.match_in(shard);
    }

    /// Spills what waited long enough, matches, and sets the alarm.
    fn match_in(&mut self, shard: usize) {
        let now = self.now_ms;
        let spilled = self.shards[shard].take_spilled(now);
        let Design::Regional(spill) = self.config.design else {
            return self.match_here(shard);
        };
        let target = self.shards[shard]
            .pool
            .spills_to(spill)
            .and_then(|pool| self.shard_of.get(&(self.shards[shard].mode, pool)).copied());
        if let (false, Some(to)) = (spilled.is_empty(), target) {
            for ticket in spilled {
                // Handed over in one request to the neighbour.
                self.shards[to].load.add(now, 1);
                self.tallies.counts.spilled += 1;
                if let Some(queued) = self.queued.get_mut(&ticket.id) {
                    queued.spilled = true;
                }
                self.shards[to].queue(ticket);
            }
            self.match_in(to);
        }
        self.match_here(shard);
    }

    /// Matches what this shard holds and sets its alarm.
    fn match_here(&mut self, shard: usize) {
        let now = self.now_ms;
        for found in self.shards[shard].take_matches(now) {
            self.seat(found);
        }
        if let Some(next) = self.shards[shard].next_wakeup_ms(now) {
            let next = next.max(now + 1);
            if self.shards[shard].alarm_ms.is_none_or(|at| next < at) {
                self.shards[shard].alarm_ms = Some(next);
                self.at(next, Event::Alarm(shard, next));
            }
        }
    }

    /// A match: its room is made, its players told, its game played.
    fn seat(&mut self, found: Match) {
        let now = self.now_ms;
        let mut groups = Vec::new();
        let mut by_player = HashMap::new();
        for ticket in &found.tickets {
            let Some(queued) = self.queued.remove(&ticket.id) else {
                continue;
            };
            let size = u32::try_from(queued.players.len()).unwrap_or(u32::MAX);
            // Each member's socket is told and closed at its home shard
            // (for a spilled ticket, the shard that matched it asks the
            // home shard to tell it first).
            let home_requests = if queued.spilled { 2 * size } else { size };
            self.shards[queued.home].load.add(now, home_requests);
            let mode = found.mode;
            let key = (self.config.demand.regions[queued.region].region, mode);
            let wait = now.saturating_sub(ticket.queued_at_ms);
            let line = self.tallies.waits.entry(key).or_default();
            line.waits.record(wait / 100);
            line.tickets += 1;
            line.spilled += u64::from(queued.spilled);
            for (member, &p) in ticket.members.iter().zip(&queued.players) {
                by_player.insert(member.player, p);
            }
            groups.push((queued.players, queued.region));
        }
        let seats = seating::seats_for(
            &found,
            (0..found.bots)
                .map(|_| PlayerId(self.rng.random()))
                .collect(),
        );
        let people: Vec<Option<usize>> = seats
            .iter()
            .map(|s| {
                (!s.bot)
                    .then(|| by_player.get(&s.player).copied())
                    .flatten()
            })
            .collect();
        let humans: Vec<usize> = people.iter().flatten().copied().collect();
        if humans.len() >= 2 {
            let spread = |values: Vec<f64>| {
                let max = values.iter().copied().fold(f64::MIN, f64::max);
                let min = values.iter().copied().fold(f64::MAX, f64::min);
                (max - min).round() as u64
            };
            let line = self.tallies.spreads.entry(found.mode).or_default();
            line.rating.record(spread(
                humans.iter().map(|&p| self.players[p].rating).collect(),
            ));
            line.skill.record(spread(
                humans.iter().map(|&p| self.players[p].skill).collect(),
            ));
        }
        self.tallies.counts.matches += 1;
        self.tallies.counts.bot_filled += u64::from(found.bots > 0);
        let length = self.config.lengths.draw(found.mode, &mut self.rng);
        // The players need a moment to reach the room.
        self.at(
            now + 1_000 + length,
            Event::GameOver(Game {
                mode: found.mode,
                seats,
                people,
                groups,
            }),
        );
    }

    /// A game ends: a winner drawn by true skill, ratings settled by the
    /// real rules, and the players queue again or leave.
    fn game_over(&mut self, game: Game) {
        let strengths: Vec<f64> = game
            .people
            .iter()
            .map(|p| {
                let skill = p.map_or(1_300.0, |p| self.players[p].skill);
                10f64.powf(skill / 400.0)
            })
            .collect();
        let mut pick = self.rng.random::<f64>() * strengths.iter().sum::<f64>();
        let mut winner = strengths.len().saturating_sub(1);
        for (seat, strength) in strengths.iter().enumerate() {
            if pick < *strength {
                winner = seat;
                break;
            }
            pick -= strength;
        }
        let outcome = Outcome::Winner(Seat(u8::try_from(winner).unwrap_or(0)));
        let players = &self.players;
        let by_id: HashMap<PlayerId, usize> = game
            .people
            .iter()
            .flatten()
            .map(|&p| (players[p].id, p))
            .collect();
        let settled = ratings::settle(&game.seats, game.groups.len(), outcome, |id| {
            Ok::<_, std::convert::Infallible>(
                by_id.get(&id).map_or(1_500.0, |&p| players[p].rating),
            )
        });
        let Ok(settled) = settled;
        let people = u32::try_from(settled.len()).unwrap_or(u32::MAX);
        for line in settled {
            if let Some(&p) = by_id.get(&line.player) {
                self.players[p].rating = line.rating;
            }
        }
        // One write per person's object, one to the mode's leaderboard.
        self.tallies.player_requests.add(self.now_ms, people);
        self.tallies
            .leaderboards
            .entry(game.mode)
            .or_default()
            .add(self.now_ms, 1);
        self.tallies.counts.games += 1;
        for (group, region) in game.groups {
            let left = self.players[group[0]].games_left.saturating_sub(1);
            for &p in &group {
                self.players[p].games_left = left;
            }
            if left == 0 {
                for &p in &group {
                    self.players[p].busy = false;
                }
                continue;
            }
            let (lo, hi) = self.config.pause_ms;
            let again = self.now_ms + self.rng.random_range(lo..=hi);
            self.at(again, Event::Queue(group, game.mode, region));
        }
    }
}
