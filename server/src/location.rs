//! Where to place a room: a Durable Object location hint from the players'
//! continents.
//!
//! Cloudflare reports a request's continent in `request.cf.continent` as a
//! two-letter code. Each maps to the hint that covers most of it:
//!
//! | continent | hint |
//! |---|---|
//! | `NA` North America | `enam` (eastern North America) |
//! | `SA` South America | `sam` |
//! | `EU` Europe | `weur` (western Europe) |
//! | `AS` Asia | `apac` |
//! | `OC` Oceania | `oc` |
//! | `AF` Africa | `afr` |
//! | `AN` Antarctica, unknown | no hint: Cloudflare places the room near the coordinator |
//!
//! A match's hint is the one most of its players map to; a tie goes to the
//! player who waited longest.

/// The location hint for one continent code.
pub fn hint_for_continent(continent: &str) -> Option<&'static str> {
    match continent {
        "NA" => Some("enam"),
        "SA" => Some("sam"),
        "EU" => Some("weur"),
        "AS" => Some("apac"),
        "OC" => Some("oc"),
        "AF" => Some("afr"),
        _ => None,
    }
}

/// The hint for a match, from its players' continents in seat order.
pub fn hint_for_match<'a>(
    continents: impl IntoIterator<Item = Option<&'a str>>,
) -> Option<&'static str> {
    let hints: Vec<&'static str> = continents
        .into_iter()
        .filter_map(|c| c.and_then(hint_for_continent))
        .collect();
    // max_by_key keeps the last maximum; scan in reverse so ties go to the
    // earliest seat.
    hints
        .iter()
        .rev()
        .max_by_key(|h| hints.iter().filter(|o| o == h).count())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continents_map_to_hints() {
        assert_eq!(hint_for_continent("EU"), Some("weur"));
        assert_eq!(hint_for_continent("AN"), None);
        assert_eq!(hint_for_continent(""), None);
    }

    #[test]
    fn the_majority_wins_and_ties_go_to_the_first_seat() {
        assert_eq!(
            hint_for_match([Some("EU"), Some("NA"), Some("NA")]),
            Some("enam")
        );
        assert_eq!(hint_for_match([Some("AS"), Some("EU")]), Some("apac"));
        assert_eq!(hint_for_match([None, Some("OC")]), Some("oc"));
        assert_eq!(hint_for_match([None, None]), None);
    }
}
