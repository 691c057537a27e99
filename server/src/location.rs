//! Where to place a room: a Durable Object location hint from where its
//! players connected.
//!
//! The Worker reads `request.cf` (continent, country, longitude) for each
//! player and picks the hint that covers them:
//!
//! | where | hint |
//! |---|---|
//! | `NA` North America, west of 100° W | `wnam` (western North America) |
//! | `NA` North America, elsewhere or without coordinates | `enam` (eastern North America) |
//! | `SA` South America | `sam` |
//! | `EU` Europe, eastern countries or east of 20° E | `eeur` (eastern Europe) |
//! | `EU` Europe, elsewhere | `weur` (western Europe) |
//! | `AS` Asia, Middle Eastern countries | `me` (Middle East) |
//! | `AS` Asia, elsewhere | `apac` (Asia-Pacific) |
//! | `OC` Oceania | `oc` |
//! | `AF` Africa | `afr` |
//! | `AN` Antarctica, unknown | no hint: Cloudflare places the room near the coordinator |
//!
//! A match's hint is the one most of its players have; a tie goes to the
//! player who waited longest.

/// Every hint Durable Objects accept.
pub const HINTS: [&str; 9] = [
    "wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me",
];

/// Countries of Europe placed in `eeur`.
const EASTERN_EUROPE: [&str; 18] = [
    "BG", "BY", "CZ", "EE", "FI", "GR", "HU", "LT", "LV", "MD", "PL", "RO", "RS", "RU", "SK", "UA",
    "BA", "MK",
];

/// Countries of Asia placed in `me`.
const MIDDLE_EAST: [&str; 15] = [
    "AE", "BH", "CY", "IL", "IQ", "IR", "JO", "KW", "LB", "OM", "PS", "QA", "SA", "SY", "YE",
];

/// The location hint for a player who connected from `continent` (a
/// two-letter code), `country` (ISO 3166) at `longitude` degrees.
pub fn hint_for_place(
    continent: Option<&str>,
    country: Option<&str>,
    longitude: Option<f32>,
) -> Option<&'static str> {
    let in_list = |list: &[&str]| country.is_some_and(|c| list.contains(&c));
    match continent? {
        "NA" if longitude.is_some_and(|lon| lon < -100.0) => Some("wnam"),
        "NA" => Some("enam"),
        "SA" => Some("sam"),
        "EU" if in_list(&EASTERN_EUROPE) || longitude.is_some_and(|lon| lon > 20.0) => Some("eeur"),
        "EU" => Some("weur"),
        "AS" if in_list(&MIDDLE_EAST) => Some("me"),
        "AS" => Some("apac"),
        "OC" => Some("oc"),
        "AF" => Some("afr"),
        _ => None,
    }
}

/// The hint for a match, from its players' hints, oldest ticket first.
pub fn hint_for_match<'a>(
    hints: impl IntoIterator<Item = Option<&'a str>>,
) -> Option<&'static str> {
    let hints: Vec<&'static str> = hints
        .into_iter()
        .filter_map(|h| HINTS.into_iter().find(|known| Some(*known) == h))
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
    fn places_map_to_every_hint() {
        let cases = [
            ((Some("NA"), Some("US"), Some(-122.4)), Some("wnam")),
            ((Some("NA"), Some("US"), Some(-74.0)), Some("enam")),
            ((Some("NA"), None, None), Some("enam")),
            ((Some("SA"), Some("BR"), None), Some("sam")),
            ((Some("EU"), Some("FR"), Some(2.3)), Some("weur")),
            ((Some("EU"), Some("PL"), Some(19.9)), Some("eeur")),
            ((Some("EU"), None, Some(30.5)), Some("eeur")),
            ((Some("AS"), Some("AE"), None), Some("me")),
            ((Some("AS"), Some("JP"), None), Some("apac")),
            ((Some("OC"), Some("AU"), None), Some("oc")),
            ((Some("AF"), Some("NG"), None), Some("afr")),
            ((Some("AN"), None, None), None),
            ((None, Some("US"), None), None),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for ((continent, country, lon), hint) in cases {
            assert_eq!(
                hint_for_place(continent, country, lon),
                hint,
                "{continent:?} {country:?}"
            );
            seen.extend(hint);
        }
        assert_eq!(seen.len(), HINTS.len(), "every hint is reachable");
    }

    #[test]
    fn the_majority_wins_and_ties_go_to_the_first_seat() {
        assert_eq!(
            hint_for_match([Some("weur"), Some("enam"), Some("enam")]),
            Some("enam")
        );
        assert_eq!(hint_for_match([Some("apac"), Some("weur")]), Some("apac"));
        assert_eq!(hint_for_match([None, Some("oc")]), Some("oc"));
        assert_eq!(hint_for_match([None, Some("mars")]), None);
        assert_eq!(hint_for_match([None, None]), None);
    }
}
