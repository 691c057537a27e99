//! The demand simulation at a small scale: it replays exactly from its
//! seed, accounts for every ticket, spills quiet regions' tickets to the
//! global pool so nobody waits past bot fill, and splits the load over
//! the regional shards.

use volley_harness::sim::report::Report;
use volley_harness::sim::tally::{Histogram, Tallies};
use volley_harness::sim::{Demand, Design, GameLengths, Sim, SimConfig};
use volley_server::matchmaker::shards::{Pool, Spill};
use volley_server::settings::DEFAULT_BOT_FILL_AFTER_MS;
use volley_shared::Mode;

fn config(design: Design, players_per_hour: f64, hours: f64) -> SimConfig {
    SimConfig {
        demand: Demand::internet(players_per_hour),
        seed: 11,
        duration_ms: (hours * 3_600_000.0) as u64,
        design,
        lengths: GameLengths::fixed(90_000),
        pause_ms: (3_000, 15_000),
    }
}

fn matched(tallies: &Tallies) -> u64 {
    tallies.waits.values().map(|w| w.tickets).sum()
}

#[test]
fn a_day_replays_exactly_from_its_seed() {
    let (a, shards_a) = Sim::new(config(Design::Regional(Spill::ToGlobal), 20_000.0, 2.0)).run();
    let (b, shards_b) = Sim::new(config(Design::Regional(Spill::ToGlobal), 20_000.0, 2.0)).run();
    assert_eq!(a, b);
    let loads = |shards: &[volley_harness::sim::shard::Shard]| {
        shards.iter().map(|s| s.load.clone()).collect::<Vec<_>>()
    };
    assert_eq!(loads(&shards_a), loads(&shards_b));
    assert!(a.counts.matches > 1_000, "{} matches", a.counts.matches);
}

#[test]
fn every_ticket_is_matched_once_or_still_waiting() {
    for design in Design::ALL {
        let (tallies, _) = Sim::new(config(design, 20_000.0, 2.0)).run();
        assert_eq!(
            tallies.counts.tickets,
            matched(&tallies) + tallies.counts.left_waiting,
            "{design:?}"
        );
        // Every match but those still being played was rated.
        assert!(
            tallies.counts.games <= tallies.counts.matches
                && tallies.counts.games > tallies.counts.matches * 9 / 10
        );
    }
}

#[test]
fn quiet_regions_spill_and_nobody_waits_past_bot_fill() {
    let (tallies, shards) =
        Sim::new(config(Design::Regional(Spill::ToGlobal), 20_000.0, 2.0)).run();
    assert!(tallies.counts.spilled > 0);
    let mut all = Histogram::default();
    for waits in tallies.waits.values() {
        all = merged(all, &waits.waits);
    }
    // Waits are counted in tenths of a second; bot fill is due at 30 s and
    // the alarm rings on time.
    let longest = all.percentile(100.0).unwrap_or(0);
    assert!(
        longest <= DEFAULT_BOT_FILL_AFTER_MS / 100 + 1,
        "the longest wait was {longest} tenths of a second"
    );
    // Oceania is a small region: a share of its duels spill.
    let oceania = tallies
        .waits
        .iter()
        .find(|((region, mode), _)| region.is_some_and(|r| r.code() == "oc") && *mode == Mode::Duel)
        .map(|(_, w)| w.clone())
        .unwrap_or_default();
    assert!(oceania.spilled > 0, "{oceania:?}");
    // Every global pool took spilled tickets.
    assert!(
        shards
            .iter()
            .filter(|s| s.pool == Pool::Global)
            .all(|s| s.load.total() > 0)
    );
}

fn merged(mut into: Histogram, other: &Histogram) -> Histogram {
    into.merge(other);
    into
}

#[test]
fn regional_shards_split_a_modes_load() {
    let run = |design| {
        let config = config(design, 50_000.0, 1.0);
        let (tallies, shards) = Sim::new(config.clone()).run();
        Report::new(
            design,
            50_000.0,
            config.seed,
            config.duration_ms,
            &config.lengths,
            &tallies,
            &shards,
        )
    };
    let (per_mode, regional) = (run(Design::PerMode), run(Design::Regional(Spill::ToGlobal)));
    let busiest = |report: &Report, shard: &str| {
        report
            .shards
            .iter()
            .find(|line| line.shard == shard)
            .map_or(0, |line| line.requests)
    };
    let one = busiest(&per_mode, "coordinator:duel");
    let duel_regional_max = regional
        .shards
        .iter()
        .filter(|line| line.shard.starts_with("coordinator:duel"))
        .map(|line| line.requests)
        .max()
        .unwrap_or(0);
    assert!(
        one > 0 && duel_regional_max * 2 < one,
        "{one} vs {duel_regional_max}"
    );
}

/// The longest wait of a run, in tenths of a second, and its bot fills.
fn longest_and_bots(design: Design) -> (u64, u64) {
    let (tallies, _) = Sim::new(config(design, 20_000.0, 2.0)).run();
    let mut all = Histogram::default();
    for waits in tallies.waits.values() {
        all.merge(&waits.waits);
    }
    (all.percentile(99.9).unwrap_or(0), tallies.counts.bot_filled)
}

#[test]
fn quiet_shards_that_defer_to_the_global_pool_wait_as_one_shard_would() {
    let (one, one_bots) = longest_and_bots(Design::PerMode);
    let (quiet, quiet_bots) = longest_and_bots(Design::Regional(Spill::QuietToGlobal));
    let (hand_over, hand_over_bots) = longest_and_bots(Design::Regional(Spill::QuietHandOver));
    let (spill, spill_bots) = longest_and_bots(Design::Regional(Spill::ToGlobal));
    // Quiet regions meet in the global pool from the start, as in one
    // shard per mode; spilling only after the wait leaves them to meet
    // other spilled tickets, or bots.
    assert!(
        quiet <= one + 20 && quiet_bots <= one_bots + 5,
        "{quiet} {quiet_bots} vs {one} {one_bots}"
    );
    // The hand-over alone (what the Worker does: busy shards keep their
    // stragglers) waits as one shard would too, but a busy shard's few
    // stragglers get bots where they would have met a spilled ticket;
    // still far fewer than when only spilling.
    assert!(
        hand_over <= one + 20 && hand_over_bots * 5 < spill_bots,
        "{hand_over} {hand_over_bots} vs {one} {one_bots}, spilling {spill_bots}"
    );
    assert!(
        spill > one && spill_bots > one_bots,
        "{spill} {spill_bots} vs {one} {one_bots}"
    );
}
