//! One simulated coordinator shard: its queue, matched by the real matcher
//! (`queue::take_matches`) and woken when the real `next_wakeup_ms` says,
//! the tickets of its own region it hands on once they waited the spill
//! time ([`shards::spills`]), and the requests it receives, second by
//! second.

use crate::coordinator;
use volley_server::matchmaker::hand_over::HandOvers;
use volley_server::matchmaker::queue::{Match, MatchRules, Ticket};
use volley_server::matchmaker::shards::{self, Pool};
use volley_shared::Mode;

/// Requests a shard received, per second of the simulated day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Load {
    per_second: Vec<u32>,
}

impl Load {
    /// `n` requests at `t_ms`.
    pub fn add(&mut self, t_ms: u64, n: u32) {
        let second = usize::try_from(t_ms / 1_000).unwrap_or(usize::MAX);
        if second >= self.per_second.len() {
            self.per_second.resize(second + 1, 0);
        }
        if let Some(count) = self.per_second.get_mut(second) {
            *count += n;
        }
    }

    /// Every request.
    pub fn total(&self) -> u64 {
        self.per_second.iter().map(|&n| u64::from(n)).sum()
    }

    /// The busiest second's requests.
    pub fn peak_second(&self) -> u32 {
        self.per_second.iter().copied().max().unwrap_or(0)
    }

    /// Requests per second in each minute, averaged over the minute.
    pub fn per_minute(&self) -> Vec<f64> {
        self.per_second
            .chunks(60)
            .map(|minute| minute.iter().map(|&n| f64::from(n)).sum::<f64>() / 60.0)
            .collect()
    }
}

/// A coordinator shard of one mode and pool.
#[derive(Clone, Debug)]
pub struct Shard {
    /// Its mode.
    pub mode: Mode,
    /// Its pool.
    pub pool: Pool,
    /// Whether its own tickets move on after the spill time.
    pub spills: bool,
    rules: MatchRules,
    waiting: Vec<Ticket>,
    /// When it took its tickets of the last minute.
    recent: std::collections::VecDeque<u64>,
    /// Its last hand-over to the global pool, as the real shard keeps it.
    hand_overs: HandOvers,
    /// When its alarm rings, if set.
    pub alarm_ms: Option<u64>,
    /// The requests it received.
    pub load: Load,
}

impl Shard {
    /// A shard with `rules`; a regional one spills if `spills`.
    pub fn new(mode: Mode, pool: Pool, rules: MatchRules, spills: bool) -> Shard {
        Shard {
            mode,
            pool,
            spills: spills && pool != Pool::Global,
            rules,
            waiting: Vec::new(),
            recent: std::collections::VecDeque::new(),
            hand_overs: HandOvers::default(),
            alarm_ms: None,
            load: Load::default(),
        }
    }

    /// Tickets waiting.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Notes a new ticket taken at `now_ms`; returns whether the shard was
    /// quiet before it ([`shards::is_quiet`]).
    pub fn took_ticket(&mut self, now_ms: u64) -> bool {
        while self.recent.front().is_some_and(|&t| t + 60_000 <= now_ms) {
            self.recent.pop_front();
        }
        let quiet = shards::is_quiet(
            u32::try_from(self.recent.len()).unwrap_or(u32::MAX),
            shards::QUIET_TICKETS_PER_MINUTE,
        );
        self.recent.push_back(now_ms);
        quiet
    }

    /// Whether a new ticket, quiet or not before it ([`Shard::took_ticket`]),
    /// goes to the global pool, as the real shard decides
    /// ([`HandOvers::hands_over`]).
    pub fn hands_over(&mut self, quiet: bool, now_ms: u64) -> bool {
        let own_waiting = self.waiting.len();
        self.hand_overs
            .hands_over(quiet, own_waiting, self.mode.players(), now_ms)
    }

    /// A ticket joins the queue.
    pub fn queue(&mut self, ticket: Ticket) {
        self.waiting.push(ticket);
    }

    /// Every match the real matcher makes at `now_ms`.
    pub fn take_matches(&mut self, now_ms: u64) -> Vec<Match> {
        coordinator::take_matches(&mut self.waiting, &self.rules, now_ms)
    }

    /// Its own tickets that have waited the spill time, taken out.
    pub fn take_spilled(&mut self, now_ms: u64) -> Vec<Ticket> {
        if !self.spills {
            return Vec::new();
        }
        let (spilled, kept) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|t| {
                self.pool.owns(t.continent.as_deref())
                    && shards::spills(&self.rules, t.queued_at_ms, now_ms)
            });
        self.waiting = kept;
        spilled
    }

    /// When the shard's alarm should ring next: the matcher's next change
    /// (a wider window, bot fill) or the next ticket to spill.
    pub fn next_wakeup_ms(&self, now_ms: u64) -> Option<u64> {
        let matcher = coordinator::next_wakeup_ms(&self.waiting, &self.rules, now_ms);
        let spill = self
            .spills
            .then(|| {
                self.waiting
                    .iter()
                    .filter(|t| self.pool.owns(t.continent.as_deref()))
                    .map(|t| shards::spill_at(&self.rules, t.queued_at_ms))
                    .min()
            })
            .flatten();
        matcher.into_iter().chain(spill).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_server::matchmaker::queue::Member;
    use volley_server::matchmaker::shards::Region;
    use volley_shared::PlayerId;
    use volley_shared::protocol::PROTOCOL_VERSION;

    fn ticket(id: u64, rating: f64, queued_at_ms: u64) -> Ticket {
        Ticket {
            id,
            members: vec![Member {
                player: PlayerId(id),
                name: format!("p{id}"),
                rating,
            }],
            mode: Mode::Duel,
            protocol: PROTOCOL_VERSION,
            continent: Some("EU".into()),
            queued_at_ms,
            hint: None,
        }
    }

    #[test]
    fn load_is_counted_per_second_and_averaged_per_minute() {
        let mut load = Load::default();
        load.add(500, 2);
        load.add(999, 1);
        load.add(61_000, 60);
        assert_eq!(load.total(), 63);
        assert_eq!(load.peak_second(), 60);
        assert_eq!(load.per_minute(), vec![3.0 / 60.0, 1.0]);
    }

    #[test]
    fn a_regional_ticket_nobody_fits_spills_at_the_spill_time() {
        let rules = MatchRules::for_mode(Mode::Duel, Some(30_000));
        let mut shard = Shard::new(Mode::Duel, Pool::Regional(Region::Europe), rules, true);
        shard.queue(ticket(1, 1000.0, 0));
        shard.queue(ticket(2, 2000.0, 0));
        assert!(shard.take_matches(1_000).is_empty());
        let spill = rules_spill_at();
        assert_eq!(shard.next_wakeup_ms(1_000), Some(5_000.min(spill)));
        assert!(shard.take_spilled(spill - 1).is_empty());
        assert_eq!(shard.take_spilled(spill).len(), 2);
        assert_eq!(shard.waiting(), 0);
        assert_eq!(shard.next_wakeup_ms(spill), None);
    }

    #[test]
    fn a_shard_is_quiet_until_it_took_enough_tickets_in_a_minute() {
        let rules = MatchRules::for_mode(Mode::Duel, None);
        let mut shard = Shard::new(Mode::Duel, Pool::Regional(Region::Europe), rules, true);
        let quiet: Vec<bool> = (0..200).map(|n| shard.took_ticket(n * 100)).collect();
        assert!(quiet[..120].iter().all(|&q| q) && quiet[120..].iter().all(|&q| !q));
        // A minute later the old ones no longer count.
        assert!(shard.took_ticket(200 * 100 + 60_000));
    }

    #[test]
    fn the_global_pool_never_spills() {
        let rules = MatchRules::for_mode(Mode::Duel, Some(30_000));
        let mut shard = Shard::new(Mode::Duel, Pool::Global, rules, true);
        shard.queue(ticket(1, 1000.0, 0));
        assert!(shard.take_spilled(u64::MAX / 2).is_empty());
        assert_eq!(shard.waiting(), 1);
    }

    fn rules_spill_at() -> u64 {
        shards::spill_at(&MatchRules::for_mode(Mode::Duel, Some(30_000)), 0)
    }
}
