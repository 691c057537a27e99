//! The matching rules on a manual clock.

use super::*;

fn solo(id: u64, at: u64, rating: f64) -> Ticket {
    party(id, at, &[rating])
}

fn party(id: u64, at: u64, ratings: &[f64]) -> Ticket {
    Ticket {
        id,
        members: ratings
            .iter()
            .enumerate()
            .map(|(i, &rating)| Member {
                player: PlayerId(id * 10 + i as u64),
                name: format!("p{id}.{i}"),
                rating,
            })
            .collect(),
        mode: Mode::Duel,
        protocol: 1,
        continent: None,
        queued_at_ms: at,
        hint: None,
    }
}

fn in_mode(mode: Mode, mut ticket: Ticket) -> Ticket {
    ticket.mode = mode;
    ticket
}

fn no_bots(mode: Mode) -> MatchRules {
    MatchRules::for_mode(mode, None)
}

fn ids(m: &Match) -> Vec<u64> {
    m.tickets.iter().map(|t| t.id).collect()
}

#[test]
fn a_lone_ticket_waits() {
    let (matches, left) = take_matches(vec![solo(1, 0, 1500.0)], 0, no_bots);
    assert!(matches.is_empty());
    assert_eq!(left, vec![solo(1, 0, 1500.0)]);
}

#[test]
fn oldest_tickets_are_matched_first() {
    let tickets = vec![
        solo(3, 30, 1500.0),
        solo(1, 10, 1500.0),
        solo(2, 20, 1500.0),
    ];
    let (matches, left) = take_matches(tickets, 100, no_bots);
    assert_eq!(matches.len(), 1);
    assert_eq!(ids(&matches[0]), vec![1, 2]);
    assert_eq!(left, vec![solo(3, 30, 1500.0)]);
}

#[test]
fn protocol_versions_are_never_mixed() {
    let mut tickets: Vec<Ticket> = (1..=4).map(|i| solo(i, i * 10, 1500.0)).collect();
    tickets[1].protocol = 2;
    tickets[3].protocol = 2;
    let (matches, left) = take_matches(tickets, 100, no_bots);
    let groups: Vec<Vec<u64>> = matches.iter().map(ids).collect();
    assert_eq!(groups, vec![vec![1, 3], vec![2, 4]]);
    assert!(left.is_empty());
}

#[test]
fn modes_are_never_mixed() {
    let tickets = vec![
        solo(1, 0, 1500.0),
        in_mode(Mode::Ffa3, solo(2, 1, 1500.0)),
        in_mode(Mode::Ffa3, solo(3, 2, 1500.0)),
        in_mode(Mode::Ffa3, solo(4, 3, 1500.0)),
    ];
    let (matches, left) = take_matches(tickets, 100, no_bots);
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].mode, Mode::Ffa3);
    assert_eq!(ids(&matches[0]), vec![2, 3, 4]);
    assert_eq!(left.len(), 1);
}

#[test]
fn no_ticket_is_matched_twice() {
    let tickets: Vec<Ticket> = (0..9).map(|i| solo(i, i * 10, 1500.0)).collect();
    let (matches, left) = take_matches(tickets, 1_000, no_bots);
    let mut seen: Vec<u64> = matches.iter().flat_map(ids).collect();
    seen.extend(left.iter().map(|t| t.id));
    seen.sort_unstable();
    assert_eq!(seen, (0..9).collect::<Vec<_>>());
    assert_eq!(matches.len(), 4);
}

#[test]
fn the_rating_window_widens_with_waiting_time() {
    let rules = no_bots(Mode::Duel);
    assert_eq!(rules.window(0), 100.0);
    assert_eq!(rules.window(4_999), 100.0);
    assert_eq!(rules.window(5_000), 150.0);
    assert_eq!(rules.window(3_600_000), 600.0, "capped");

    let tickets = || vec![solo(1, 0, 1500.0), solo(2, 0, 1720.0)];
    let (matches, _) = take_matches(tickets(), 1_000, no_bots);
    assert!(matches.is_empty(), "220 apart is outside ±100");
    let (matches, _) = take_matches(tickets(), 10_000, no_bots);
    assert!(matches.is_empty(), "still outside ±200 after 10 s");
    let (matches, _) = take_matches(tickets(), 15_000, no_bots);
    assert_eq!(matches.len(), 1, "inside ±250 after 15 s");
}

#[test]
fn the_closest_continent_comes_first_then_any_will_do() {
    let mut eu = solo(1, 0, 1500.0);
    eu.continent = Some("EU".into());
    let mut na = solo(2, 0, 1500.0);
    na.continent = Some("NA".into());
    let (matches, _) = take_matches(vec![eu.clone(), na.clone()], 9_999, no_bots);
    assert!(matches.is_empty());
    let (matches, _) = take_matches(vec![eu.clone(), na.clone()], 10_000, no_bots);
    assert_eq!(matches.len(), 1);

    // With a same-continent player waiting too, that one is chosen.
    let mut eu2 = solo(3, 5_000, 1500.0);
    eu2.continent = Some("EU".into());
    let (matches, left) = take_matches(vec![eu, na, eu2], 6_000, no_bots);
    assert_eq!(ids(&matches[0]), vec![1, 3]);
    assert_eq!(left.len(), 1);
}

#[test]
fn a_party_is_seated_together_or_not_at_all() {
    let four = |at| in_mode(Mode::Ffa4, party(1, at, &[1500.0, 1500.0]));
    let solos = |n: u64| {
        (0..n)
            .map(|i| in_mode(Mode::Ffa4, solo(10 + i, 10 + i, 1500.0)))
            .collect::<Vec<_>>()
    };
    let mut tickets = vec![four(0)];
    tickets.extend(solos(1));
    let (matches, _) = take_matches(tickets, 100, no_bots);
    assert!(matches.is_empty(), "3 of 4 seats");
    let mut tickets = vec![four(0)];
    tickets.extend(solos(3));
    let (matches, left) = take_matches(tickets, 100, no_bots);
    assert_eq!(matches.len(), 1);
    assert_eq!(ids(&matches[0]), vec![1, 10, 11]);
    assert_eq!(left.len(), 1);
    let seats: usize = matches[0].tickets.iter().map(Ticket::size).sum();
    assert_eq!(seats, 4);
}

#[test]
fn every_limit_is_inclusive() {
    // A party as big as its mode is a match by itself.
    let whole = in_mode(Mode::Ffa4, party(1, 0, &[1500.0; 4]));
    let (matches, _) = take_matches(vec![whole], 0, no_bots);
    assert_eq!(
        (matches.len(), matches.first().map(|m| m.bots)),
        (1, Some(0))
    );
    // A party that fills exactly the seats left is seated.
    let three = in_mode(Mode::Ffa4, party(2, 1, &[1500.0; 3]));
    let one = in_mode(Mode::Ffa4, solo(3, 0, 1500.0));
    let (matches, _) = take_matches(vec![one, three], 1, no_bots);
    assert_eq!(matches.first().map(ids), Some(vec![3, 2]));
    // Ratings exactly the window apart match (±100 at once); a hair more
    // does not.
    let (matches, _) = take_matches(vec![solo(4, 0, 1500.0), solo(5, 0, 1600.0)], 0, no_bots);
    assert_eq!(matches.len(), 1);
    let (matches, _) = take_matches(vec![solo(4, 0, 1500.0), solo(5, 0, 1600.5)], 0, no_bots);
    assert!(matches.is_empty());
}

#[test]
fn a_party_too_big_for_its_mode_never_matches() {
    let big = party(1, 0, &[1500.0; 3]);
    let (matches, left) = take_matches(vec![big, solo(2, 1, 1500.0)], 100, no_bots);
    assert!(matches.is_empty());
    assert_eq!(left.len(), 2);
}

#[test]
fn a_younger_ticket_is_not_held_back_by_an_unmatchable_anchor() {
    let mut eu = solo(1, 0, 1500.0);
    eu.continent = Some("EU".into());
    let mut na1 = solo(2, 10, 1500.0);
    na1.continent = Some("NA".into());
    let mut na2 = solo(3, 20, 1500.0);
    na2.continent = Some("NA".into());
    let (matches, left) = take_matches(vec![eu, na1, na2], 1_000, no_bots);
    assert_eq!(ids(&matches[0]), vec![2, 3]);
    assert_eq!(left.iter().map(|t| t.id).collect::<Vec<_>>(), vec![1]);
}

#[test]
fn bots_fill_the_empty_seats_after_the_wait() {
    let bots = |mode| MatchRules::for_mode(mode, Some(20_000));
    let lone = || in_mode(Mode::Ffa3, solo(1, 0, 1500.0));
    let (matches, _) = take_matches(vec![lone()], 19_999, bots);
    assert!(matches.is_empty());
    let (matches, left) = take_matches(vec![lone()], 20_000, bots);
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].bots, 2);
    assert!(left.is_empty());
    // Players who are there are seated before bots.
    let two = vec![lone(), in_mode(Mode::Ffa3, solo(2, 1, 1500.0))];
    let (matches, _) = take_matches(two, 20_000, bots);
    assert_eq!((ids(&matches[0]), matches[0].bots), (vec![1, 2], 1));
}

#[test]
fn the_next_wakeup_is_the_next_change() {
    let bots = |mode| MatchRules::for_mode(mode, Some(20_000));
    let waiting = vec![solo(1, 1_000, 1500.0)];
    assert_eq!(next_wakeup_ms(&waiting, 1_000, bots), Some(6_000), "window");
    assert_eq!(next_wakeup_ms(&waiting, 7_000, bots), Some(11_000));
    assert_eq!(next_wakeup_ms(&[], 7_000, bots), None);
    let old = vec![solo(1, 0, 1500.0)];
    assert_eq!(
        next_wakeup_ms(&old, 3_600_000, no_bots),
        None,
        "nothing more will change"
    );
}

#[test]
fn the_next_wakeup_is_each_change_at_its_boundary() {
    // Widens every 4 s up to its widest after two steps; any continent
    // after 10 s; bots after 30 s. One ticket, queued at 1 s.
    let rules = |mode| MatchRules {
        seats: Mode::players(mode),
        base_window: 100.0,
        widen_by: 100.0,
        widen_every_ms: 4_000,
        max_window: 300.0,
        any_continent_after_ms: 10_000,
        bot_fill_after_ms: Some(30_000),
    };
    let one = vec![solo(1, 1_000, 1500.0)];
    let at = |now| next_wakeup_ms(&one, now, rules);
    assert_eq!(at(1_000), Some(5_000), "the first widening");
    assert_eq!(at(5_000), Some(9_000), "exactly one step in: the second");
    assert_eq!(at(8_999), Some(9_000));
    assert_eq!(at(9_000), Some(11_000), "widest: the continents next");
    assert_eq!(at(11_000), Some(31_000), "continents relaxed: the bots");
    assert_eq!(at(31_000), None, "bots due: nothing more to wait for");
    // Several tickets: the soonest change of any.
    let two = vec![solo(1, 1_000, 1500.0), solo(2, 3_000, 1500.0)];
    assert_eq!(next_wakeup_ms(&two, 3_000, rules), Some(5_000));
    let later_first = vec![solo(2, 3_000, 1500.0), solo(1, 1_000, 1500.0)];
    assert_eq!(next_wakeup_ms(&later_first, 3_000, rules), Some(5_000));
}

/// The first release's matcher (quadratic), kept as the reference the
/// indexed one must agree with whenever a window holds no more than
/// [`CANDIDATES`] tickets.
fn reference(
    mut waiting: Vec<Ticket>,
    now_ms: u64,
    rules: impl Fn(Mode) -> MatchRules,
) -> (Vec<Match>, Vec<Ticket>) {
    waiting.sort_by_key(|t| (t.queued_at_ms, t.id));
    let mut matches = Vec::new();
    let mut left: Vec<Ticket> = Vec::new();
    while !waiting.is_empty() {
        let anchor = waiting.remove(0);
        let rules = rules(anchor.mode);
        if anchor.size() > rules.seats || anchor.members.is_empty() {
            left.push(anchor);
            continue;
        }
        let mut free = rules.seats - anchor.size();
        let mut taken = Vec::new();
        let mut rest = Vec::new();
        for ticket in waiting.drain(..) {
            if free > 0 && ticket.size() <= free && fits(&anchor, &ticket, now_ms, &rules) {
                free -= ticket.size();
                taken.push(ticket);
            } else {
                rest.push(ticket);
            }
        }
        let bot_fill = rules
            .bot_fill_after_ms
            .is_some_and(|after| anchor.waited_ms(now_ms) >= after);
        if free == 0 || bot_fill {
            let mut tickets = vec![anchor];
            tickets.extend(taken);
            matches.push(Match {
                mode: rules_mode(&tickets),
                tickets,
                bots: free,
            });
            waiting = rest;
        } else {
            left.push(anchor);
            taken.extend(rest);
            taken.sort_by_key(|t| (t.queued_at_ms, t.id));
            waiting = taken;
        }
    }
    left.sort_by_key(|t| (t.queued_at_ms, t.id));
    (matches, left)
}

/// A small deterministic generator (xorshift), so the queues are the same
/// on every run.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn random_queue(rng: &mut Xorshift, len: u64) -> Vec<Ticket> {
    let modes = [Mode::Duel, Mode::Ffa3, Mode::Ffa4];
    (0..len)
        .map(|id| {
            let size = 1 + rng.below(2) as usize;
            let ratings: Vec<f64> = (0..size).map(|_| 1_200.0 + rng.below(600) as f64).collect();
            let mut ticket = party(id, rng.below(40_000), &ratings);
            ticket.mode = modes[rng.below(3) as usize];
            ticket.protocol = 1 + rng.below(2) as u16;
            ticket.continent = ["EU", "NA"]
                .get(rng.below(3) as usize)
                .map(|c| c.to_string());
            ticket
        })
        .collect()
}

#[test]
fn the_indexed_matcher_agrees_with_the_reference_on_small_queues() {
    let mut rng = Xorshift(0x5eed_1234_abcd_0001);
    for round in 0..500 {
        let len = 1 + rng.below(40);
        let queue = random_queue(&mut rng, len);
        let now = 40_000 + rng.below(30_000);
        let bots = |mode| MatchRules::for_mode(mode, Some(30_000));
        let ours = take_matches(queue.clone(), now, bots);
        let theirs = reference(queue, now, bots);
        assert_eq!(ours, theirs, "round {round}");
    }
}

#[test]
fn a_queue_of_ten_thousand_is_matched_without_a_ticket_twice() {
    let mut rng = Xorshift(0x0bad_cafe_0000_0042);
    let queue = random_queue(&mut rng, 10_000);
    let (matches, left) = take_matches(queue, 35_000, no_bots);
    let mut seen = std::collections::BTreeSet::new();
    for m in &matches {
        assert_eq!(
            m.tickets.iter().map(Ticket::size).sum::<usize>(),
            m.mode.players()
        );
        for t in &m.tickets {
            assert!(seen.insert(t.id), "ticket {} matched twice", t.id);
            assert_eq!(
                (t.mode, t.protocol),
                (m.tickets[0].mode, m.tickets[0].protocol)
            );
        }
    }
    for t in &left {
        assert!(seen.insert(t.id), "ticket {} both matched and left", t.id);
    }
    assert_eq!(seen.len(), 10_000);
    // A crowded queue makes many matches, not a few.
    assert!(matches.len() > 2_000, "{} matches", matches.len());
}

#[test]
fn ratings_are_weighed_to_the_thousandth_of_a_point() {
    assert_eq!(rating_key(1_500.25), 1_500_250);
    assert_eq!(rating_key(-0.0004), 0);
    assert!(rating_key(1_499.999_6) > rating_key(1_499.999_4));
}

#[test]
fn the_nearest_are_weighed_from_both_sides_by_distance() {
    // Above the anchor (1500): ids 1 to 100, the oldest farthest (id 1 at
    // 1600, id 100 at 1501). Below: ids 101 to 200, half a point apart
    // (id 101 at 1499.5, id 200 at 1450). The CANDIDATES nearest are ids
    // 80 to 100 above (1 to 21 points away) and ids 101 to 142 or 143
    // below (up to 21.5): of those the oldest, id 80, is matched. Weighing
    // one side first would reach older tickets farther above.
    let mut queue: Vec<Ticket> = (1..=100)
        .map(|id| solo(id, id, 1_601.0 - id as f64))
        .chain((101..=200).map(|id| solo(id, id, 1_500.0 - (id - 100) as f64 * 0.5)))
        .collect();
    queue.push(solo(0, 0, 1_500.0));
    let (matches, _) = take_matches(queue, 1_000, no_bots);
    assert_eq!(ids(&matches[0]), vec![0, 80]);
}

#[test]
fn with_more_tickets_in_the_window_than_it_weighs_the_nearest_match() {
    // 200 tickets inside the anchor's window (ratings 1400.25 to 1450) and
    // one more at its own rating. The anchor weighs the CANDIDATES nearest
    // (that one and tickets 138 to 200) and takes the oldest of those.
    let mut queue: Vec<Ticket> = (1..=200)
        .map(|id| solo(id, id, 1_400.0 + id as f64 * 0.25))
        .collect();
    queue.push(solo(0, 0, 1_500.0));
    queue.push(solo(999, 500, 1_500.0));
    let (matches, _) = take_matches(queue, 1_000, no_bots);
    assert_eq!(ids(&matches[0]), vec![0, 201 - CANDIDATES as u64 + 1]);
}
