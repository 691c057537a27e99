//! Helpers every benchmark shares: durations from the flags, the server's
//! CPU use over a measurement, the echo object's URL, progress bars, and
//! printing a load run's problems. Apart from the benchmarks so each of
//! their files holds only what it measures.

use super::args::BenchArgs;
use super::report::ServerCpu;
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
