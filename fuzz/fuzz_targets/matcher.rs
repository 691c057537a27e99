//! The matcher on any queue: tickets of any mode, protocol, size, ratings,
//! continent and age, matched at any time with or without bot fill.
//!
//! Invariants: every ticket comes out exactly once (in one match, or left
//! waiting); a match's tickets are of one mode and protocol, their seats
//! plus its bots fill the mode exactly, and no ticket is bigger than the
//! mode; bots only come after the bot-fill wait; the tickets left are in
//! age order.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use volley_server::matchmaker::queue::{Match, MatchRules, Member, Ticket, take_matches};
use volley_shared::{Mode, PlayerId};

fuzz_target!(|data: &[u8]| {
    let Some((&head, body)) = data.split_first() else {
        return;
    };
    let now = 1_000_000u64;
    let bot_fill = (head & 1 == 1).then_some(u64::from(head >> 1) * 500);
    let modes = [Mode::Duel, Mode::Ffa3, Mode::Ffa4, Mode::ConnectFour];
    let tickets: Vec<Ticket> = body
        .chunks_exact(4)
        .enumerate()
        .map(|(id, b)| {
            let size = 1 + usize::from(b[0] % 5);
            Ticket {
                id: id as u64,
                members: (0..size)
                    .map(|m| Member {
                        player: PlayerId(id as u64 * 8 + m as u64),
                        name: "p".into(),
                        rating: 1_000.0 + f64::from(b[1]) * 4.0 + m as f64,
                    })
                    .collect(),
                mode: modes[usize::from(b[0] >> 3) % modes.len()],
                protocol: 1 + u16::from(b[0] >> 7),
                continent: ["EU", "NA", "AS"]
                    .get(usize::from(b[2] % 4))
                    .map(|c| c.to_string()),
                queued_at_ms: now - u64::from(b[3]) * 400,
                hint: None,
            }
        })
        .collect();
    let rules = |mode| MatchRules::for_mode(mode, bot_fill);
    let (matches, left) = take_matches(tickets.clone(), now, rules);
    let mut seen = BTreeSet::new();
    for Match {
        mode,
        tickets: matched,
        bots,
    } in &matches
    {
        let seats: usize = matched.iter().map(Ticket::size).sum();
        assert_eq!(seats + bots, mode.players(), "seats do not add up");
        let first = &matched[0];
        if *bots > 0 {
            let after = bot_fill.expect("bots without bot fill");
            assert!(now - first.queued_at_ms >= after, "bots too early");
        }
        for ticket in matched {
            assert_eq!((ticket.mode, ticket.protocol), (first.mode, first.protocol));
            assert!(seen.insert(ticket.id), "ticket {} twice", ticket.id);
        }
    }
    for ticket in &left {
        assert!(
            seen.insert(ticket.id),
            "ticket {} matched and left",
            ticket.id
        );
    }
    assert_eq!(seen.len(), tickets.len(), "a ticket went missing");
    assert!(
        left.windows(2)
            .all(|w| (w[0].queued_at_ms, w[0].id) <= (w[1].queued_at_ms, w[1].id)),
        "the tickets left are not in age order"
    );
});
