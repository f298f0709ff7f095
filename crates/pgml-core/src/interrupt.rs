//! Query cancel and timeouts during long work (training, chunking).
//!
//! The core knows nothing of PostgreSQL; the extension installs a function that says
//! whether the backend was asked to stop (a cancel, a timeout, a termination). Long
//! loops call [`check`], which only reads that flag (safe from any thread, including
//! worker threads), and end with [`Error::Interrupted`]; the extension then lets
//! PostgreSQL raise its own error for the request. Without an installed function (plain
//! `cargo test`, other hosts) nothing is ever pending.

use std::sync::OnceLock;

use crate::{Error, Result};

static PENDING: OnceLock<fn() -> bool> = OnceLock::new();

/// Installs the function that says whether the host asked the work to stop (once; later
/// calls are ignored).
pub fn install(pending: fn() -> bool) {
    let _ = PENDING.set(pending);
}

/// Whether the host asked the work to stop.
pub fn pending() -> bool {
    PENDING.get().is_some_and(|pending| pending())
}

/// `Err(Error::Interrupted)` when the host asked the work to stop.
pub fn check() -> Result<()> {
    if pending() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Calls [`check`] every `every` calls of [`Countdown::tick`]: for loops whose steps are
/// too short to check each time.
#[derive(Debug, Clone, Copy)]
pub struct Countdown {
    every: u32,
    left: u32,
}

impl Countdown {
    /// Checks at the first tick, then every `every` ticks.
    pub fn new(every: u32) -> Countdown {
        Countdown { every, left: 0 }
    }

    /// One step of the loop.
    pub fn tick(&mut self) -> Result<()> {
        if self.left == 0 {
            self.left = self.every;
            check()
        } else {
            self.left -= 1;
            Ok(())
        }
    }
}
