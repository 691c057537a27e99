//! CPU time: the load tool's own (so a report can say when the tool, not
//! the server, was the bottleneck) and, on Linux, that of local `workerd`
//! processes (`wrangler dev` runs two: one for the Worker, and a proxy in
//! front of it that every request and frame passes through) and `node`
//! ones (wrangler itself).

use cpu_time::ProcessTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Above this share of the cores its runtime may use, the load tool is
/// said to saturate.
pub const SATURATED_SHARE: f64 = 0.9;

/// This process's CPU clock, from a start.
#[derive(Debug)]
pub struct CpuClock {
    start: Option<ProcessTime>,
}

impl CpuClock {
    /// Starts counting now.
    pub fn start() -> Self {
        Self {
            start: ProcessTime::try_now().ok(),
        }
    }

    /// CPU used since the start, over `wall` of wall time.
    pub fn read(&self, wall: Duration) -> CpuUse {
        let cpu = self
            .start
            .and_then(|start| start.try_elapsed().ok())
            .unwrap_or_default();
        CpuUse::new(cpu, wall)
    }
}

/// CPU time used over some wall time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuUse {
    /// CPU seconds, all threads together.
    pub cpu_seconds: f64,
    /// Cores kept busy on average (CPU seconds / wall seconds).
    pub cores_used: f64,
    /// The machine's cores.
    pub machine_cores: u32,
    /// `cores_used` / `machine_cores`.
    pub share_of_machine: f64,
}

impl CpuUse {
    /// `cpu` used over `wall`.
    pub fn new(cpu: Duration, wall: Duration) -> Self {
        let machine_cores = std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1);
        let cores_used = if wall.is_zero() {
            0.0
        } else {
            cpu.as_secs_f64() / wall.as_secs_f64()
        };
        Self {
            cpu_seconds: cpu.as_secs_f64(),
            cores_used,
            machine_cores,
            share_of_machine: cores_used / f64::from(machine_cores),
        }
    }
}

/// CPU time of every local `workerd` process so far (Linux `/proc`), or
/// `None` where that cannot be read.
pub fn workerd_cpu() -> Option<ProcessesCpu> {
    processes_cpu("workerd")
}

/// CPU time of every local `node` process so far: `wrangler dev` itself,
/// which starts the `workerd`s and writes their logs.
pub fn node_cpu() -> Option<ProcessesCpu> {
    processes_cpu("node")
}

/// The CPU time of some processes so far, each by its id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessesCpu(BTreeMap<u32, u64>);

impl ProcessesCpu {
    /// The CPU time used since `before`: by each process seen both times,
    /// and all of a process started since. (A process that exited since is
    /// left out, not subtracted: `wrangler dev` starts and stops `workerd`
    /// processes of its own now and then.)
    pub fn since(&self, before: &ProcessesCpu) -> Duration {
        let ticks: u64 = self
            .0
            .iter()
            .map(|(pid, now)| now.saturating_sub(before.0.get(pid).copied().unwrap_or(0)))
            .sum();
        Duration::from_millis(ticks * 1_000 / TICKS_PER_SECOND)
    }
}

impl<const N: usize> From<[(u32, u64); N]> for ProcessesCpu {
    /// Processes' CPU time in clock ticks, by process id.
    fn from(ticks: [(u32, u64); N]) -> Self {
        Self(ticks.into())
    }
}

/// Linux gives process times in clock ticks of `USER_HZ`, which is 100 a
/// second on every architecture.
const TICKS_PER_SECOND: u64 = 100;

/// CPU time of every process whose command name is `name`: its user and
/// system time, which keeps the time of its threads that have exited. (A
/// sum over the threads alive lost theirs: `workerd`'s come and go, and a
/// measurement now and then came out a fraction of the truth.)
fn processes_cpu(name: &str) -> Option<ProcessesCpu> {
    let mut ticks = BTreeMap::new();
    let mut found = false;
    for process in std::fs::read_dir("/proc").ok()?.flatten() {
        let path = process.path();
        let matches =
            std::fs::read_to_string(path.join("comm")).is_ok_and(|comm| comm.trim() == name);
        if !matches {
            continue;
        }
        found = true;
        let pid = path
            .file_name()
            .and_then(|n| n.to_str()?.parse::<u32>().ok());
        let used = std::fs::read_to_string(path.join("stat"))
            .ok()
            .and_then(|stat| cpu_ticks(&stat));
        if let (Some(pid), Some(used)) = (pid, used) {
            ticks.insert(pid, used);
        }
    }
    found.then_some(ProcessesCpu(ticks))
}

/// User plus system time in a `/proc/<pid>/stat` line, in clock ticks:
/// fields 14 and 15, counted after the command name (which may hold
/// spaces and parentheses, so the fields start after its last `)`).
fn cpu_ticks(stat: &str) -> Option<u64> {
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    // The first field after the name is the 3rd, the state: utime is the
    // 12th from there.
    let user = fields.nth(11)?.parse::<u64>().ok()?;
    let system = fields.next()?.parse::<u64>().ok()?;
    Some(user + system)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_times_are_read_after_the_command_name() {
        let stat =
            "4242 (work (er) d) S 1 4242 4242 0 -1 4194560 9137 0 0 0 1234 56 0 0 20 0 9 0 1 0 0";
        assert_eq!(cpu_ticks(stat), Some(1_290));
        assert_eq!(cpu_ticks("4242 (workerd) S 1"), None);
        // This very process has a line that reads.
        let own = std::fs::read_to_string("/proc/self/stat").unwrap();
        assert!(cpu_ticks(&own).is_some(), "{own}");
    }

    #[test]
    fn a_process_gone_is_left_out_and_a_new_one_counted_whole() {
        let before = ProcessesCpu::from([(1, 100), (2, 500)]);
        let after = ProcessesCpu::from([(1, 150), (3, 20)]);
        // 50 ticks of process 1 and 20 of process 3: 0.7 s.
        assert_eq!(after.since(&before), Duration::from_millis(700));
    }

    #[test]
    fn cores_used_is_cpu_over_wall() {
        let cpu = CpuUse::new(Duration::from_secs(3), Duration::from_secs(2));
        assert!((cpu.cores_used - 1.5).abs() < 1e-9);
        assert!((cpu.share_of_machine * f64::from(cpu.machine_cores) - 1.5).abs() < 1e-9);
        assert_eq!(CpuUse::new(Duration::ZERO, Duration::ZERO).cores_used, 0.0);
    }

    #[test]
    fn the_clock_counts_work_done() {
        let clock = CpuClock::start();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        assert!(clock.read(Duration::from_secs(1)).cpu_seconds > 0.0, "{x}");
    }
}
