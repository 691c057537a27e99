//! Helpers every benchmark shares: durations from the flags, the server's
//! CPU use over a measurement, the echo object's URL, progress bars, and
//! printing a load run's problems. Apart from the benchmarks so each of
//! their files holds only what it measures.

use super::args::BenchArgs;
use super::report::{CpuPerUnit, ServerCpu};
use crate::load::cpu::{ProcessesCpu, node_cpu, workerd_cpu};
use crate::load::{LoadConfig, LoadReport};
use crate::native::ws_url;
use anyhow::{Context, Result};
use std::future::Future;
use std::time::Duration;
use url::Url;

/// `value` seconds as a duration.
pub(super) fn secs(value: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(value).with_context(|| format!("{value} is not a duration"))
}

/// Runs `work` and says how many cores the server's processes kept busy
/// meanwhile.
pub(super) async fn with_server_cpu<T>(work: impl Future<Output = T>) -> (T, ServerCpu) {
    let before = (workerd_cpu(), node_cpu());
    let started = std::time::Instant::now();
    let out = work.await;
    let wall = started.elapsed().as_secs_f64();
    let cores = |before: Option<ProcessesCpu>, after: Option<ProcessesCpu>| match (before, after) {
        (Some(b), Some(a)) => Some(a.since(&b).as_secs_f64() / wall),
        _ => None,
    };
    let cpu = ServerCpu {
        workerd_cores: cores(before.0, workerd_cpu()),
        wrangler_cores: cores(before.1, node_cpu()),
    };
    (out, cpu)
}

/// `workerd`'s and `node`'s CPU so far, where it can be read.
type CpuReadings = (Option<ProcessesCpu>, Option<ProcessesCpu>);

/// The server's CPU over some stretches of work, added up: what one unit
/// of that work costs it.
#[derive(Debug, Default)]
pub(super) struct CpuTally {
    workerd: Option<Duration>,
    wrangler: Option<Duration>,
    measured: bool,
}

impl CpuTally {
    /// Runs `work`, adding the server's CPU meanwhile.
    pub(super) async fn measure<T>(&mut self, work: impl Future<Output = T>) -> T {
        let before = (workerd_cpu(), node_cpu());
        let out = work.await;
        self.add(before, (workerd_cpu(), node_cpu()));
        out
    }

    /// Adds a stretch whose CPU readings, `workerd`'s and `node`'s, were
    /// `before` and `after` it. A figure that could not be read once is
    /// unknown for good.
    fn add(&mut self, before: CpuReadings, after: CpuReadings) {
        let first = !self.measured;
        let add = |total: Option<Duration>,
                   before: Option<ProcessesCpu>,
                   after: Option<ProcessesCpu>| match (total, before, after) {
            (total, Some(before), Some(after)) if total.is_some() || first => {
                Some(total.unwrap_or_default() + after.since(&before))
            }
            _ => None,
        };
        self.workerd = add(self.workerd, before.0, after.0);
        self.wrangler = add(self.wrangler, before.1, after.1);
        self.measured = true;
    }

    /// The CPU per unit, for `units` done over every stretch measured.
    pub(super) fn per_unit(&self, units: u64) -> CpuPerUnit {
        let per = |total: Option<Duration>| {
            total
                .filter(|_| units > 0)
                .map(|total| total.as_secs_f64() * 1e6 / units as f64)
        };
        CpuPerUnit {
            workerd_us: per(self.workerd),
            wrangler_us: per(self.wrangler),
        }
    }
}

/// The WebSocket URL of echo object `shard`, with each of `work`
/// (`write`, `alarm`) turned on.
pub(super) fn echo_object_url(server: &Url, shard: &str, work: &[&str]) -> Result<Url> {
    let mut url = ws_url(server, "/api/bench/echo/ws")?;
    url.query_pairs_mut().append_pair("shard", shard);
    for flag in work {
        url.query_pairs_mut().append_pair(flag, "1");
    }
    Ok(url)
}

/// `config` with a progress bar unless `--quiet`.
pub(super) fn with_progress(mut config: LoadConfig, args: &BenchArgs) -> LoadConfig {
    config.progress = !args.quiet;
    config
}

/// Prints what went wrong in a load run, with its error samples.
pub(super) fn report_problems(what: &str, report: &LoadReport) {
    let problems = report.problems();
    if !problems.is_empty() {
        eprintln!("bench: {what}: {}", problems.join("; "));
        for sample in &report.error_samples {
            eprintln!("  {sample}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(ticks: u64) -> Option<ProcessesCpu> {
        Some(ProcessesCpu::from([(7, ticks)]))
    }

    #[test]
    fn a_cpu_tally_adds_its_stretches_and_shares_them_out() {
        let mut tally = CpuTally::default();
        // 30 ticks (300 ms) of workerd, then 20 more; node unreadable once.
        tally.add((reading(100), reading(5)), (reading(130), reading(6)));
        tally.add((reading(200), None), (reading(220), reading(9)));
        let per = tally.per_unit(1_000);
        assert_eq!(per.workerd_us.map(f64::round), Some(500.0));
        assert_eq!(per.wrangler_us, None, "a stretch without node's CPU");
        assert_eq!(tally.per_unit(0).workerd_us, None, "nothing done");
        assert_eq!(CpuTally::default().per_unit(10).workerd_us, None);
    }
}
