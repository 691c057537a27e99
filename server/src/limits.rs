//! Every limit on what one address or one object may hold, with its
//! default and the variable (`wrangler.jsonc` `vars`, or `--var`) that
//! changes it. RELIABILITY.md has the table with the refusal each gives.
//!
//! The runtime refuses a Durable Object's 32,769th hibernatable socket by
//! throwing, and `worker` 0.8.7 unwraps that into a panic that resets every
//! object in the isolate; so each object stops accepting well before, and
//! no setting can raise a socket limit past [`MAX_SOCKETS`].
//!
//! Addresses are counted as [`crate::address`] keys them (an IPv6 /64 is
//! one address). Pure: no `worker` types.

use crate::error::ServerError;
use std::ops::RangeInclusive;

/// The most sockets any limit may allow one object, well under the
/// runtime's 32,768.
pub const MAX_SOCKETS: u64 = 30_000;

/// The limits, parsed once per instance with the other settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Sockets one room holds, players, spectators and sockets that have
    /// not said hello yet (`LIMIT_ROOM_SOCKETS`, 64).
    pub room_sockets: usize,
    /// Sockets one address holds in one room
    /// (`LIMIT_ROOM_SOCKETS_PER_ADDRESS`, 8).
    pub room_sockets_per_address: usize,
    /// Spectators one room admits (`LIMIT_SPECTATORS`, 32).
    pub spectators: usize,
    /// How long a socket may stay open without a valid first frame, in ms
    /// (`LIMIT_HELLO_MS`, 10 s).
    pub hello_ms: u64,
    /// Ticket sockets one coordinator shard holds
    /// (`LIMIT_TICKET_SOCKETS`, 10,000).
    pub ticket_sockets: usize,
    /// Ticket sockets one address holds in one shard
    /// (`LIMIT_TICKET_SOCKETS_PER_ADDRESS`, 8).
    pub ticket_sockets_per_address: usize,
    /// How long a ticket, or a party forming, waits for a match before it
    /// is dropped, in ms (`LIMIT_TICKET_MS`, 10 minutes).
    pub ticket_ms: u64,
    /// Wrong join codes one shard takes a minute from all addresses
    /// together (`LIMIT_SHARD_WRONG_CODES`, 600).
    pub shard_wrong_codes: u32,
    /// Private rooms one shard creates a minute for all addresses
    /// together (`LIMIT_SHARD_PRIVATE_ROOMS`, 600).
    pub shard_private_rooms: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            room_sockets: 64,
            room_sockets_per_address: 8,
            spectators: 32,
            hello_ms: 10_000,
            ticket_sockets: 10_000,
            ticket_sockets_per_address: 8,
            ticket_ms: 10 * 60 * 1_000,
            shard_wrong_codes: 600,
            shard_private_rooms: 600,
        }
    }
}

impl Limits {
    /// Reads each limit from `var`, or keeps its default.
    pub fn parse(var: impl Fn(&str) -> Option<String>) -> Result<Limits, ServerError> {
        let d = Limits::default();
        let budget = |name: &str, default: u32| {
            number(var(name), name, 10..=1_000_000).map(|n| n.map_or(default, |n| n as u32))
        };
        let count = |name: &str, default: usize, range: RangeInclusive<u64>| {
            number(var(name), name, range).map(|n| n.map_or(default, |n| n as usize))
        };
        Ok(Limits {
            room_sockets: count("LIMIT_ROOM_SOCKETS", d.room_sockets, 8..=MAX_SOCKETS)?,
            room_sockets_per_address: count(
                "LIMIT_ROOM_SOCKETS_PER_ADDRESS",
                d.room_sockets_per_address,
                2..=MAX_SOCKETS,
            )?,
            spectators: count("LIMIT_SPECTATORS", d.spectators, 0..=MAX_SOCKETS)?,
            hello_ms: number(var("LIMIT_HELLO_MS"), "LIMIT_HELLO_MS", 1_000..=300_000)?
                .unwrap_or(d.hello_ms),
            ticket_sockets: count("LIMIT_TICKET_SOCKETS", d.ticket_sockets, 8..=MAX_SOCKETS)?,
            ticket_sockets_per_address: count(
                "LIMIT_TICKET_SOCKETS_PER_ADDRESS",
                d.ticket_sockets_per_address,
                1..=MAX_SOCKETS,
            )?,
            ticket_ms: number(
                var("LIMIT_TICKET_MS"),
                "LIMIT_TICKET_MS",
                10_000..=crate::time::DAY_MS,
            )?
            .unwrap_or(d.ticket_ms),
            shard_wrong_codes: budget("LIMIT_SHARD_WRONG_CODES", d.shard_wrong_codes)?,
            shard_private_rooms: budget("LIMIT_SHARD_PRIVATE_ROOMS", d.shard_private_rooms)?,
        })
    }
}

fn number(
    value: Option<String>,
    name: &str,
    range: RangeInclusive<u64>,
) -> Result<Option<u64>, ServerError> {
    whole_var(value, name, range, "whole number")
}

/// A whole number in `range` from a variable's text, if it is set; an
/// error that names the variable, says what it takes (`what`), and quotes
/// the text otherwise.
pub fn whole_var(
    value: Option<String>,
    name: &str,
    range: RangeInclusive<u64>,
    what: &str,
) -> Result<Option<u64>, ServerError> {
    let Some(text) = value else {
        return Ok(None);
    };
    match text.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(ServerError::Config(format!(
            "{name} must be a {what} from {} to {}, not {text:?}",
            range.start(),
            range.end()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Limits, ServerError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Limits::parse(|name| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn limits_have_defaults_and_can_be_set() {
        assert_eq!(parse(&[]).unwrap(), Limits::default());
        let set = parse(&[("LIMIT_SPECTATORS", "3"), ("LIMIT_HELLO_MS", "2000")]).unwrap();
        assert_eq!(set.spectators, 3);
        assert_eq!(set.hello_ms, 2_000);
        assert_eq!(set.room_sockets, 64);
    }

    #[test]
    fn no_socket_limit_reaches_the_runtimes() {
        for name in ["LIMIT_ROOM_SOCKETS", "LIMIT_TICKET_SOCKETS"] {
            let err = parse(&[(name, "32769")]).unwrap_err().to_string();
            assert!(err.contains(name) && err.contains("30000"), "{err}");
        }
        assert!(parse(&[("LIMIT_HELLO_MS", "soon")]).is_err());
    }
}
