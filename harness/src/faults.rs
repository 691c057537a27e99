//! The faults a world injects, each drawn from the world's seeded
//! generator, and how many of each it injected.

/// How often each fault strikes. All zero: a friendly network.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    /// Per frame a player receives: its connection is cut right after
    /// (frames in flight either way are lost), and it rejoins.
    pub drop: f64,
    /// Per frame either way: held back for up to `delay_ms` (and every
    /// later frame that way behind it).
    pub delay: f64,
    /// The longest hold.
    pub delay_ms: u64,
    /// Per alarm: it rings twice.
    pub duplicate_alarm: f64,
    /// Per alarm set: it also rings early, half way to its time.
    pub early_alarm: f64,
    /// Per frame a room receives: its object restarts right after (every
    /// socket lost, the room read back from storage).
    pub restart: f64,
    /// Per result report: it never reaches the coordinator, or (as
    /// often) its acknowledgement never reaches the room; either way the
    /// room reports again on its retry timer.
    pub lost_report: f64,
}

impl Faults {
    /// Every fault at once, often enough that a few hundred matches see
    /// each many times.
    pub const CHAOS: Faults = Faults {
        drop: 0.01,
        delay: 0.02,
        delay_ms: 2_000,
        duplicate_alarm: 0.1,
        early_alarm: 0.1,
        restart: 0.002,
        lost_report: 0.3,
    };
}

/// Faults injected, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Injected {
    /// Connections cut.
    pub drops: u64,
    /// Frames held back.
    pub delays: u64,
    /// Alarms rung twice.
    pub duplicate_alarms: u64,
    /// Alarms rung early too.
    pub early_alarms: u64,
    /// Rooms restarted.
    pub restarts: u64,
    /// Result reports lost.
    pub lost_reports: u64,
    /// Acknowledgements of result reports lost.
    pub lost_acknowledgements: u64,
}
