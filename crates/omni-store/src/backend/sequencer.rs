//! When PostgreSQL's sequencer runs (what it does: `number_batch` in
//! store.rs, and migration 0004).
//!
//! Every reader of the stream used to number events itself, in a write
//! transaction under one advisory lock: each webhook listener on each poll,
//! so a node with 64 listeners polling every 100 ms ran it 640 times a
//! second, each queueing on the lock of the others. A run numbers every
//! event committed before it, for every reader at once, so one run per node
//! now serves them all:
//!
//! - Readers that poll ([`Sequencer::poll`]) skip it when a run is under
//!   way on this node or one finished less than [`EVERY`] ago: the numbers
//!   they miss are there at their next poll. A minimum interval rather than
//!   "only when none is running" because listeners poll at different
//!   moments and would otherwise start one run each, back to back.
//!   [`EVERY`] is under the webhook poll (100 ms) and near the stream
//!   publisher's (20 ms), so it adds at most that to an event's delivery.
//! - A caller that must see every event committed before its call (the
//!   stream's head for a new subscription, a cache that read a counter
//!   first) waits for the run under way and starts its own unless a run
//!   that started after its call numbered everything ([`Sequencer::after`]);
//!   concurrent callers share one run.
//! - A run first checks, outside any transaction, whether any event is
//!   unnumbered (the partial index `outbox_unpositioned`, empty when the
//!   stream is up to date), and only then takes the lock.
//!
//! Runs on other nodes are still serialised by the advisory lock, so
//! positions become visible in increasing order whoever numbers them.

use std::time::{Duration, Instant};
use tokio::sync::{Mutex, MutexGuard};

/// The shortest time between two runs started by polling readers of one
/// node.
pub(crate) const EVERY: Duration = Duration::from_millis(50);

/// The last run of this node, for deciding whether another is needed.
#[derive(Default)]
pub(crate) struct Sequencer {
    last: Mutex<Option<Run>>,
}

#[derive(Clone, Copy)]
struct Run {
    started: Instant,
    finished: Instant,
    /// Whether it numbered every event it could see (a run numbers a batch
    /// at a time, and a polling reader's run stops after one batch).
    complete: bool,
}

/// The right to run, held for the run's length: other callers wait (or,
/// polling, skip) until it is over.
pub(crate) struct Turn<'a> {
    last: MutexGuard<'a, Option<Run>>,
    started: Instant,
}

impl Sequencer {
    /// A polling reader's turn; `None` when a run is under way or one
    /// finished less than [`EVERY`] ago.
    pub(crate) fn poll(&self) -> Option<Turn<'_>> {
        let last = self.last.try_lock().ok()?;
        if last.is_some_and(|run| run.finished.elapsed() < EVERY) {
            return None;
        }
        Some(Turn {
            last,
            started: Instant::now(),
        })
    }

    /// The turn of a caller that must see every event committed before
    /// `since`; `None` when a run that started after `since` numbered
    /// every event it could see, which includes those.
    pub(crate) async fn after(&self, since: Instant) -> Option<Turn<'_>> {
        let last = self.last.lock().await;
        if last.is_some_and(|run| run.complete && run.started >= since) {
            return None;
        }
        Some(Turn {
            last,
            started: Instant::now(),
        })
    }
}

impl Turn<'_> {
    /// Records a run that succeeded; one that failed is not recorded, so
    /// the next caller runs again.
    pub(crate) fn done(mut self, complete: bool) {
        *self.last = Some(Run {
            started: self.started,
            finished: Instant::now(),
            complete,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn polling_readers_share_a_run() {
        let sequencer = Sequencer::default();
        let turn = sequencer.poll().expect("the first reader runs");
        assert!(sequencer.poll().is_none(), "a run is under way");
        turn.done(true);
        assert!(sequencer.poll().is_none(), "a run just finished");
    }

    #[tokio::test]
    async fn a_caller_needs_a_complete_run_started_after_its_call() {
        let sequencer = Sequencer::default();
        let before = Instant::now();
        sequencer
            .after(before)
            .await
            .expect("no run yet")
            .done(true);
        assert!(sequencer.after(before).await.is_none());
        let later = Instant::now();
        sequencer.after(later).await.expect("run after").done(false);
        assert!(
            sequencer.after(later).await.is_some(),
            "an incomplete run does not count"
        );
    }
}
