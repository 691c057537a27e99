//! Data residency: which objects are kept inside the EU jurisdiction.
//!
//! With `EU_JURISDICTION=1` a deployment keeps European players' games and
//! ratings in Durable Objects restricted to the `eu` jurisdiction:
//!
//! - a room whose match would be hinted to Europe (`weur`, `eeur`: most
//!   of its players connect from there, whichever shard made the match) is
//!   created with `unique_id_with_jurisdiction("eu")` instead. A
//!   jurisdiction and a location hint cannot be combined; Cloudflare
//!   places the room inside the EU.
//! - Europe's regional coordinator shards (their tickets: names, ratings)
//!   live in the `eu` sub-namespace of `COORDINATOR`, and never hand a
//!   quiet region's tickets over to the global pool.
//! - a guest who first connects from Europe gets a player id that says so
//!   (its low 16 bits are [`EU_TAG`]), and their player object (ratings,
//!   history) lives in the `eu` sub-namespace of `PLAYERS`. Every shard
//!   finds it from the id alone. An id drawn for anyone else never carries
//!   the tag; an id from before the setting that happens to carry it
//!   (1 in 65,536) is simply kept in the EU too.
//!
//! The setting is off by default and must stay on once turned on: an EU
//! player's object is found only through the tag while it is on
//! (DEPLOY.md, "Data residency"). Local `wrangler dev` refuses every
//! jurisdiction ("Jurisdiction restrictions are not implemented in
//! workerd"), so locally the setting shows that Volley asks for the EU and
//! fails closed: nothing falls back to an unrestricted object.

use crate::matchmaker::shards::{Pool, Region};
use volley_shared::PlayerId;

/// A Durable Object location hint ([`crate::location::HINTS`]).
pub type Hint = &'static str;

/// The setting that turns residency on (`1`).
pub const SETTING: &str = "EU_JURISDICTION";

/// The low 16 bits of an EU player's id.
pub const EU_TAG: u64 = 0xE0E0;
const TAG_MASK: u64 = 0xFFFF;

/// A Cloudflare jurisdiction Volley keeps data in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jurisdiction {
    /// The European Union.
    Eu,
}

impl Jurisdiction {
    /// The name Cloudflare's API takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Jurisdiction::Eu => "eu",
        }
    }
}

/// Where a new room is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Near its players (or, without a hint, wherever Cloudflare chooses).
    Near(Option<Hint>),
    /// Inside a jurisdiction, with no hint.
    Within(Jurisdiction),
}

impl Placement {
    /// The hint, for a room placed near its players.
    pub fn hint(self) -> Option<Hint> {
        match self {
            Placement::Near(hint) => hint,
            Placement::Within(_) => None,
        }
    }

    /// The jurisdiction, for a room placed inside one.
    pub fn jurisdiction(self) -> Option<Jurisdiction> {
        match self {
            Placement::Near(_) => None,
            Placement::Within(jurisdiction) => Some(jurisdiction),
        }
    }
}

/// A deployment's residency rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Residency {
    /// Whether European players' data stays in the EU.
    pub eu: bool,
}

impl Residency {
    /// The rule the setting's value gives (`1` turns it on).
    pub fn parse(value: Option<&str>) -> Residency {
        Residency {
            eu: value.is_some_and(|v| v.trim() == "1"),
        }
    }

    /// Where a match whose players' hint is `hint` gets its room.
    pub fn room_placement(self, hint: Option<Hint>) -> Placement {
        match hint {
            Some("weur" | "eeur") if self.eu => Placement::Within(Jurisdiction::Eu),
            hint => Placement::Near(hint),
        }
    }

    /// The jurisdiction of a coordinator shard of `pool`, if any: only
    /// Europe's regional shards keep theirs in the EU.
    pub fn shard_home(self, pool: Pool) -> Option<Jurisdiction> {
        (self.eu && pool == Pool::Regional(Region::Europe)).then_some(Jurisdiction::Eu)
    }

    /// The jurisdiction of `player`'s object, if any.
    pub fn player_home(self, player: PlayerId) -> Option<Jurisdiction> {
        (self.eu && player.0 & TAG_MASK == EU_TAG).then_some(Jurisdiction::Eu)
    }

    /// A new guest's id from `random` bits, for a guest connecting from
    /// `continent`: tagged for Europe, and never tagged for anyone else.
    pub fn new_player(self, random: u64, continent: Option<&str>) -> PlayerId {
        let tagged = (random & !TAG_MASK) | EU_TAG;
        if self.eu && continent == Some("EU") {
            PlayerId(tagged)
        } else if random & TAG_MASK == EU_TAG {
            PlayerId(random ^ 1)
        } else {
            PlayerId(random)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Residency = Residency { eu: true };
    const OFF: Residency = Residency { eu: false };

    #[test]
    fn only_a_setting_of_one_turns_residency_on() {
        assert_eq!(Residency::parse(Some(" 1 ")), ON);
        for off in [None, Some("0"), Some("yes"), Some("")] {
            assert_eq!(Residency::parse(off), OFF, "{off:?}");
        }
    }

    #[test]
    fn a_european_match_is_placed_in_the_eu_only_when_residency_is_on() {
        for hint in ["weur", "eeur"] {
            assert_eq!(
                ON.room_placement(Some(hint)),
                Placement::Within(Jurisdiction::Eu)
            );
            assert_eq!(OFF.room_placement(Some(hint)), Placement::Near(Some(hint)));
        }
        for hint in [Some("enam"), Some("me"), None] {
            assert_eq!(ON.room_placement(hint), Placement::Near(hint));
        }
        assert_eq!(Placement::Within(Jurisdiction::Eu).hint(), None);
        assert_eq!(
            Placement::Within(Jurisdiction::Eu)
                .jurisdiction()
                .map(Jurisdiction::as_str),
            Some("eu")
        );
        assert_eq!(Placement::Near(Some("oc")).hint(), Some("oc"));
        assert_eq!(Placement::Near(Some("oc")).jurisdiction(), None);
    }

    #[test]
    fn only_europes_shards_are_kept_in_the_eu() {
        assert_eq!(
            ON.shard_home(Pool::Regional(Region::Europe)),
            Some(Jurisdiction::Eu)
        );
        assert_eq!(OFF.shard_home(Pool::Regional(Region::Europe)), None);
        for pool in [Pool::Global, Pool::Regional(Region::Asia)] {
            assert_eq!(ON.shard_home(pool), None, "{pool:?}");
        }
    }

    #[test]
    fn a_guest_from_europe_gets_a_tagged_id_whose_object_is_in_the_eu() {
        let random = 0x1234_5678_9abc_def0;
        let eu = ON.new_player(random, Some("EU"));
        assert_eq!(eu.0 >> 16, random >> 16, "only the tag bits change");
        assert_eq!(ON.player_home(eu), Some(Jurisdiction::Eu));
        // Off, the same guest is an ordinary player.
        assert_eq!(OFF.new_player(random, Some("EU")), PlayerId(random));
        assert_eq!(OFF.player_home(eu), None);
    }

    #[test]
    fn nobody_else_ever_gets_the_tag() {
        let unlucky = 0xAAAA_0000_0000_0000 | EU_TAG;
        for continent in [Some("NA"), Some("AS"), None] {
            let player = ON.new_player(unlucky, continent);
            assert_ne!(player, PlayerId(unlucky));
            assert_eq!(ON.player_home(player), None, "{continent:?}");
            assert_eq!(ON.new_player(7, continent), PlayerId(7));
        }
    }
}
