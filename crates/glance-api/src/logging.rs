//! Logging: to `log_file` / `log_dir` as configured, else to stderr.

use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

/// Starts logging. `debug` lowers the level to DEBUG; `RUST_LOG` overrides both.
pub fn init(log_file: Option<&Path>, debug: bool) -> anyhow::Result<()> {
    let default = if debug {
        "debug,hyper=info,sqlx=info"
    } else {
        "info,sqlx=warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_thread_ids(false);
    match log_file {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new().create(true).append(true).open(path)?;
            builder
                .with_ansi(false)
                .with_writer(Mutex::new(file))
                .try_init()
        }
        None => builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .try_init(),
    }
    .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))
}
