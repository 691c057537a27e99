//! Which coordinator shard a ticket goes to: one per mode and region, and
//! one global pool per mode.
//!
//! One Durable Object is one thread, guided at about a thousand simple
//! requests a second, so a mode's whole world cannot queue at one object.
//! A ticket goes to the shard of its mode and of the region Cloudflare saw
//! it connect from (the continent, `request.cf.continent`); a client whose
//! continent is unknown, and every party (whose members may connect from
//! anywhere), goes to the mode's global pool. The matcher keeps players to
//! their continent until [`MatchRules::any_continent_after_ms`] anyway, so
//! a regional shard only does, apart, what one shard did for every
//! continent.
//!
//! A region too quiet to fill matches quickly must not queue alone: a
//! regional shard that took fewer than [`QUIET_TICKETS_PER_MINUTE`] tickets
//! in the last minute answers a new ticket's upgrade with a hand-over
//! ([`HAND_OVER_HEADER`]), and the Worker sends it to the global pool,
//! where the quiet regions' players meet as in one shard per mode. The
//! simulation (`volley-sim`, BENCHMARKS.md) compared this with tickets
//! that spill after waiting ([`Spill`]: to the global pool, or to a busier
//! neighbour, [`Region::neighbour`]), which made quiet regions wait for bot
//! fill. The global pool's name is the one shard per mode of the first
//! releases (`coordinator:{mode}`), so what that shard holds stays where
//! it is.

use super::queue::MatchRules;
use volley_shared::Mode;

/// A region: one of Cloudflare's continents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Region {
    /// `AF`.
    Africa,
    /// `AS`.
    Asia,
    /// `EU`.
    Europe,
    /// `NA`.
    NorthAmerica,
    /// `OC`.
    Oceania,
    /// `SA`.
    SouthAmerica,
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 6] = [
        Region::Africa,
        Region::Asia,
        Region::Europe,
        Region::NorthAmerica,
        Region::Oceania,
        Region::SouthAmerica,
    ];

    /// The region of a continent as Cloudflare writes it (`EU`); `None`
    /// for Antarctica, Tor (`T1`) and anything else.
    pub fn from_continent(continent: &str) -> Option<Region> {
        Region::ALL
            .into_iter()
            .find(|r| r.continent().eq_ignore_ascii_case(continent.trim()))
    }

    /// The continent code Cloudflare reports for it.
    pub fn continent(self) -> &'static str {
        match self {
            Region::Africa => "AF",
            Region::Asia => "AS",
            Region::Europe => "EU",
            Region::NorthAmerica => "NA",
            Region::Oceania => "OC",
            Region::SouthAmerica => "SA",
        }
    }

    /// Its code in shard names (`eu`).
    pub fn code(self) -> &'static str {
        match self {
            Region::Africa => "af",
            Region::Asia => "as",
            Region::Europe => "eu",
            Region::NorthAmerica => "na",
            Region::Oceania => "oc",
            Region::SouthAmerica => "sa",
        }
    }

    /// Its busier neighbour: Africa's is Europe, Oceania's Asia, South
    /// America's North America, and the three busiest have each other
    /// (Asia's and North America's is Europe, Europe's North America).
    pub fn neighbour(self) -> Region {
        match self {
            Region::Africa | Region::Asia | Region::NorthAmerica => Region::Europe,
            Region::Europe => Region::NorthAmerica,
            Region::Oceania => Region::Asia,
            Region::SouthAmerica => Region::NorthAmerica,
        }
    }
}

/// Where a mode's tickets wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pool {
    /// The players of one region.
    Regional(Region),
    /// Anyone: parties, tickets of unknown continent, and those a quiet
    /// regional shard handed over.
    Global,
}

impl Pool {
    /// The pool of a ticket from `continent`.
    pub fn for_continent(continent: Option<&str>) -> Pool {
        continent
            .and_then(Region::from_continent)
            .map_or(Pool::Global, Pool::Regional)
    }

    /// Where this pool's own tickets spill to (`None` for the global pool,
    /// whose tickets already match anyone after the same wait).
    pub fn spills_to(self, spill: Spill) -> Option<Pool> {
        match (self, spill) {
            (Pool::Regional(_), Spill::ToGlobal | Spill::QuietToGlobal) => Some(Pool::Global),
            (Pool::Regional(_), Spill::QuietHandOver) => None,
            (Pool::Regional(region), Spill::ToNeighbour) => {
                Some(Pool::Regional(region.neighbour()))
            }
            (Pool::Global, _) => None,
        }
    }

    /// Whether a ticket from `continent` waiting in this pool is its own
    /// (not one that spilled here, which spills no further).
    pub fn owns(self, continent: Option<&str>) -> bool {
        Pool::for_continent(continent) == self
    }

    /// How the Worker names the pool to its shard (`?pool=`): the region's
    /// code (`eu`), or `global`.
    pub fn code(self) -> &'static str {
        match self {
            Pool::Regional(region) => region.code(),
            Pool::Global => "global",
        }
    }

    /// The pool a `?pool=` names; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Pool> {
        if code == "global" {
            return Some(Pool::Global);
        }
        Region::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .map(Pool::Regional)
    }

    /// Every pool of a mode: the regions', then the global one.
    pub fn all() -> impl Iterator<Item = Pool> {
        Region::ALL
            .into_iter()
            .map(Pool::Regional)
            .chain([Pool::Global])
    }

    /// The shard's Durable Object name: `coordinator:{mode}:{region}`, and
    /// `coordinator:{mode}` for the global pool (the first releases' one
    /// shard per mode).
    pub fn shard_name(self, mode: Mode) -> String {
        match self {
            Pool::Regional(region) => format!("coordinator:{}:{}", mode.as_str(), region.code()),
            Pool::Global => format!("coordinator:{}", mode.as_str()),
        }
    }
}

/// Where a regional shard's tickets go once they waited the spill time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spill {
    /// To the mode's global pool.
    ToGlobal,
    /// To the region's busier neighbour.
    ToNeighbour,
    /// To the mode's global pool; and a quiet shard ([`is_quiet`]) hands
    /// every new ticket to the global pool at once, so the quiet regions'
    /// players meet there as they would in one shard per mode, and the
    /// global pool's load stays bounded by the quiet shards' few tickets.
    QuietToGlobal,
    /// Only the hand-over: a quiet shard hands every new ticket to the
    /// global pool at once; a busy shard keeps its tickets (bot fill ends
    /// any wait). What Volley does: the hand-over happens before the
    /// ticket's socket is accepted ([`HAND_OVER_HEADER`]), so no ticket
    /// ever moves between objects.
    QuietHandOver,
}

/// The header with which a quiet regional shard answers a ticket's socket
/// upgrade instead of accepting it (status [`HAND_OVER_STATUS`]): the
/// Worker then sends the upgrade to the pool it names (`global`).
pub const HAND_OVER_HEADER: &str = "X-Volley-Hand-Over";
/// The status of a hand-over answer.
pub const HAND_OVER_STATUS: u16 = 307;

impl Spill {
    /// Whether a quiet shard hands its new tickets over.
    pub fn hands_over_when_quiet(self) -> bool {
        matches!(self, Spill::QuietToGlobal | Spill::QuietHandOver)
    }
}

/// A regional shard that took fewer new tickets than this in the last
/// minute is quiet (two a second: below that, a region's own players too
/// seldom fill a match quickly).
pub const QUIET_TICKETS_PER_MINUTE: u32 = 120;

/// Whether a regional shard that took `tickets_last_minute` new tickets in
/// the last minute is quiet, below `threshold` (by default
/// [`QUIET_TICKETS_PER_MINUTE`]; 0 makes no shard quiet).
pub fn is_quiet(tickets_last_minute: u32, threshold: u32) -> bool {
    tickets_last_minute < threshold
}

/// A shard's tickets in the last minute as of `now_ms`, from the counts of
/// the current minute (`current`) and the one before (`previous`): the part
/// of the previous minute still within the last sixty seconds is counted in
/// proportion.
pub fn last_minute(current: u32, previous: u32, now_ms: u64) -> u32 {
    let into_minute = (now_ms % 60_000) as f64 / 60_000.0;
    let carried = (f64::from(previous) * (1.0 - into_minute)).round() as u32;
    current.saturating_add(carried)
}

/// When a ticket queued at `queued_at_ms` spills from its region's shard
/// to the global pool: once the matcher would take any continent for it.
pub fn spill_at(rules: &MatchRules, queued_at_ms: u64) -> u64 {
    queued_at_ms.saturating_add(rules.any_continent_after_ms)
}

/// Whether a ticket queued at `queued_at_ms` spills at `now_ms`.
pub fn spills(rules: &MatchRules, queued_at_ms: u64, now_ms: u64) -> bool {
    now_ms >= spill_at(rules, queued_at_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_continent_names_its_regions_shard_and_anything_else_the_global_pool() {
        assert_eq!(
            Pool::for_continent(Some("EU")).shard_name(Mode::Duel),
            "coordinator:duel:eu"
        );
        assert_eq!(
            Pool::for_continent(Some("na")).shard_name(Mode::Ffa4),
            "coordinator:ffa4:na"
        );
        for other in [None, Some("AN"), Some("T1"), Some(""), Some("EUROPE")] {
            assert_eq!(Pool::for_continent(other), Pool::Global, "{other:?}");
        }
        assert_eq!(Pool::Global.shard_name(Mode::Duel), "coordinator:duel");
    }

    #[test]
    fn every_region_has_its_own_codes() {
        for region in Region::ALL {
            assert_eq!(Region::from_continent(region.continent()), Some(region));
            assert_eq!(region.code(), region.continent().to_lowercase());
        }
    }

    #[test]
    fn every_region_spills_to_the_global_pool_or_a_busier_neighbour() {
        for region in Region::ALL {
            let to = region.neighbour();
            assert_ne!(to, region);
            assert!(
                [Region::Europe, Region::NorthAmerica, Region::Asia].contains(&to),
                "{region:?} spills to {to:?}"
            );
        }
        let oceania = Pool::Regional(Region::Oceania);
        let asia = Pool::Regional(Region::Asia);
        assert_eq!(oceania.spills_to(Spill::ToNeighbour), Some(asia));
        assert_eq!(oceania.spills_to(Spill::ToGlobal), Some(Pool::Global));
        assert_eq!(oceania.spills_to(Spill::QuietToGlobal), Some(Pool::Global));
        assert_eq!(Pool::Global.spills_to(Spill::ToGlobal), None);
        assert_eq!(Pool::Global.spills_to(Spill::ToNeighbour), None);
        assert!(asia.owns(Some("AS")) && !asia.owns(Some("OC")) && !asia.owns(None));
        assert!(Pool::Global.owns(None) && Pool::Global.owns(Some("AN")));
    }

    #[test]
    fn a_shard_is_quiet_below_two_tickets_a_second() {
        let q = QUIET_TICKETS_PER_MINUTE;
        assert!(is_quiet(0, q) && is_quiet(119, q));
        assert!(!is_quiet(120, q) && !is_quiet(u32::MAX, q));
        assert!(!is_quiet(0, 0));
    }

    #[test]
    fn the_last_minute_counts_the_previous_minute_in_proportion() {
        assert_eq!(last_minute(10, 100, 120_000), 110);
        assert_eq!(last_minute(10, 100, 150_000), 60);
        assert_eq!(last_minute(10, 100, 179_999), 10);
        assert_eq!(last_minute(u32::MAX, u32::MAX, 0), u32::MAX);
    }

    #[test]
    fn pools_are_named_by_code_and_only_the_hand_over_keeps_busy_tickets() {
        for pool in Pool::all() {
            assert_eq!(Pool::from_code(pool.code()), Some(pool));
        }
        assert_eq!(Pool::all().count(), 7);
        for bad in ["", "EU", "europe", "coordinator:duel"] {
            assert_eq!(Pool::from_code(bad), None, "{bad:?}");
        }
        let europe = Pool::Regional(Region::Europe);
        assert_eq!(europe.spills_to(Spill::QuietHandOver), None);
        assert!(Spill::QuietHandOver.hands_over_when_quiet());
        assert!(Spill::QuietToGlobal.hands_over_when_quiet());
        assert!(!Spill::ToGlobal.hands_over_when_quiet());
        assert!(!Spill::ToNeighbour.hands_over_when_quiet());
    }

    #[test]
    fn a_ticket_spills_when_any_continent_would_do() {
        let rules = MatchRules::for_mode(Mode::Duel, None);
        let at = spill_at(&rules, 1_000);
        assert_eq!(at, 1_000 + rules.any_continent_after_ms);
        assert!(!spills(&rules, 1_000, at - 1));
        assert!(spills(&rules, 1_000, at));
        assert_eq!(spill_at(&rules, u64::MAX), u64::MAX);
    }
}
