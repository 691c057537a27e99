//! Where a bot thinks: the AI's search on a thread of its own, at the
//! lowest scheduling priority when the bot is measuring.
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
//!
//! Only the load tool asks for it. At nice 19 a search gets about 1.5% of
//! a core the machine's other work wants: an end-to-end test's bot, built
//! for debugging, searched for more than its 2.5 s turn while the suite's
//! other servers started, and its move was refused as late.

use super::ClientError;
use thread_priority::{ThreadPriority, set_current_thread_priority};

/// Runs `search` on a new thread, at the lowest priority if `lowest`, and
/// returns its answer. A thread per search: it costs tens of microseconds
/// against a search's milliseconds, and never lowers the priority of a
/// thread anything else uses.
pub async fn think<T: Send + 'static>(
    lowest: bool,
    search: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ClientError> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("volley-bot-think".into())
        .spawn(move || {
            if lowest {
                // Best effort: where the priority cannot be lowered the
                // search still runs, only at normal priority.
                let _ = set_current_thread_priority(ThreadPriority::Min);
            }
            let _ = answer.send(search());
        })
        .map_err(|e| ClientError::Bot(format!("no thread to think on: {e}")))?;
    answered
        .await
        .map_err(|_| ClientError::Bot("the search's thread ended without an answer".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The calling thread's nice value (field 19 of its stat line), on
    /// Linux.
    fn niceness() -> Option<i32> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        let after_name = stat.rsplit(')').next()?;
        after_name.split_whitespace().nth(16)?.parse().ok()
    }

    #[tokio::test]
    async fn a_measuring_search_answers_from_a_thread_of_the_lowest_priority() {
        let before = niceness();
        let (answer, searched_at) = think(true, || (6 * 7, niceness()))
            .await
            .expect("an answer");
        assert_eq!(answer, 42);
        if cfg!(target_os = "linux") {
            assert_eq!(searched_at, Some(19), "the search thread runs at nice 19");
        }
        assert_eq!(niceness(), before, "the caller's thread keeps its priority");
    }

    #[tokio::test]
    async fn a_playing_search_keeps_the_callers_priority() {
        let before = niceness();
        let (answer, searched_at) = think(false, || (6 * 7, niceness()))
            .await
            .expect("an answer");
        assert_eq!(answer, 42);
        if cfg!(target_os = "linux") && before != Some(19) {
            assert_ne!(searched_at, Some(19), "only a measuring search is lowered");
        }
        assert_eq!(
            searched_at, before,
            "the search runs at the caller's priority"
        );
    }
}
