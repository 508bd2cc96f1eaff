//! Logging for the glance-rs daemons (glance-api, glance-registry): to
//! `log_file` / `log_dir` as configured, else to stderr, in oslo.log's line
//! shape so operators' tools and habits keep working:
//! `2026-11-24 16:22:06.332 18979 INFO glance.api.access [req-… user project - - -] message`.
//!
//! The request context between the brackets is the field values of the
//! spans the event is in (glance-api's request span carries the request id,
//! user and project); an event outside any such span shows `[-]`.

use std::fmt;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormattedFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

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

/// Starts logging to `log_file` (its directory created), else stderr.
/// `debug` lowers the level to DEBUG; `RUST_LOG` overrides both.
pub fn init(log_file: Option<&Path>, debug: bool) -> anyhow::Result<()> {
    let default = if debug {
        "debug,hyper=info,sqlx=info"
    } else {
        "info,sqlx=warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    match log_file {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new().create(true).append(true).open(path)?;
            subscriber(filter, Mutex::new(file)).try_init()
        }
        None => subscriber(filter, std::io::stderr).try_init(),
    }
    .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))
}

/// The subscriber writing oslo.log lines that pass `filter` to `writer`.
fn subscriber<W>(filter: EnvFilter, writer: W) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // Field values only, space separated: span fields become `req-… user project`.
    let fields = format::debug_fn(|w, _field, value| write!(w, "{value:?}")).delimited(" ");
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .fmt_fields(fields)
        .event_format(OsloFormat)
        .with_writer(writer)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use std::sync::Arc;

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_have_the_oslo_shape_and_request_context() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = subscriber(EnvFilter::new("info"), move || writer.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "glance_registry::access", "GET /v1/health 204 0.4ms");
            let span = tracing::info_span!(
                "request",
                request_id = %"req-1",
                user = %"u",
                project = %"-",
            );
            span.in_scope(
                || tracing::info!(target: "glance.api.access", "\"GET /v2\" status: 200"),
            );
            tracing::warn!("careful");
            tracing::debug!("not shown");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        let tails = [
            "INFO glance_registry.access [-] GET /v1/health 204 0.4ms",
            "INFO glance.api.access [req-1 u - - - -] \"GET /v2\" status: 200",
            "WARNING glance_log.tests [-] careful",
        ];
        for (line, tail) in lines.iter().zip(tails) {
            let fields: Vec<&str> = line.splitn(4, ' ').collect();
            assert!(
                chrono::NaiveDateTime::parse_from_str(
                    &format!("{} {}", fields[0], fields[1]),
                    "%Y-%m-%d %H:%M:%S%.3f"
                )
                .is_ok(),
                "{line}"
            );
            assert_eq!(fields[2], std::process::id().to_string(), "{line}");
            assert_eq!(fields[3], tail);
        }
    }
}
