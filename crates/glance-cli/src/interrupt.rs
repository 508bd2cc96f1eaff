//! Ctrl-C, noticed the moment it arrives.
//!
//! The main loop stops on SIGINT through tokio, but tokio learns of the
//! signal a little later. An upload reading a pipe can meanwhile reach the
//! end of its data (the writer was interrupted too) and finish the image
//! with half of it. A flag set by the signal handler itself closes that
//! gap: the upload checks it before ending its data.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Registers the SIGINT flag (once).
pub fn install() -> std::io::Result<()> {
    let flag = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)));
    signal_hook::flag::register(signal_hook::consts::SIGINT, flag.clone())?;
    Ok(())
}

/// Whether SIGINT has arrived.
pub fn interrupted() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::SeqCst))
}
