//! The synthetic demand: who arrives, where, when, for which mode, how
//! skilled, alone, in a party or for a private room.
//!
//! Each region's arrivals follow a day's curve in its own local time
//! (quietest before dawn, busiest in the evening), so at any hour some
//! regions are busy and others quiet; the regions' shares of the day's
//! players, the modes' shares and the skill spread are
//! [`Demand::internet`]'s defaults. Arrivals are a Poisson process whose
//! rate follows the curve (drawn by thinning).

use rand::{Rng, RngExt};
use std::f64::consts::TAU;
use volley_server::matchmaker::shards::Region;
use volley_shared::Mode;

/// A region's part of the demand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegionShare {
    /// The region (`None`: clients whose continent is unknown).
    pub region: Option<Region>,
    /// Its share of the players.
    pub share: f64,
    /// Its local time's offset from UTC, in hours.
    pub utc_offset_h: f64,
}

/// Everything that shapes the arrivals.
#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    /// Players arriving per hour, averaged over the day.
    pub players_per_hour: f64,
    /// The regions' shares (they add up to 1).
    pub regions: Vec<RegionShare>,
    /// The modes' shares (they add up to 1).
    pub modes: Vec<(Mode, f64)>,
    /// The busiest hour's rate over the day's mean, minus one: the curve
    /// is `1 + swing * cos(...)`, so the quietest hour is `1 - swing`.
    pub swing: f64,
    /// The local hour of the busiest time.
    pub peak_hour: f64,
    /// True skill: mean and standard deviation, in rating points.
    pub skill: (f64, f64),
    /// Of the tickets for a four-player mode, the share that is a party of
    /// two.
    pub party_share: f64,
    /// Of the arrivals, the share that plays a private room with a friend
    /// instead of the queue.
    pub private_share: f64,
    /// Games a player plays in one visit: 1 + a geometric count of this
    /// mean.
    pub extra_games: f64,
}

impl Demand {
    /// An internet-wide demand of `players_per_hour`: North America and
    /// Europe 30% each, Asia 25%, South America 7%, Oceania and Africa 3%
    /// each, 2% of unknown continent; duels 55%, Connect Four 15%,
    /// free-for-all of three 10%, of four 20%; evenings 2.5 times as busy
    /// as the day's mean would be at 1.5 (swing 0.6); skill 1500 ± 250;
    /// 20% of four-player tickets are parties of two; 3% of arrivals play
    /// a private room; 2 games a visit on average.
    pub fn internet(players_per_hour: f64) -> Demand {
        let region = |region, share, utc_offset_h| RegionShare {
            region,
            share,
            utc_offset_h,
        };
        Demand {
            players_per_hour,
            regions: vec![
                region(Some(Region::NorthAmerica), 0.30, -6.0),
                region(Some(Region::Europe), 0.30, 1.0),
                region(Some(Region::Asia), 0.25, 8.0),
                region(Some(Region::SouthAmerica), 0.07, -3.0),
                region(Some(Region::Oceania), 0.03, 10.0),
                region(Some(Region::Africa), 0.03, 2.0),
                region(None, 0.02, 0.0),
            ],
            modes: vec![
                (Mode::Duel, 0.55),
                (Mode::ConnectFour, 0.15),
                (Mode::Ffa3, 0.10),
                (Mode::Ffa4, 0.20),
            ],
            swing: 0.6,
            peak_hour: 20.0,
            skill: (1500.0, 250.0),
            party_share: 0.2,
            private_share: 0.03,
            extra_games: 1.0,
        }
    }

    /// The arrival rate of a region, per second, at `t_ms` since midnight
    /// UTC.
    pub fn rate(&self, share: &RegionShare, t_ms: u64) -> f64 {
        let hour = t_ms as f64 / 3_600_000.0 + share.utc_offset_h;
        let curve = 1.0 + self.swing * (TAU * (hour - self.peak_hour) / 24.0).cos();
        self.players_per_hour / 3_600.0 * share.share * curve
    }

    /// The highest rate a region reaches.
    pub fn peak_rate(&self, share: &RegionShare) -> f64 {
        self.players_per_hour / 3_600.0 * share.share * (1.0 + self.swing)
    }

    /// The next arrival in a region after `t_ms`, by thinning a Poisson
    /// process at the peak rate. Times are fractional ms: rounding each
    /// arrival to a whole ms would bias a busy region's rate.
    pub fn next_arrival(&self, share: &RegionShare, t_ms: f64, rng: &mut impl Rng) -> f64 {
        let peak = self.peak_rate(share);
        let mut t = t_ms;
        loop {
            let gap_s = -(1.0 - rng.random::<f64>()).ln() / peak;
            t += gap_s * 1_000.0;
            if rng.random::<f64>() * peak <= self.rate(share, t as u64) {
                return t;
            }
        }
    }

    /// A mode, by the modes' shares.
    pub fn mode(&self, rng: &mut impl Rng) -> Mode {
        let mut left = rng.random::<f64>();
        for (mode, share) in &self.modes {
            if left < *share {
                return *mode;
            }
            left -= share;
        }
        self.modes.last().map_or(Mode::Duel, |(mode, _)| *mode)
    }

    /// A true skill, normally spread (Box–Muller), kept within four
    /// standard deviations.
    pub fn skill(&self, rng: &mut impl Rng) -> f64 {
        let (mean, sd) = self.skill;
        let u = 1.0 - rng.random::<f64>();
        let v = rng.random::<f64>();
        let z = (-2.0 * u.ln()).sqrt() * (TAU * v).cos();
        mean + sd * z.clamp(-4.0, 4.0)
    }

    /// Games in one visit.
    pub fn games(&self, rng: &mut impl Rng) -> u32 {
        // Geometric with mean `extra_games`: keep playing with p.
        let p = self.extra_games / (1.0 + self.extra_games);
        let mut games = 1;
        while games < 50 && rng.random::<f64>() < p {
            games += 1;
        }
        games
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn the_shares_add_up_and_the_curve_averages_to_the_mean() {
        let demand = Demand::internet(1_000_000.0);
        let regions: f64 = demand.regions.iter().map(|r| r.share).sum();
        let modes: f64 = demand.modes.iter().map(|(_, s)| s).sum();
        assert!((regions - 1.0).abs() < 1e-9 && (modes - 1.0).abs() < 1e-9);
        // Over a day, minute by minute, the players per hour come out.
        let per_hour: f64 = (0..24 * 60)
            .map(|minute| {
                demand
                    .regions
                    .iter()
                    .map(|r| demand.rate(r, minute * 60_000))
                    .sum::<f64>()
                    * 60.0
            })
            .sum::<f64>()
            / 24.0;
        assert!((per_hour - 1_000_000.0).abs() < 1.0, "{per_hour}");
    }

    #[test]
    fn a_region_is_busiest_in_its_evening_and_quietest_before_dawn() {
        let demand = Demand::internet(1_000_000.0);
        let europe = demand.regions[1];
        // 20:00 in Europe (UTC+1) is 19:00 UTC; 08:00 there is 07:00 UTC.
        let evening = demand.rate(&europe, 19 * 3_600_000);
        let morning = demand.rate(&europe, 7 * 3_600_000);
        assert!((evening - demand.peak_rate(&europe)).abs() < 1e-9);
        assert!((evening / morning - 1.6 / 0.4).abs() < 1e-9);
    }

    #[test]
    fn arrivals_come_at_the_curves_rate() {
        let demand = Demand::internet(3_600_000.0);
        let europe = demand.regions[1];
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        // One hour around Europe's evening peak.
        let (start, end) = (18 * 3_600_000 + 1_800_000, 19 * 3_600_000 + 1_800_000);
        let mut t = start as f64;
        let mut arrivals = 0u32;
        loop {
            t = demand.next_arrival(&europe, t, &mut rng);
            if t >= end as f64 {
                break;
            }
            arrivals += 1;
        }
        let expected: f64 = (0..60)
            .map(|m| demand.rate(&europe, start + m * 60_000 + 30_000) * 60.0)
            .sum();
        let off = (f64::from(arrivals) - expected).abs() / expected;
        assert!(off < 0.02, "{arrivals} arrivals, expected {expected:.0}");
    }

    #[test]
    fn skills_and_games_have_their_means() {
        let demand = Demand::internet(1.0);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 20_000;
        let skills: Vec<f64> = (0..n).map(|_| demand.skill(&mut rng)).collect();
        let mean = skills.iter().sum::<f64>() / f64::from(n);
        let sd = (skills.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / f64::from(n)).sqrt();
        assert!((mean - 1500.0).abs() < 10.0 && (sd - 250.0).abs() < 10.0);
        let games = (0..n).map(|_| demand.games(&mut rng)).sum::<u32>();
        let mean_games = f64::from(games) / f64::from(n);
        assert!((mean_games - 2.0).abs() < 0.05, "{mean_games}");
    }
}
