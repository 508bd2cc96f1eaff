//! Logging in oslo.log's line shape, as glance-api writes it:
//! `2026-11-24 16:22:06.332 18979 INFO glance_registry.access [-] GET /v1/health 204 0.4ms`.
//! (glance-api's `logging` cannot be reused here: glance-api depends on
//! this crate.)

use std::fmt;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::registry::LookupSpan;

/// oslo.log's line format, without request context (`[-]`).
struct OsloFormat;

impl<S, N> FormatEvent<S, N> for OsloFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let level = match *meta.level() {
            Level::ERROR => "ERROR",
            Level::WARN => "WARNING",
            Level::INFO => "INFO",
            Level::DEBUG | Level::TRACE => "DEBUG",
        };
        write!(
            writer,
            "{} {} {level} {} [-] ",
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.3f"),
            std::process::id(),
            meta.target().replace("::", "."),
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Starts logging to `log_file` (its directory created), else stderr.
/// `debug` lowers the level to DEBUG; `RUST_LOG` overrides both.
pub fn init(log_file: Option<&Path>, debug: bool) -> anyhow::Result<()> {
    let default = if debug {
        "debug,hyper=info,sqlx=info"
    } else {
        "info,sqlx=warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .event_format(OsloFormat);
    match log_file {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new().create(true).append(true).open(path)?;
            builder.with_writer(Mutex::new(file)).try_init()
        }
        None => builder.with_writer(std::io::stderr).try_init(),
    }
    .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))
}
