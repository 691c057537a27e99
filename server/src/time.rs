//! Lengths of time in ms, named once: settings, limits, tokens and the
//! objects' retention rules all count in ms since the Unix epoch.

/// A minute, in ms.
pub const MINUTE_MS: u64 = 60_000;
/// An hour, in ms.
pub const HOUR_MS: u64 = 60 * MINUTE_MS;
/// A day, in ms.
pub const DAY_MS: u64 = 24 * HOUR_MS;
