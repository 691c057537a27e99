//! The address a client is limited by ([`crate::limits`], join-code
//! guesses): the one Cloudflare reports in `CF-Connecting-IP`, which a
//! client cannot set, keyed so that one subscriber counts once.
//!
//! - An IPv4 address is itself.
//! - An IPv6 address counts by its /64 prefix: one subscriber usually
//!   holds a whole /64, and would otherwise have 2^64 addresses to rotate
//!   through. An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the
//!   IPv4 address.
//! - Loopback is not limited: it only ever reaches `wrangler dev` on your
//!   own machine, where every bot and browser is 127.0.0.1. Cloudflare
//!   never reports it.
//! - A request with no or an unreadable address counts as `unknown`, one
//!   shared address, so such requests cannot get around a limit.
//!
//! Under `wrangler dev` a client may send the header itself, which is how
//! the end-to-end tests play many addresses from one machine; on
//! Cloudflare the edge sets it. Pure: no `worker` types.

use std::net::IpAddr;

/// The key a client's limits are counted under, or `None` for loopback.
pub fn limit_key(connecting_ip: Option<&str>) -> Option<String> {
    let Some(ip) = connecting_ip.and_then(|text| text.trim().parse::<IpAddr>().ok()) else {
        return Some("unknown".into());
    };
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if ip.is_loopback() {
        return None;
    }
    match ip {
        IpAddr::V4(v4) => Some(v4.to_string()),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_subscriber_counts_once_per_64() {
        let a = limit_key(Some("2001:db8:1:2:aaaa::1"));
        let b = limit_key(Some("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_eq!(a, Some("2001:db8:1:2::/64".into()));
        assert_eq!(a, b);
        assert_ne!(a, limit_key(Some("2001:db8:1:3::1")));
    }

    #[test]
    fn ipv4_is_itself_in_either_spelling() {
        assert_eq!(limit_key(Some("203.0.113.7")), Some("203.0.113.7".into()));
        assert_eq!(
            limit_key(Some("::ffff:203.0.113.7")),
            Some("203.0.113.7".into())
        );
    }

    #[test]
    fn loopback_is_free_and_nothing_is_unknown() {
        assert_eq!(limit_key(Some("127.0.0.1")), None);
        assert_eq!(limit_key(Some("::1")), None);
        assert_eq!(limit_key(None), Some("unknown".into()));
        assert_eq!(limit_key(Some("not an address")), Some("unknown".into()));
        assert_eq!(limit_key(Some("")), Some("unknown".into()));
    }
}
