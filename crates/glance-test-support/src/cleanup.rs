//! Clean-up that runs when a guard is dropped: also when the test panics,
//! and from any runtime (or none).
//!
//! ```no_run
//! use glance_test_support::cleanup::OnDrop;
//!
//! # async fn remove(_: &str) {}
//! let _cleanup = OnDrop::new(|| async { remove("bucket").await });
//! // ... the test; `remove` runs when `_cleanup` goes out of scope.
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

/// The clean-up job: builds the future on the clean-up thread, so the
/// future itself need not be `Send`.
type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// Runs an async job when dropped, on a thread and current-thread runtime
/// of its own (the test's runtime may be blocked in the drop, shutting
/// down, or single-threaded). Clients the job uses should be made inside
/// it: pooled connections belong to the runtime that opened them.
///
/// A job that panics fails the test, unless the test is already failing.
pub struct OnDrop {
    /// In a mutex so that the guard is `Sync` (fixtures holding it are
    /// shared between tasks).
    job: Mutex<Option<Job>>,
}

impl OnDrop {
    /// A guard that runs `job().await` when dropped.
    pub fn new<F, Fut>(job: F) -> OnDrop
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        OnDrop {
            job: Mutex::new(Some(Box::new(move || Box::pin(job())))),
        }
    }
}

impl Drop for OnDrop {
    fn drop(&mut self) {
        let job = self.job.get_mut().unwrap_or_else(PoisonError::into_inner);
        let Some(job) = job.take() else { return };
        let ran = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a clean-up runtime")
                .block_on(job());
        })
        .join();
        if ran.is_err() && !std::thread::panicking() {
            panic!("the test's clean-up failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OnDrop;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn flagged() -> (Arc<AtomicBool>, OnDrop) {
        let flag = Arc::new(AtomicBool::new(false));
        let set = Arc::clone(&flag);
        let guard = OnDrop::new(move || async move {
            tokio::task::yield_now().await;
            set.store(true, Ordering::SeqCst);
        });
        (flag, guard)
    }

    #[test]
    fn runs_on_drop_outside_a_runtime() {
        let (flag, guard) = flagged();
        assert!(!flag.load(Ordering::SeqCst));
        drop(guard);
        assert!(flag.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn runs_on_drop_inside_a_current_thread_runtime() {
        let (flag, guard) = flagged();
        drop(guard);
        assert!(flag.load(Ordering::SeqCst));
    }

    #[test]
    fn runs_when_the_test_panics() {
        let (flag, guard) = flagged();
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _guard = guard;
            panic!("the test fails");
        }));
        assert!(unwound.is_err());
        assert!(flag.load(Ordering::SeqCst));
    }

    #[test]
    #[should_panic(expected = "clean-up failed")]
    fn a_failing_job_fails_the_test() {
        drop(OnDrop::new(|| async { panic!("cannot remove") }));
    }
}
