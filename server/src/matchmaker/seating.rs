//! Who sits where in a match's room: the tickets' players in order (the
//! oldest ticket first, each party together), then its bot seats. Pure,
//! so the coordinator and the in-process harness seat matches alike.

use super::queue::Match;
use crate::internal::SeatSetup;
use volley_shared::PlayerId;

/// The seats of `found`, its bots named "bot 1", "bot 2", … with the ids
/// `bot_ids` (one per bot seat; bot seats without an id are left out).
pub fn seats_for(found: &Match, bot_ids: Vec<PlayerId>) -> Vec<SeatSetup> {
    let people = found
        .tickets
        .iter()
        .flat_map(|t| &t.members)
        .map(|m| SeatSetup {
            player: m.player,
            name: m.name.clone(),
            bot: false,
        });
    let bots = bot_ids
        .into_iter()
        .take(found.bots)
        .enumerate()
        .map(|(n, player)| SeatSetup {
            player,
            name: format!("bot {}", n + 1),
            bot: true,
        });
    people.chain(bots).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matchmaker::queue::{Member, Ticket};
    use volley_shared::Mode;

    fn ticket(id: u64, players: &[u64]) -> Ticket {
        Ticket {
            id,
            members: players
                .iter()
                .map(|&p| Member {
                    player: PlayerId(p),
                    name: format!("p{p}"),
                    rating: 1500.0,
                })
                .collect(),
            mode: Mode::Ffa4,
            protocol: 2,
            continent: None,
            queued_at_ms: id,
            hint: None,
        }
    }

    #[test]
    fn players_sit_in_ticket_order_then_the_bots() {
        let found = Match {
            mode: Mode::Ffa4,
            tickets: vec![ticket(1, &[10, 11]), ticket(2, &[20])],
            bots: 1,
        };
        let seats = seats_for(&found, vec![PlayerId(99)]);
        let names: Vec<(&str, u64, bool)> = seats
            .iter()
            .map(|s| (s.name.as_str(), s.player.0, s.bot))
            .collect();
        assert_eq!(
            names,
            [
                ("p10", 10, false),
                ("p11", 11, false),
                ("p20", 20, false),
                ("bot 1", 99, true)
            ]
        );
    }

    #[test]
    fn there_are_as_many_bot_seats_as_the_match_has_bots() {
        let found = Match {
            mode: Mode::Ffa4,
            tickets: vec![ticket(1, &[10])],
            bots: 2,
        };
        let ids = vec![PlayerId(7), PlayerId(8), PlayerId(9)];
        let bots: Vec<String> = seats_for(&found, ids)
            .into_iter()
            .filter(|s| s.bot)
            .map(|s| s.name)
            .collect();
        assert_eq!(bots, ["bot 1", "bot 2"]);
    }
}
