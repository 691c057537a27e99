//! Per-connection rate limits, as pure logic on a clock passed in.
//!
//! Every frame takes a token from a bucket that refills at
//! [`FRAMES_PER_SECOND`] up to [`BURST`]. A frame that finds the bucket
//! empty is refused (the room answers `RateLimited` and drops it); a
//! connection that keeps sending into an empty bucket is cut off after
//! [`REFUSALS_TO_CUT`] refused frames. Only a frame that leaves a token to
//! spare ends such a run: a frame that merely takes the one token refilled
//! meanwhile does not, so a flood the server reads slower than it is sent
//! (as on a loaded server, where refills come between refusals) is cut
//! all the same. Live aims have their own,
//! gentler limit: at most one every [`LIVE_INTERVAL_MS`] is relayed, and the
//! rest are dropped silently (a client may sample its aim at any rate).
//!
//! The state is small. A player's lives in their room's memory, by seat,
//! and any other room socket's in its hibernation attachment; a ticket
//! socket's lives in its coordinator's memory. An object hibernates only
//! after an idle spell longer than [`BURST`] takes to refill, so a bucket
//! lost with it would have been full again.

use serde::{Deserialize, Serialize};

/// Sustained frames per second a connection may send.
pub const FRAMES_PER_SECOND: u32 = 30;
/// Frames a connection may send at once after being quiet.
pub const BURST: u32 = 60;
/// Refused frames in a row after which the connection is closed.
pub const REFUSALS_TO_CUT: u32 = 40;
/// Shortest time between two relayed live aims (20 per second).
pub const LIVE_INTERVAL_MS: u64 = 50;
/// What a refused frame's error says, on every kind of socket.
pub const SLOW_DOWN: &str = "too many frames; slow down";

/// What to do with one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Handle it.
    Allow,
    /// Drop it and tell the client to slow down.
    Refuse,
    /// Drop it and close the connection.
    Cut,
}

/// One connection's limits.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloodGuard {
    /// Tokens in the bucket, in thousandths of a frame.
    milli_tokens: u64,
    /// When the bucket was last refilled.
    refilled_ms: u64,
    /// Frames refused since the connection last had a token to spare.
    refusals: u32,
    /// When the last live aim was relayed.
    last_live_ms: Option<u64>,
}

impl FloodGuard {
    /// A full bucket at `now_ms`.
    pub fn new(now_ms: u64) -> FloodGuard {
        FloodGuard {
            milli_tokens: u64::from(BURST) * 1_000,
            refilled_ms: now_ms,
            refusals: 0,
            last_live_ms: None,
        }
    }

    /// The guard of a connection that replaces another for the same seat:
    /// the stricter of the two in every respect at `now_ms` (the fewer
    /// tokens, the more refusals in a row, the later live aim), so
    /// reconnecting never refills a drained bucket nor resets a count.
    pub fn stricter(mut self, mut other: FloodGuard, now_ms: u64) -> FloodGuard {
        self.refill(now_ms);
        other.refill(now_ms);
        FloodGuard {
            milli_tokens: self.milli_tokens.min(other.milli_tokens),
            refilled_ms: self.refilled_ms.max(other.refilled_ms),
            refusals: self.refusals.max(other.refusals),
            last_live_ms: self.last_live_ms.max(other.last_live_ms),
        }
    }

    fn refill(&mut self, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.refilled_ms);
        self.refilled_ms = self.refilled_ms.max(now_ms);
        self.milli_tokens = self
            .milli_tokens
            .saturating_add(elapsed.saturating_mul(u64::from(FRAMES_PER_SECOND)))
            .min(u64::from(BURST) * 1_000);
    }

    /// Takes a token for one frame arriving at `now_ms`.
    pub fn frame(&mut self, now_ms: u64) -> Verdict {
        self.refill(now_ms);
        if self.milli_tokens >= 1_000 {
            self.milli_tokens -= 1_000;
            if self.milli_tokens >= 1_000 {
                self.refusals = 0;
            }
            return Verdict::Allow;
        }
        self.refusals = self.refusals.saturating_add(1);
        if self.refusals >= REFUSALS_TO_CUT {
            Verdict::Cut
        } else {
            Verdict::Refuse
        }
    }

    /// Whether the frame just refused came before the connection was cut
    /// or was the one that cut it: worth counting. (Frames still arriving
    /// after the cut are refused too, and not counted again.)
    pub fn refused_before_cut(&self) -> bool {
        (1..=REFUSALS_TO_CUT).contains(&self.refusals)
    }

    /// Whether a live aim arriving at `now_ms` should be relayed.
    pub fn live(&mut self, now_ms: u64) -> bool {
        let due = self
            .last_live_ms
            .is_none_or(|last| now_ms >= last.saturating_add(LIVE_INTERVAL_MS));
        if due {
            self.last_live_ms = Some(now_ms);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_worth_counting_until_the_cut_and_not_after() {
        let mut guard = FloodGuard::new(0);
        let mut counted = 0;
        let mut cuts = 0;
        for _ in 0..(BURST + 100) {
            let verdict = guard.frame(0);
            if verdict != Verdict::Allow && guard.refused_before_cut() {
                counted += 1;
            }
            if verdict == Verdict::Cut {
                cuts += 1;
            }
        }
        assert_eq!(counted, REFUSALS_TO_CUT);
        assert_eq!(cuts, 100 - REFUSALS_TO_CUT + 1);
        assert!(!guard.refused_before_cut());
    }

    #[test]
    fn a_reconnect_does_not_refill_the_bucket() {
        let mut drained = FloodGuard::new(0);
        for _ in 0..BURST {
            drained.frame(0);
        }
        let fresh = FloodGuard::new(100);
        let carried = fresh.stricter(drained, 100);
        // 100 ms refilled three frames, no more.
        let mut allowed = carried;
        let passed = (0..10)
            .filter(|_| allowed.frame(100) == Verdict::Allow)
            .count();
        assert_eq!(passed, 3);
        // Either way round.
        assert_eq!(drained.stricter(fresh, 100), carried);
    }

    #[test]
    fn the_stricter_guard_keeps_the_worst_of_each() {
        // One has spent most of its tokens; the other all of them, was
        // refused twice, and relayed an aim.
        let mut spent = FloodGuard::new(0);
        for _ in 0..BURST - 10 {
            spent.frame(0);
        }
        let mut refused = FloodGuard::new(0);
        for _ in 0..BURST + 2 {
            refused.frame(0);
        }
        assert!(refused.live(50));
        let strict = spent.stricter(refused, 50);
        assert_eq!(strict, refused.stricter(spent, 50), "either way round");
        // 50 ms refilled a frame and a half: 11.5 frames against 1.5.
        assert_eq!(strict.milli_tokens, 1_500);
        assert_eq!(strict.refusals, 2);
        assert_eq!(strict.last_live_ms, Some(50));
        assert_eq!(strict.refilled_ms, 50);
        // A guard read at a later clock keeps that time.
        assert_eq!(strict.stricter(FloodGuard::new(80), 50).refilled_ms, 80);
    }

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let mut guard = FloodGuard::new(0);
        for _ in 0..BURST {
            assert_eq!(guard.frame(0), Verdict::Allow);
        }
        assert_eq!(guard.frame(0), Verdict::Refuse);
        // One second later there are FRAMES_PER_SECOND new tokens.
        let allowed = (0..100)
            .filter(|_| guard.frame(1_000) == Verdict::Allow)
            .count();
        assert_eq!(allowed, FRAMES_PER_SECOND as usize);
    }

    #[test]
    fn a_steady_client_is_never_refused() {
        let mut guard = FloodGuard::new(0);
        // 25 frames a second for a minute.
        for i in 0..25 * 60 {
            assert_eq!(guard.frame(i * 40), Verdict::Allow, "frame {i}");
        }
    }

    #[test]
    fn a_flood_is_cut_off_and_a_pause_forgives() {
        let mut guard = FloodGuard::new(0);
        let verdicts: Vec<Verdict> = (0..BURST + REFUSALS_TO_CUT)
            .map(|_| guard.frame(0))
            .collect();
        assert_eq!(verdicts.last(), Some(&Verdict::Cut));
        assert_eq!(
            verdicts.iter().filter(|v| **v == Verdict::Refuse).count(),
            REFUSALS_TO_CUT as usize - 1
        );

        let mut calmer = FloodGuard::new(0);
        for _ in 0..BURST + 5 {
            calmer.frame(0);
        }
        assert_eq!(calmer.frame(100), Verdict::Allow, "refilled after a pause");
        assert_eq!(calmer.refusals, 0);
    }

    #[test]
    fn a_flood_read_slowly_is_cut_off_though_refills_come_between() {
        // 400 frames read one a millisecond: a token comes back every
        // 33 ms, so no 40 refusals are ever in a row without an allowed
        // frame between them; the flood is cut all the same.
        let mut guard = FloodGuard::new(0);
        let cut_at = (0..400u64).position(|ms| guard.frame(ms) == Verdict::Cut);
        let cut_at = cut_at.expect("never cut");
        assert!(cut_at < 150, "cut only at frame {cut_at}");
        // A client just over the rate (31 frames a second) is refused now
        // and then; after enough refusals it is cut too.
        let mut guard = FloodGuard::new(0);
        let verdicts: Vec<Verdict> = (0..31 * 120).map(|i| guard.frame(i * 1_000 / 31)).collect();
        assert!(verdicts.contains(&Verdict::Refuse));
        assert!(verdicts.contains(&Verdict::Cut));
    }

    #[test]
    fn live_aims_are_thinned_to_twenty_a_second() {
        let mut guard = FloodGuard::new(0);
        let relayed = (0..1_000).filter(|ms| guard.live(*ms)).count();
        assert_eq!(relayed, 20);
    }

    #[test]
    fn a_clock_going_backwards_does_not_mint_tokens() {
        let mut guard = FloodGuard::new(10_000);
        for _ in 0..BURST {
            guard.frame(10_000);
        }
        assert_eq!(guard.frame(5_000), Verdict::Refuse);
    }
}
