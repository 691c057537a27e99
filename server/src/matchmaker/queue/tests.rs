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
