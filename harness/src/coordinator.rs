//! The coordinator's pure core in memory: the real matcher
//! (`queue::take_matches`), seats as the coordinator fills them, signed
//! join tokens, and results applied once per room with the real rating
//! rules (`ratings::settle`). The queue's durability, sockets and shards
//! are the Durable Object's and are tested end to end.

use std::collections::{BTreeMap, HashMap, HashSet};
use volley_server::internal::SeatSetup;
use volley_server::matchmaker::queue::{self, DEFAULT_RATING, Match, MatchRules, Member, Ticket};
use volley_server::matchmaker::{ratings, seating};
use volley_server::token::{Grant, JoinKey};
use volley_shared::protocol::PROTOCOL_VERSION;
use volley_shared::{Mode, Outcome, PlayerId, Role, RoomId, Seat};

/// How long a join token lasts here (as the server's).
const TOKEN_TTL_MS: u64 = 10 * 60 * 1_000;

/// A player's line in the coordinator's tables.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Standing {
    /// Their rating.
    pub rating: f64,
    /// Games counted for them.
    pub games: u32,
}

/// One mode's coordinator.
#[derive(Debug)]
pub struct Coordinator {
    mode: Mode,
    rules: MatchRules,
    key: JoinKey,
    waiting: Vec<Ticket>,
    next_ticket: u64,
    /// How many tickets each room was made from.
    rooms: HashMap<RoomId, usize>,
    applied: HashSet<RoomId>,
    players: BTreeMap<PlayerId, Standing>,
    /// Result reports received, and those for a room already applied.
    reports: (u64, u64),
}

impl Coordinator {
    /// A coordinator for `mode`, signing with `key`, filling seats with
    /// bots after `bot_fill_after_ms` if given.
    pub fn new(mode: Mode, key: JoinKey, bot_fill_after_ms: Option<u64>) -> Self {
        Coordinator {
            mode,
            rules: MatchRules::for_mode(mode, bot_fill_after_ms),
            key,
            waiting: Vec::new(),
            next_ticket: 1,
            rooms: HashMap::new(),
            applied: HashSet::new(),
            players: BTreeMap::new(),
            reports: (0, 0),
        }
    }

    /// The key join tokens are signed with.
    pub fn key(&self) -> &JoinKey {
        &self.key
    }

    /// Queues a solo ticket for `player`.
    pub fn queue(&mut self, player: PlayerId, name: &str, now_ms: u64) {
        let rating = self.standing(player).rating;
        self.waiting.push(Ticket {
            id: self.next_ticket,
            members: vec![Member {
                player,
                name: name.to_string(),
                rating,
            }],
            mode: self.mode,
            protocol: PROTOCOL_VERSION,
            continent: None,
            queued_at_ms: now_ms,
            hint: None,
        });
        self.next_ticket += 1;
    }

    /// Every match that can be made at `now_ms`.
    pub fn take_matches(&mut self, now_ms: u64) -> Vec<Match> {
        take_matches(&mut self.waiting, &self.rules, now_ms)
    }

    /// When matching should run again for the tickets left waiting.
    pub fn next_wakeup_ms(&self, now_ms: u64) -> Option<u64> {
        next_wakeup_ms(&self.waiting, &self.rules, now_ms)
    }

    /// The seats of a match, its bots with ids from `bot_id`.
    pub fn seats(found: &Match, bot_id: impl FnMut() -> PlayerId) -> Vec<SeatSetup> {
        seating::seats_for(
            found,
            std::iter::repeat_with(bot_id).take(found.bots).collect(),
        )
    }

    /// Notes that `room` was made from `tickets` tickets.
    pub fn room_made(&mut self, room: RoomId, tickets: usize) {
        self.rooms.insert(room, tickets);
    }

    /// A join token for `player`'s `seat` in `room`.
    pub fn token(&self, room: &RoomId, seat: Seat, player: PlayerId, now_ms: u64) -> String {
        self.key.sign(
            room,
            Grant {
                role: Role::Player(seat),
                player,
                expires_ms: now_ms + TOKEN_TTL_MS,
            },
        )
    }

    /// A room reports its result: applied the first time, ignored after.
    /// Returns whether it was applied now.
    pub fn report(&mut self, room: &RoomId, seats: &[SeatSetup], outcome: Outcome) -> bool {
        self.reports.0 += 1;
        if !self.applied.insert(room.clone()) {
            self.reports.1 += 1;
            return false;
        }
        let tickets = self.rooms.get(room).copied().unwrap_or(0);
        let settled = ratings::settle(seats, tickets, outcome, |player| {
            Ok::<_, std::convert::Infallible>(self.standing(player).rating)
        });
        let Ok(settled) = settled;
        for line in settled {
            let standing = self.players.entry(line.player).or_insert(Standing {
                rating: DEFAULT_RATING,
                games: 0,
            });
            standing.rating = line.rating;
            standing.games += 1;
        }
        true
    }

    /// A player's standing (the defaults for one never seen).
    pub fn standing(&self, player: PlayerId) -> Standing {
        self.players.get(&player).copied().unwrap_or(Standing {
            rating: DEFAULT_RATING,
            games: 0,
        })
    }

    /// Whether `room`'s result was applied.
    pub fn applied(&self, room: &RoomId) -> bool {
        self.applied.contains(room)
    }

    /// Reports received, and how many of them repeated an applied one.
    pub fn reports(&self) -> (u64, u64) {
        self.reports
    }
}

/// Takes every match the real matcher makes from `waiting` at `now_ms`
/// under one mode's `rules`, leaving the rest.
pub fn take_matches(waiting: &mut Vec<Ticket>, rules: &MatchRules, now_ms: u64) -> Vec<Match> {
    let (found, left) = queue::take_matches(std::mem::take(waiting), now_ms, |_| rules.clone());
    *waiting = left;
    found
}

/// When the real matcher should run again for `waiting`.
pub fn next_wakeup_ms(waiting: &[Ticket], rules: &MatchRules, now_ms: u64) -> Option<u64> {
    queue::next_wakeup_ms(waiting, now_ms, |_| rules.clone())
}
