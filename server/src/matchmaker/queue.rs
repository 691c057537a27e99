//! The matchmaking queue as pure logic: tickets in, matches out.
//!
//! Tickets are served oldest first; only tickets of the same mode and
//! protocol version are matched together, and each ticket is matched at most
//! once (it leaves the queue when it is matched or cancelled).

use serde::{Deserialize, Serialize};
use volley_shared::{Mode, PlayerId};

/// One player waiting for a match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Who is waiting.
    pub player: PlayerId,
    /// Their display name.
    pub name: String,
    /// The kind of match wanted.
    pub mode: Mode,
    /// The protocol version the client speaks.
    pub protocol: u16,
    /// When the ticket was queued, in ms since the Unix epoch.
    pub queued_at_ms: u64,
    /// The continent the player connected from (`request.cf`), if known.
    pub continent: Option<String>,
}

/// Players to seat together, in seat order (oldest ticket first).
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// The kind of match.
    pub mode: Mode,
    /// The tickets matched, one per seat.
    pub tickets: Vec<Ticket>,
}

/// Takes every match that can be made from `waiting` and returns them with
/// the tickets left over. Order of `waiting` does not matter.
pub fn take_matches(mut waiting: Vec<Ticket>) -> (Vec<Match>, Vec<Ticket>) {
    waiting.sort_by_key(|t| (t.queued_at_ms, t.player));
    let mut matches = Vec::new();
    let mut left = Vec::new();
    while !waiting.is_empty() {
        let oldest = waiting.remove(0);
        let needed = oldest.mode.players();
        let mut group = vec![oldest];
        let mut rest = Vec::new();
        for ticket in waiting.drain(..) {
            let fits = group.first().is_some_and(|first| {
                ticket.mode == first.mode && ticket.protocol == first.protocol
            });
            if fits && group.len() < needed {
                group.push(ticket);
            } else {
                rest.push(ticket);
            }
        }
        waiting = rest;
        if group.len() == needed {
            let mode = group.first().map_or(Mode::Duel, |t| t.mode);
            matches.push(Match {
                mode,
                tickets: group,
            });
        } else {
            left.extend(group);
        }
    }
    left.sort_by_key(|t| (t.queued_at_ms, t.player));
    (matches, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(player: u64, at: u64, protocol: u16) -> Ticket {
        Ticket {
            player: PlayerId(player),
            name: format!("p{player}"),
            mode: Mode::Duel,
            protocol,
            queued_at_ms: at,
            continent: None,
        }
    }

    fn players(m: &Match) -> Vec<u64> {
        m.tickets.iter().map(|t| t.player.0).collect()
    }

    #[test]
    fn a_lone_ticket_waits() {
        let (matches, left) = take_matches(vec![ticket(1, 0, 1)]);
        assert!(matches.is_empty());
        assert_eq!(left, vec![ticket(1, 0, 1)]);
    }

    #[test]
    fn oldest_tickets_are_matched_first() {
        let (matches, left) =
            take_matches(vec![ticket(3, 30, 1), ticket(1, 10, 1), ticket(2, 20, 1)]);
        assert_eq!(matches.len(), 1);
        assert_eq!(players(&matches[0]), vec![1, 2]);
        assert_eq!(left, vec![ticket(3, 30, 1)]);
    }

    #[test]
    fn protocol_versions_are_never_mixed() {
        let (matches, left) = take_matches(vec![
            ticket(1, 10, 1),
            ticket(2, 20, 2),
            ticket(3, 30, 1),
            ticket(4, 40, 2),
        ]);
        let groups: Vec<Vec<u64>> = matches.iter().map(players).collect();
        assert_eq!(groups, vec![vec![1, 3], vec![2, 4]]);
        assert!(left.is_empty());
    }

    #[test]
    fn no_ticket_is_matched_twice() {
        let tickets: Vec<Ticket> = (0..9).map(|i| ticket(i, i * 10, 1)).collect();
        let (matches, left) = take_matches(tickets);
        let mut seen: Vec<u64> = matches.iter().flat_map(players).collect();
        seen.extend(left.iter().map(|t| t.player.0));
        seen.sort_unstable();
        assert_eq!(seen, (0..9).collect::<Vec<_>>());
        assert_eq!(matches.len(), 4);
        assert_eq!(left.len(), 1);
    }
}
