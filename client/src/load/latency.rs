//! Latency histograms (microsecond resolution, `hdrhistogram`) and the
//! percentiles a report shows of them.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A histogram of durations, kept in microseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Latency(Histogram<u64>);

/// The longest duration told apart from longer ones: an hour.
const HIGHEST_MICROS: u64 = 3_600_000_000;

impl Default for Latency {
    fn default() -> Self {
        // 1 µs to an hour at three significant figures: valid bounds.
        Self(
            Histogram::new_with_bounds(1, HIGHEST_MICROS, 3)
                .expect("1 µs to an hour at 3 significant figures"),
        )
    }
}

impl Latency {
    /// Records one duration (an hour or more counts as an hour).
    pub fn record(&mut self, d: Duration) {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.0.saturating_record(micros);
    }

    /// Adds another histogram's values.
    pub fn add(&mut self, other: &Latency) {
        // Both have the same bounds, so adding cannot run out of range.
        let _ = self.0.add(&other.0);
    }

    /// How many durations were recorded.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The `q` quantile (0..=1), in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.0.value_at_quantile(q) as f64 / 1000.0
    }

    /// Count, mean and percentiles, in milliseconds.
    pub fn summary(&self) -> LatencySummary {
        let ms = |micros: u64| micros as f64 / 1000.0;
        LatencySummary {
            count: self.count(),
            mean_ms: self.0.mean() / 1000.0,
            p50_ms: self.quantile_ms(0.50),
            p90_ms: self.quantile_ms(0.90),
            p99_ms: self.quantile_ms(0.99),
            max_ms: ms(self.0.max()),
        }
    }
}

/// What a report says about a latency histogram. All zero when empty.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// How many durations were recorded.
    pub count: u64,
    /// Their mean.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// The largest.
    pub max_ms: f64,
}

impl std::fmt::Display for LatencySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "n={} p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.count, self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_recorded_values() {
        let mut latency = Latency::default();
        for ms in 1..=100 {
            latency.record(Duration::from_millis(ms));
        }
        let summary = latency.summary();
        assert_eq!(summary.count, 100);
        assert!((summary.p50_ms - 50.0).abs() < 0.1, "{summary}");
        assert!((summary.p99_ms - 99.0).abs() < 0.1, "{summary}");
        assert!((summary.max_ms - 100.0).abs() < 0.1, "{summary}");
        assert_eq!(Latency::default().summary(), LatencySummary::default());
    }
}
