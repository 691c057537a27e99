//! The matchmaking queue as pure logic: tickets and a clock in, matches out.
//!
//! A [`Ticket`] is one player or a party of up to four who must play in the
//! same room. [`take_matches`] serves the oldest ticket first: it gathers
//! tickets of the same mode and protocol version whose rating is inside the
//! oldest ticket's window (which widens the longer it waits) and, until
//! [`MatchRules::any_continent_after_ms`], from the same continent. When the
//! seats are full, that is a match. When they cannot be filled and the mode
//! allows bot fill, a ticket that has waited [`MatchRules::bot_fill_after_ms`]
//! gets a match with bots in the empty seats. Every ticket is in at most one
//! match; a cancelled ticket is simply not in the input.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use volley_shared::{Mode, PlayerId};

/// The rating a player without one starts with.
pub const DEFAULT_RATING: f64 = volley_shared::api::START_RATING;

/// One player in a ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// Who.
    pub player: PlayerId,
    /// Their display name.
    pub name: String,
    /// Their rating when they queued.
    pub rating: f64,
}

/// Players waiting together for a match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// The ticket's id, unique in its coordinator.
    pub id: u64,
    /// The players, one for a solo ticket, up to four for a party.
    pub members: Vec<Member>,
    /// The kind of match wanted.
    pub mode: Mode,
    /// The protocol version the clients speak.
    pub protocol: u16,
    /// The continent the ticket's first player connected from
    /// (`request.cf.continent`), if known.
    pub continent: Option<String>,
    /// When the ticket was queued (its party complete), in ms since the
    /// Unix epoch.
    pub queued_at_ms: u64,
    /// The location hint for where its first player connected from.
    pub hint: Option<String>,
}

impl Ticket {
    /// How many seats the ticket needs.
    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// The ticket's rating: its members' mean.
    pub fn rating(&self) -> f64 {
        if self.members.is_empty() {
            return DEFAULT_RATING;
        }
        self.members.iter().map(|m| m.rating).sum::<f64>() / self.members.len() as f64
    }

    fn waited_ms(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.queued_at_ms)
    }
}

/// How a mode matches.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchRules {
    /// Seats in a match.
    pub seats: usize,
    /// Rating difference accepted at once.
    pub base_window: f64,
    /// Added to the window every `widen_every_ms` of waiting.
    pub widen_by: f64,
    /// How often the window widens.
    pub widen_every_ms: u64,
    /// The widest window.
    pub max_window: f64,
    /// After this wait, players from any continent will do.
    pub any_continent_after_ms: u64,
    /// After this wait, empty seats are filled with bots; `None`: never.
    pub bot_fill_after_ms: Option<u64>,
}

impl MatchRules {
    /// The defaults for a mode: ±100 widening by 50 every 5 s up to ±600,
    /// any continent after 10 s, and bot fill after `bot_fill_after_ms`.
    pub fn for_mode(mode: Mode, bot_fill_after_ms: Option<u64>) -> MatchRules {
        MatchRules {
            seats: mode.players(),
            base_window: 100.0,
            widen_by: 50.0,
            widen_every_ms: 5_000,
            max_window: 600.0,
            any_continent_after_ms: 10_000,
            bot_fill_after_ms,
        }
    }

    /// The rating window of a ticket that has waited `waited_ms`.
    pub fn window(&self, waited_ms: u64) -> f64 {
        let steps = waited_ms / self.widen_every_ms.max(1);
        (self.base_window + self.widen_by * steps as f64).min(self.max_window)
    }
}

/// Tickets to seat together, in seat order (oldest ticket first), and the
/// seats left for bots.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// The kind of match.
    pub mode: Mode,
    /// The tickets matched.
    pub tickets: Vec<Ticket>,
    /// Empty seats the room fills with bots, after the players.
    pub bots: usize,
}

/// At most this many candidates, the nearest in rating, are weighed around
/// one anchor. With more tickets than that inside a window, a match is
/// still made, from the nearest; and matching stays O(n log n) in the
/// queue's length.
pub const CANDIDATES: usize = 64;

/// Takes every match that can be made from `waiting` at `now_ms` and returns
/// them with the tickets left over, oldest first. The order of `waiting`
/// does not matter.
///
/// Each ticket, oldest first, anchors a match: of the tickets of its kind
/// inside its window (at most [`CANDIDATES`], the nearest in rating), the
/// oldest that fit fill its seats. An anchor that cannot fill them (and may
/// not have bots yet) is left waiting, and the tickets it looked at stay
/// available to younger anchors.
pub fn take_matches(
    mut waiting: Vec<Ticket>,
    now_ms: u64,
    rules: impl Fn(Mode) -> MatchRules,
) -> (Vec<Match>, Vec<Ticket>) {
    waiting.sort_by_key(|t| (t.queued_at_ms, t.id));
    // Position in `waiting` is age order; the pools hold the positions of
    // the tickets still free, per kind, by rating.
    let mut pools = Pools::default();
    for (position, ticket) in waiting.iter().enumerate() {
        pools.insert(ticket, position);
    }
    let mut slots: Vec<Option<Ticket>> = waiting.into_iter().map(Some).collect();
    let mut matches = Vec::new();
    let mut left = Vec::new();
    for position in 0..slots.len() {
        let Some(anchor) = slots.get_mut(position).and_then(Option::take) else {
            continue;
        };
        pools.remove(&anchor, position);
        let rules = rules(anchor.mode);
        if anchor.size() > rules.seats || anchor.members.is_empty() {
            // Cannot be seated in this mode (the coordinator refuses such
            // tickets before they queue).
            left.push(anchor);
            continue;
        }
        let mut candidates = pools.nearest(&anchor, CANDIDATES);
        candidates.sort_unstable();
        let mut free = rules.seats - anchor.size();
        let mut taken = Vec::new();
        for candidate in candidates {
            if free == 0 {
                break;
            }
            let Some(ticket) = slots.get(candidate).and_then(Option::as_ref) else {
                continue;
            };
            if ticket.size() <= free && fits(&anchor, ticket, now_ms, &rules) {
                free -= ticket.size();
                taken.push(candidate);
            }
        }
        let bot_fill = rules
            .bot_fill_after_ms
            .is_some_and(|after| anchor.waited_ms(now_ms) >= after);
        if free == 0 || bot_fill {
            let mut tickets = vec![anchor];
            for candidate in taken {
                if let Some(ticket) = slots.get_mut(candidate).and_then(Option::take) {
                    pools.remove(&ticket, candidate);
                    tickets.push(ticket);
                }
            }
            matches.push(Match {
                mode: rules_mode(&tickets),
                tickets,
                bots: free,
            });
        } else {
            left.push(anchor);
        }
    }
    (matches, left)
}

/// The free tickets of one kind: (rating key, position in age order).
type Pool = BTreeSet<(i64, usize)>;

/// The free tickets of each kind (mode and protocol version), by rating.
#[derive(Default)]
struct Pools {
    kinds: Vec<((Mode, u16), Pool)>,
}

impl Pools {
    /// The pool of the ticket's kind (made empty the first time).
    fn pool(&mut self, ticket: &Ticket) -> Option<&mut Pool> {
        let kind = (ticket.mode, ticket.protocol);
        if !self.kinds.iter().any(|(k, _)| *k == kind) {
            self.kinds.push((kind, BTreeSet::new()));
        }
        self.kinds
            .iter_mut()
            .find(|(k, _)| *k == kind)
            .map(|(_, pool)| pool)
    }

    fn insert(&mut self, ticket: &Ticket, position: usize) {
        if let Some(pool) = self.pool(ticket) {
            pool.insert((rating_key(ticket.rating()), position));
        }
    }

    fn remove(&mut self, ticket: &Ticket, position: usize) {
        if let Some(pool) = self.pool(ticket) {
            pool.remove(&(rating_key(ticket.rating()), position));
        }
    }

    /// Up to `most` free tickets of the anchor's kind, nearest to its
    /// rating first. (Whether each is inside the anchor's window is
    /// [`fits`]'s to say: the nearest come first, so a ticket outside it
    /// never takes the place of one inside.)
    fn nearest(&mut self, anchor: &Ticket, most: usize) -> Vec<usize> {
        let middle = rating_key(anchor.rating());
        let Some(pool) = self.pool(anchor) else {
            return Vec::new();
        };
        let mut up = pool.range((middle, 0)..).peekable();
        let mut down = pool.range(..(middle, 0)).rev().peekable();
        let mut found = Vec::new();
        while found.len() < most {
            let next = match (up.peek(), down.peek()) {
                (Some((u, _)), Some((d, _))) if u - middle <= middle - d => up.next(),
                (Some(_), Some(_)) => down.next(),
                (Some(_), None) => up.next(),
                (None, _) => down.next(),
            };
            let Some((_, position)) = next else { break };
            found.push(*position);
        }
        found
    }
}

/// A rating as a key that sorts: thousandths of a point.
fn rating_key(rating: f64) -> i64 {
    (rating * 1_000.0).round() as i64
}

fn rules_mode(tickets: &[Ticket]) -> Mode {
    tickets.first().map_or(Mode::Duel, |t| t.mode)
}

/// Whether `ticket` may join a match around `anchor` (the oldest ticket).
fn fits(anchor: &Ticket, ticket: &Ticket, now_ms: u64, rules: &MatchRules) -> bool {
    let anchor_wait = anchor.waited_ms(now_ms);
    let same_kind = ticket.mode == anchor.mode && ticket.protocol == anchor.protocol;
    let in_window = (ticket.rating() - anchor.rating()).abs() <= rules.window(anchor_wait);
    let near = match (&anchor.continent, &ticket.continent) {
        (Some(a), Some(b)) if a != b => anchor_wait >= rules.any_continent_after_ms,
        _ => true,
    };
    same_kind && in_window && near
}

/// When matching should run again for tickets left waiting at `now_ms`:
/// the next time a window widens, continents relax or bot fill is due.
pub fn next_wakeup_ms(
    waiting: &[Ticket],
    now_ms: u64,
    rules: impl Fn(Mode) -> MatchRules,
) -> Option<u64> {
    waiting
        .iter()
        .filter_map(|ticket| {
            let rules = rules(ticket.mode);
            let waited = ticket.waited_ms(now_ms);
            let step = rules.widen_every_ms.max(1);
            let widen = (rules.window(waited) < rules.max_window)
                .then(|| ticket.queued_at_ms + (waited / step + 1) * step);
            let relax = (waited < rules.any_continent_after_ms)
                .then(|| ticket.queued_at_ms + rules.any_continent_after_ms);
            let bots = rules
                .bot_fill_after_ms
                .filter(|after| waited < *after)
                .map(|after| ticket.queued_at_ms + after);
            [widen, relax, bots].into_iter().flatten().min()
        })
        .min()
}

#[cfg(test)]
mod tests;
