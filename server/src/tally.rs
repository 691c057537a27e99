//! What the rooms and coordinator shards count for the operators'
//! dashboard, minute by minute: connections closed by close code, error
//! frames by error code, refusals by the limit that refused, and moves'
//! round trips as a room measures them. Pure: names, buckets and merging;
//! [`table`] keeps them in an object's SQLite database.
//!
//! A count's name says what it is (`close:4008`, `error:RateLimited`,
//! `refused:LIMIT_SPECTATORS`, `rtt:12`), so a later release can count
//! new things without a new format: a reader shows the names it knows.
//!
//! **A move's round trip, as the room measures it:** from the move's frame
//! arriving to the mover's acknowledgement of its first event
//! ([`volley_shared::protocol::room::move_ack`], a `Ping` the client sends
//! when that event arrives). It includes storing the move, the runtime's
//! output gate, and the network both ways. Kept as a count per bucket
//! ([`RTT_BUCKETS_MS`]), so an hour of them stays a few rows a minute and
//! percentiles are known to within a bucket.

pub mod table;

use volley_shared::protocol::ErrorCode;

/// The upper bounds of the round-trip buckets, in ms: roughly 1.5x apart.
/// A round trip over the last goes in the last.
pub const RTT_BUCKETS_MS: [u64; 24] = [
    1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1_024, 1_536,
    2_048, 4_096, 8_192,
];

/// The last bucket's bound.
const LAST_BUCKET_MS: u64 = 8_192;

/// A limit that refuses, named by the variable that sets it
/// ([`crate::limits`]), or for the flood limit by its constant
/// ([`crate::flood::FRAMES_PER_SECOND`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Sockets one room holds.
    RoomSockets,
    /// Sockets one address holds in one room.
    RoomSocketsPerAddress,
    /// Spectators one room admits.
    Spectators,
    /// A socket's first frame took too long.
    Hello,
    /// Ticket sockets one shard holds.
    TicketSockets,
    /// Ticket sockets one address holds in one shard.
    TicketSocketsPerAddress,
    /// How long a ticket waits for a match.
    TicketTime,
    /// Frames per second on a socket ([`crate::flood`]).
    Frames,
}

impl Limit {
    /// Its name in counts.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::RoomSockets => "LIMIT_ROOM_SOCKETS",
            Limit::RoomSocketsPerAddress => "LIMIT_ROOM_SOCKETS_PER_ADDRESS",
            Limit::Spectators => "LIMIT_SPECTATORS",
            Limit::Hello => "LIMIT_HELLO_MS",
            Limit::TicketSockets => "LIMIT_TICKET_SOCKETS",
            Limit::TicketSocketsPerAddress => "LIMIT_TICKET_SOCKETS_PER_ADDRESS",
            Limit::TicketTime => "LIMIT_TICKET_MS",
            Limit::Frames => "FRAMES_PER_SECOND",
        }
    }
}

/// One thing counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tally {
    /// A connection was closed with this code.
    Closed(u16),
    /// An error frame was sent with this code.
    Error(ErrorCode),
    /// A limit refused a connection or a frame.
    Refused(Limit),
    /// A move's round trip, as the room measured it.
    MoveRoundTrip {
        /// In ms.
        ms: u64,
    },
}

/// The prefix of round-trip counts' names.
pub const RTT_PREFIX: &str = "rtt:";

impl Tally {
    /// Its name in counts.
    pub fn name(self) -> String {
        match self {
            Tally::Closed(code) => format!("close:{code}"),
            Tally::Error(code) => format!("error:{code:?}"),
            Tally::Refused(limit) => format!("refused:{}", limit.as_str()),
            Tally::MoveRoundTrip { ms } => format!("{RTT_PREFIX}{}", bucket(ms)),
        }
    }
}

/// The bucket `ms` is counted in: its upper bound.
pub fn bucket(ms: u64) -> u64 {
    RTT_BUCKETS_MS
        .iter()
        .copied()
        .find(|&bound| ms <= bound)
        .unwrap_or(LAST_BUCKET_MS)
}

/// A count: in a minute (since the epoch), of a name, how many.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Count {
    /// Minutes since the Unix epoch.
    pub minute: u64,
    /// What was counted ([`Tally::name`]).
    pub name: String,
    /// How many.
    pub n: u64,
}

/// The longest name a count may have; longer ones are not kept.
pub const MAX_NAME_LEN: usize = 48;

/// The rank (from 1) of the `p`-th percentile (0 to 100) among `count`
/// values by the nearest-rank method: ceil(p/100 * count), at least 1.
/// The one rule for waits' percentiles and round trips'.
pub fn nearest_rank(p: u64, count: u64) -> u64 {
    (p.min(100) * count).div_ceil(100).max(1)
}

/// The `p`-th percentile (0 to 100) of round trips counted as
/// (bucket, count), by the nearest-rank method: the bucket's upper bound.
pub fn rtt_percentile(buckets: &[(u64, u64)], p: u64) -> Option<u64> {
    let total: u64 = buckets.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let mut sorted = buckets.to_vec();
    sorted.sort_unstable();
    let rank = nearest_rank(p, total);
    let mut seen = 0;
    sorted.into_iter().find_map(|(bound, n)| {
        seen += n;
        (seen >= rank).then_some(bound)
    })
}

/// The round-trip bucket a count's name is of (`rtt:12` is 12), if it is
/// a round trip's.
pub fn rtt_bucket_of(name: &str) -> Option<u64> {
    name.strip_prefix(RTT_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_what_was_counted() {
        assert_eq!(Tally::Closed(4008).name(), "close:4008");
        assert_eq!(
            Tally::Error(ErrorCode::RateLimited).name(),
            "error:RateLimited"
        );
        assert_eq!(
            Tally::Refused(Limit::Spectators).name(),
            "refused:LIMIT_SPECTATORS"
        );
        assert_eq!(Tally::MoveRoundTrip { ms: 10 }.name(), "rtt:12");
        for limit in [
            Limit::RoomSockets,
            Limit::RoomSocketsPerAddress,
            Limit::Spectators,
            Limit::Hello,
            Limit::TicketSockets,
            Limit::TicketSocketsPerAddress,
            Limit::TicketTime,
            Limit::Frames,
        ] {
            assert!(Tally::Refused(limit).name().len() <= MAX_NAME_LEN);
        }
    }

    #[test]
    fn a_round_trip_goes_in_the_first_bucket_that_holds_it() {
        assert_eq!(bucket(0), 1);
        assert_eq!(bucket(1), 1);
        assert_eq!(bucket(5), 6);
        assert_eq!(bucket(6), 6);
        assert_eq!(bucket(7), 8);
        assert_eq!(bucket(1_000_000), 8_192);
        assert!(RTT_BUCKETS_MS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(RTT_BUCKETS_MS.last(), Some(&LAST_BUCKET_MS));
    }

    #[test]
    fn percentiles_of_buckets_are_upper_bounds_by_nearest_rank() {
        assert_eq!(rtt_percentile(&[], 50), None);
        // 98 fast round trips, 2 slow: the median is fast, p99 slow.
        let buckets = [(128, 2), (2, 98)];
        assert_eq!(rtt_percentile(&buckets, 50), Some(2));
        assert_eq!(rtt_percentile(&buckets, 98), Some(2));
        assert_eq!(rtt_percentile(&buckets, 99), Some(128));
        assert_eq!(rtt_percentile(&[(8, 1)], 99), Some(8));
    }

    #[test]
    fn only_round_trip_counts_are_buckets() {
        let names = ["rtt:4", "close:1000", "rtt:x", "rtt:16"];
        assert_eq!(names.map(rtt_bucket_of), [Some(4), None, None, Some(16)]);
    }
}
