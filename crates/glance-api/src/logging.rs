//! Logging: to `log_file` / `log_dir` as configured, else to stderr, in
//! oslo.log's line shape so operators' tools and habits keep working:
//! `2026-11-24 16:22:06.332 18979 INFO glance.api.access [req-… user project - - -] message`.

use std::fmt;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// oslo.log's line format.
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
            "{} {} {level} {} [",
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.3f"),
            std::process::id(),
            meta.target().replace("::", "."),
        )?;
        let mut context = false;
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let ext = span.extensions();
                if let Some(fields) = ext.get::<FormattedFields<N>>().filter(|f| !f.is_empty()) {
                    write!(writer, "{fields} - - -")?;
                    context = true;
                }
            }
        }
        if !context {
            writer.write_char('-')?;
        }
        writer.write_str("] ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Starts logging. `debug` lowers the level to DEBUG; `RUST_LOG` overrides both.
pub fn init(log_file: Option<&Path>, debug: bool) -> anyhow::Result<()> {
    let default = if debug {
        "debug,hyper=info,sqlx=info"
    } else {
        "info,sqlx=warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Field values only, space separated: span fields become `req-… user project`.
    let fields = format::debug_fn(|w, _field, value| write!(w, "{value:?}")).delimited(" ");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .fmt_fields(fields)
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
