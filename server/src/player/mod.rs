//! A player's ratings and match history, one object per player, so every
//! coordinator shard of a mode sees the same rating.
//!
//! - [`durable`]: the `Player` Durable Object (its routes, the migration
//!   from the first releases' per-shard ratings, expiry).
//! - [`storage`]: its tables.
//!
//! The rating arithmetic stays with the coordinator
//! ([`crate::matchmaker::ratings`]), which settles a whole game at once;
//! a player object only applies its own line, once per room.

pub mod durable;
pub mod storage;

use crate::error::{Result, ServerError};
use volley_shared::PlayerId;

/// A player id as routes and queries carry it: 16 hex digits.
pub fn parse_player(text: &str) -> Result<PlayerId> {
    let bad = || ServerError::BadRequest("a player id is 16 hex digits".into());
    if text.len() != 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    u64::from_str_radix(text, 16)
        .map(PlayerId)
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_player_id_is_exactly_sixteen_hex_digits() {
        assert_eq!(parse_player("00000000000000ff").unwrap(), PlayerId(255));
        assert_eq!(
            parse_player("FFFFFFFFFFFFFFFF").unwrap(),
            PlayerId(u64::MAX)
        );
        for bad in [
            "",
            "ff",
            "+00000000000000f",
            "00000000000000fg",
            "000000000000000ff",
        ] {
            assert!(parse_player(bad).is_err(), "{bad:?}");
        }
    }
}
