//! Where and when a bot thinks: the AI's search on a thread of its own at
//! the lowest scheduling priority, and, in the move round-trip benchmark,
//! only while no other bot's move is in flight ([`SearchGate`]).
//!
//! A search takes milliseconds of CPU. On a machine with few cores, run at
//! normal priority, it competes with the threads that read the other bots'
//! frames, and a frame that arrived waits for a core before it is read and
//! timed: the load tool then measures its own thinking. In the move
//! round-trip benchmark this made the second move of every game (read by
//! one bot while the other had just started its search) slower at p50 than
//! the first and third (1.35 ms against 0.72 and 1.01; BENCHMARKS.md). At
//! the lowest priority the readers come first: that p50 fell to 0.79 to
//! 0.88 ms. (Its p90 did not move: a reader woken on the server's busy
//! core still waits there; priorities do not choose the core.)

use super::ClientError;
use std::sync::Arc;
use std::time::Duration;
use thread_priority::{ThreadPriority, set_current_thread_priority};
use tokio::sync::watch;

/// Runs `search` on a new thread at the lowest priority and returns its
/// answer. A thread per search: it costs tens of microseconds against a
/// search's milliseconds, and never lowers the priority of a thread
/// anything else uses.
pub async fn think<T: Send + 'static>(
    search: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ClientError> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("volley-bot-think".into())
        .spawn(move || {
            // Best effort: where the priority cannot be lowered the search
            // still runs, only at normal priority.
            let _ = set_current_thread_priority(ThreadPriority::Min);
            let _ = answer.send(search());
        })
        .map_err(|e| ClientError::Bot(format!("no thread to think on: {e}")))?;
    answered
        .await
        .map_err(|_| ClientError::Bot("the search's thread ended without an answer".into()))
}

/// The longest a search waits at a [`SearchGate`]: a move that is never
/// resolved (its connection lost) must not stop the others' games.
const LONGEST_HOLD: Duration = Duration::from_millis(100);

/// Holds every bot's search while any bot's move is in flight, for the
/// move round-trip benchmark. Its games are played one at a time, and a
/// move's events end one bot's round trip and start the other's turn: on
/// a machine of few cores that bot's search (milliseconds of CPU) took the
/// core the first bot's reader needed, so the benchmark measured the load
/// tool's thinking along with the server (BENCHMARKS.md). The echo
/// baseline it is compared with computes nothing between frames. Shared
/// by clones; a load run uses one for all its bots.
#[derive(Clone, Debug)]
pub struct SearchGate {
    moves_in_flight: Arc<watch::Sender<usize>>,
}

impl Default for SearchGate {
    fn default() -> Self {
        Self {
            moves_in_flight: Arc::new(watch::Sender::new(0)),
        }
    }
}

impl PartialEq for SearchGate {
    /// The same gate.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.moves_in_flight, &other.moves_in_flight)
    }
}

impl SearchGate {
    /// A move was sent: searches wait until the returned guard is dropped
    /// (when the move is resolved, replaced or given up).
    pub fn move_sent(&self) -> MoveInFlight {
        self.moves_in_flight.send_modify(|n| *n += 1);
        MoveInFlight {
            gate: self.moves_in_flight.clone(),
        }
    }

    /// Waits until no move is in flight, or [`LONGEST_HOLD`] at most.
    pub async fn wait_open(&self) {
        let mut moves = self.moves_in_flight.subscribe();
        let _ = tokio::time::timeout(LONGEST_HOLD, moves.wait_for(|n| *n == 0)).await;
    }
}

/// A move in flight at a [`SearchGate`], until dropped.
#[derive(Debug)]
pub struct MoveInFlight {
    gate: Arc<watch::Sender<usize>>,
}

impl Drop for MoveInFlight {
    fn drop(&mut self) {
        self.gate.send_modify(|n| *n = n.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_search_waits_while_a_move_is_in_flight() {
        let gate = SearchGate::default();
        // Nothing in flight: open at once.
        let opened = tokio::time::Instant::now();
        gate.wait_open().await;
        assert_eq!(opened.elapsed(), Duration::ZERO);

        // Two moves in flight: open once both are dropped.
        let (first, second) = (gate.move_sent(), gate.clone().move_sent());
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move {
                let started = tokio::time::Instant::now();
                gate.wait_open().await;
                started.elapsed()
            }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(first);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiting.is_finished(), "one move is still in flight");
        drop(second);
        let waited = waiting.await.expect("the waiter ends");
        assert_eq!(waited, Duration::from_millis(20));

        // A move never resolved holds searches for LONGEST_HOLD only.
        let _lost = gate.move_sent();
        let started = tokio::time::Instant::now();
        gate.wait_open().await;
        assert_eq!(started.elapsed(), LONGEST_HOLD);
        assert_eq!(gate, gate.clone());
        assert_ne!(gate, SearchGate::default());
    }

    /// The calling thread's nice value (field 19 of its stat line), on
    /// Linux.
    fn niceness() -> Option<i32> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        let after_name = stat.rsplit(')').next()?;
        after_name.split_whitespace().nth(16)?.parse().ok()
    }

    #[tokio::test]
    async fn a_search_answers_from_a_thread_of_the_lowest_priority() {
        let before = niceness();
        let (answer, searched_at) = think(|| (6 * 7, niceness())).await.expect("an answer");
        assert_eq!(answer, 42);
        if cfg!(target_os = "linux") {
            assert_eq!(searched_at, Some(19), "the search thread runs at nice 19");
        }
        assert_eq!(niceness(), before, "the caller's thread keeps its priority");
    }
}
