//! Running inference inside a backend: model store and threads from the GUCs, worker threads
//! kept away from PostgreSQL's signals, and query cancel checked between steps.
//!
//! PostgreSQL handles its signals (cancel, timeouts, shutdown) on the backend's thread. The
//! engines start worker threads (rayon for candle, OpenMP for llama.cpp) on first use; a
//! thread inherits the signal mask of its creator, so every inference step runs with all
//! signals blocked on this thread: workers created then never take a signal, and a signal that
//! arrives meanwhile waits until the step ends and is then handled here, where
//! `check_for_interrupts` sees it before the next step.

use pgml_core::Result;
use pgml_nlp::store::ModelStore;

use crate::guc;

/// Restores the signal mask when dropped, also when the step unwinds.
struct SignalMask(libc::sigset_t);

impl Drop for SignalMask {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved by `block_signals` on this same thread.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut()) };
    }
}

fn block_signals() -> SignalMask {
    // SAFETY: plain libc calls on locally owned sigset_t values.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
        SignalMask(old)
    }
}

/// Runs one inference step (a batch of embeddings, one token) with signals blocked.
pub fn step<R>(f: impl FnOnce() -> R) -> R {
    let _restore = block_signals();
    f()
}

/// Called between steps: raises the pending cancel or timeout as an ERROR, which unwinds
/// through the engine's Rust frames and frees what they hold.
pub fn check_for_interrupts() -> Result<()> {
    pgrx::check_for_interrupts!();
    Ok(())
}

/// Whether the backend was asked to stop the statement (cancel, `statement_timeout`) or
/// to end (`pg_terminate_backend`): what the core's long loops poll (see
/// `pgml_core::interrupt`), from any thread.
pub fn stop_requested() -> bool {
    // SAFETY: volatile reads of two `sig_atomic_t` flags that PostgreSQL's signal
    // handlers set; reading them from any thread is a plain load.
    unsafe {
        std::ptr::read_volatile(&raw const pgrx::pg_sys::QueryCancelPending) != 0
            || std::ptr::read_volatile(&raw const pgrx::pg_sys::ProcDiePending) != 0
    }
}

/// The model store named by `pgml.model_path`.
pub fn store() -> ModelStore {
    let store = ModelStore::new(guc::model_path());
    // As with COPY FROM a file: naming any readable file (a model by absolute path) is for
    // those PostgreSQL lets read server files; others use the folder the superuser set.
    // SAFETY: catalog checks of the current user, on the backend's thread.
    let trusted = unsafe {
        pgrx::pg_sys::superuser()
            || pgrx::pg_sys::has_privs_of_role(
                pgrx::pg_sys::GetUserId(),
                pgrx::pg_sys::Oid::from(pgrx::pg_sys::ROLE_PG_READ_SERVER_FILES),
            )
    };
    if trusted {
        store
    } else {
        store.without_absolute_paths()
    }
}
