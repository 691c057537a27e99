//! The soak's stage: the `wrangler dev` it owns (restarted by the faults),
//! its clock, the restart epoch that tells whether a restart overlapped an
//! action, and the log of everything injected.

use super::report::{Injected, Verdict};
use crate::WranglerDev;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;
use url::Url;

/// Shared by the fault injector, the hostile clients and the checks.
pub struct Stage {
    server: Arc<Mutex<WranglerDev>>,
    base: Url,
    started: Instant,
    /// Odd while a restart is under way; each restart adds two.
    epoch: AtomicU64,
    hello_ms: u64,
    injected: Mutex<Vec<Injected>>,
}

impl Stage {
    /// The stage for a started server whose rooms close silent sockets
    /// after `hello_ms`.
    pub fn new(server: WranglerDev, hello_ms: u64) -> Self {
        let base = server.base().clone();
        Self {
            server: Arc::new(Mutex::new(server)),
            base,
            started: Instant::now(),
            epoch: AtomicU64::new(0),
            hello_ms,
            injected: Mutex::default(),
        }
    }

    /// The server's base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The rooms' deadline for a socket's first frame.
    pub fn hello_ms(&self) -> u64 {
        self.hello_ms
    }

    /// Seconds since the stage was set.
    pub fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// The restart epoch now: compare with [`Stage::judge`].
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Kills `wrangler dev` and its workerd with SIGKILL and starts it
    /// again on the same storage and port; waits until it answers.
    pub async fn restart(&self) -> Result<String, String> {
        let started = Instant::now();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let server = self.server.clone();
        let restarted = tokio::task::spawn_blocking(move || {
            server
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .crash_and_restart()
        })
        .await;
        self.epoch.fetch_add(1, Ordering::SeqCst);
        match restarted {
            Ok(Ok(())) => Ok(format!("answering again after {:?}", started.elapsed())),
            Ok(Err(err)) => Err(format!("did not come back: {err:#}")),
            Err(err) => Err(format!("the restart task failed: {err}")),
        }
    }

    /// Records an action that started at `at` seconds in `epoch`: a restart
    /// since then makes it [`Verdict::Interrupted`], whatever it got.
    pub fn judge(&self, kind: &str, at: f64, epoch: u64, outcome: Result<String, String>) {
        let overlapped = !epoch.is_multiple_of(2) || self.epoch() != epoch;
        let (verdict, detail) = match outcome {
            _ if overlapped && kind != "restart" => (Verdict::Interrupted, String::new()),
            Ok(detail) => (Verdict::AsExpected, detail),
            Err(detail) => (Verdict::Unexpected, detail),
        };
        self.injected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Injected {
                at_seconds: at,
                kind: kind.to_string(),
                verdict,
                detail,
            });
    }

    /// Everything recorded, in order of when it started.
    pub fn injected(&self) -> Vec<Injected> {
        let mut all = self
            .injected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        all.sort_by(|a, b| a.at_seconds.total_cmp(&b.at_seconds));
        all
    }

    /// Lines of the server's log (every run of it) where the Worker
    /// panicked.
    pub fn panics(&self) -> Vec<String> {
        self.server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .log_tail(usize::MAX)
            .lines()
            .filter(|line| line.contains("panicked"))
            .map(str::to_string)
            .collect()
    }
}
