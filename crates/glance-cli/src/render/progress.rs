//! The `--progress` bar of `image-create`, `image-upload`, `image-stage` and `image-download`.
//!
//! Upstream (glanceclient `common/progressbar.py`) wraps the data being sent or received and,
//! on every chunk, writes to **stdout** `\r[` + `'=' * round(fraction * 29) + '>'` left-aligned
//! in 30 columns + `] ` + the percentage without decimals, then a newline once the data is
//! exhausted. The fraction is the running sum of `chunk / total` in floating point, so a wrong
//! `--size` can take it past 100%. Nothing is drawn unless stdout is a terminal and the total
//! size is known and non-zero.
//!
//! Beyond upstream, when the stream is a terminal the bar is followed by
//! ` <done>/<total> <rate>/s ETA <mm:ss>` (binary units, e.g. `12.3 MiB`) and redrawn at most
//! every 100 ms, except that reaching the total and finishing always draw. When the stream is
//! not a terminal (only possible through [`Progress::with_output`]) the output is upstream's,
//! byte for byte.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// A monotonic clock: the time elapsed since some fixed instant.
pub type Clock = Box<dyn FnMut() -> Duration + Send>;

/// Shortest interval between two redraws of the extended bar.
const REDRAW_INTERVAL: Duration = Duration::from_millis(100);

/// A progress bar over a transfer of a known number of bytes.
pub struct Progress {
    out: Box<dyn Write + Send>,
    shown: bool,
    extended: bool,
    total: u64,
    fraction: f64,
    done: u64,
    clock: Clock,
    start: Duration,
    last_draw: Option<Duration>,
    pending: bool,
    last_len: usize,
    finished: bool,
}

impl Progress {
    /// The bar as glanceclient shows it: on stdout, when `enabled` (the `--progress` flag),
    /// stdout is a terminal and `total` is known and non-zero; with the extended statistics
    /// (bytes, rate, ETA) when stderr is a terminal too.
    pub fn new(total: Option<u64>, enabled: bool) -> Self {
        let stdout = std::io::stdout();
        // Drawn only on a terminal, as upstream; the extra statistics only
        // when stderr is one too (an interactive session).
        let shown = stdout.is_terminal();
        let extended = shown && std::io::stderr().is_terminal();
        let started = Instant::now();
        Self::with_output(
            total,
            enabled && shown,
            Box::new(stdout),
            extended,
            Box::new(move || started.elapsed()),
        )
    }

    /// A bar written to `out`, drawn when `enabled` and `total` is known and non-zero;
    /// `terminal` says whether `out` is a terminal (extended statistics, throttled redraws)
    /// or not (upstream's exact output); `clock` gives the current time.
    pub fn with_output(
        total: Option<u64>,
        enabled: bool,
        out: Box<dyn Write + Send>,
        terminal: bool,
        mut clock: Clock,
    ) -> Self {
        let total = total.unwrap_or(0);
        let start = clock();
        Self {
            out,
            shown: enabled && total > 0,
            extended: terminal,
            total,
            fraction: 0.0,
            done: 0,
            clock,
            start,
            last_draw: None,
            pending: false,
            last_len: 0,
            finished: false,
        }
    }

    /// Account for a chunk of `n` bytes read or written (call it once per non-empty chunk, as
    /// upstream draws once per chunk) and redraw.
    pub fn advance(&mut self, n: u64) {
        if !self.shown || self.finished {
            return;
        }
        self.done = self.done.saturating_add(n);
        self.fraction += n as f64 / self.total as f64;
        if !self.extended {
            let bar = self.bar();
            self.write(&bar);
            return;
        }
        let now = (self.clock)();
        let due = match self.last_draw {
            None => true,
            Some(last) => now.saturating_sub(last) >= REDRAW_INTERVAL,
        };
        if due || self.done >= self.total {
            self.draw_extended(now);
        } else {
            self.pending = true;
        }
    }

    /// End the bar: draw the last state if a redraw was skipped, then break the line. Does
    /// nothing the second time, or when the bar is not shown.
    pub fn finish(&mut self) {
        if !self.shown || self.finished {
            return;
        }
        self.finished = true;
        if self.extended && self.pending {
            let now = (self.clock)();
            self.draw_extended(now);
        }
        self.write("\n");
    }

    /// Upstream's bar: `\r[====>   ] 42%`.
    fn bar(&self) -> String {
        let filled = (self.fraction * 29.0).round_ties_even().max(0.0) as usize;
        let arrow = format!("{}>", "=".repeat(filled));
        let percent = (self.fraction * 100.0).round_ties_even();
        format!("\r[{arrow:<30}] {percent:.0}%")
    }

    fn draw_extended(&mut self, now: Duration) {
        let elapsed = now.saturating_sub(self.start).as_secs_f64();
        let (rate, eta) = if elapsed > 0.0 && self.done > 0 {
            let rate = self.done as f64 / elapsed;
            let left = self.total.saturating_sub(self.done) as f64 / rate;
            (
                format!("{}/s", binary_size(rate.round() as u64)),
                clock_time(left.ceil() as u64),
            )
        } else {
            ("-- B/s".to_owned(), "--:--".to_owned())
        };
        let mut line = format!(
            "{} {}/{} {} ETA {}",
            self.bar(),
            binary_size(self.done),
            binary_size(self.total),
            rate,
            eta
        );
        let len = line.chars().count();
        if len < self.last_len {
            line.push_str(&" ".repeat(self.last_len - len));
        }
        self.last_len = len;
        self.last_draw = Some(now);
        self.pending = false;
        self.write(&line);
    }

    fn write(&mut self, s: &str) {
        // Like a progress bar to a closed terminal, a failed write is not worth failing the
        // transfer for.
        let _ = self.out.write_all(s.as_bytes());
        let _ = self.out.flush();
    }
}

/// A byte count in binary units with one decimal: `512 B`, `1.0 KiB`, `12.3 MiB`.
pub fn binary_size(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Seconds as `mm:ss` (minutes keep growing past 59).
fn clock_time(secs: u64) -> String {
    format!("{:02}:{:02}", secs / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test can read back.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// A clock the test sets, in milliseconds.
    #[derive(Clone, Default)]
    struct FakeClock(Arc<AtomicU64>);

    impl FakeClock {
        fn set(&self, millis: u64) {
            self.0.store(millis, Ordering::SeqCst);
        }
    }

    fn fake_clock() -> (FakeClock, Clock) {
        let now = FakeClock::default();
        let handle = now.clone();
        (
            now,
            Box::new(move || Duration::from_millis(handle.0.load(Ordering::SeqCst))),
        )
    }

    fn plain(total: Option<u64>, chunks: &[u64]) -> String {
        let sink = Sink::default();
        let (_, clock) = fake_clock();
        let mut p = Progress::with_output(total, true, Box::new(sink.clone()), false, clock);
        for c in chunks {
            p.advance(*c);
        }
        p.finish();
        p.finish();
        sink.text()
    }

    #[test]
    fn plain_bar_matches_upstream() {
        // Expected: glanceclient VerboseFileWrapper / VerboseIteratorWrapper with a tty stdout.
        assert_eq!(
            plain(Some(100), &[10, 33, 7, 50]),
            "\r[===>                          ] 10%\r[============>                 ] 43%\
             \r[==============>               ] 50%\r[=============================>] 100%\n"
        );
        assert_eq!(
            plain(Some(3), &[1, 1, 1]),
            "\r[==========>                   ] 33%\r[===================>          ] 67%\
             \r[=============================>] 100%\n"
        );
        assert_eq!(
            plain(Some(10), &[6, 6]),
            "\r[=================>            ] 60%\r[===================================>] 120%\n"
        );
        assert_eq!(
            plain(Some(58), &[1, 57]),
            "\r[>                             ] 2%\r[=============================>] 100%\n"
        );
        assert_eq!(
            plain(Some(200), &[1, 199]),
            "\r[>                             ] 0%\r[=============================>] 100%\n"
        );
    }

    #[test]
    fn hidden_without_size_or_flag() {
        assert_eq!(plain(Some(0), &[5]), "");
        assert_eq!(plain(None, &[5]), "");
        let sink = Sink::default();
        let (_, clock) = fake_clock();
        let mut p = Progress::with_output(Some(10), false, Box::new(sink.clone()), true, clock);
        p.advance(10);
        p.finish();
        assert_eq!(sink.text(), "");
    }

    #[test]
    fn extended_bar_on_terminal() {
        let sink = Sink::default();
        let (now, clock) = fake_clock();
        let mib = 1024 * 1024;
        let mut p =
            Progress::with_output(Some(10 * mib), true, Box::new(sink.clone()), true, clock);
        now.set(500);
        p.advance(mib); // first draw: 1 MiB in 0.5 s
        now.set(550);
        p.advance(mib); // within 100 ms: skipped
        now.set(1000);
        p.advance(mib); // drawn: 3 MiB in 1 s
        now.set(1010);
        p.advance(7 * mib); // reaching the total always draws
        p.finish();
        let want = "\
\r[===>                          ] 10% 1.0 MiB/10.0 MiB 2.0 MiB/s ETA 00:05\
\r[=========>                    ] 30% 3.0 MiB/10.0 MiB 3.0 MiB/s ETA 00:03\
\r[=============================>] 100% 10.0 MiB/10.0 MiB 9.9 MiB/s ETA 00:00\n";
        assert_eq!(sink.text(), want);
    }

    #[test]
    fn extended_bar_draws_skipped_state_on_finish() {
        let sink = Sink::default();
        let (now, clock) = fake_clock();
        let mut p =
            Progress::with_output(Some(2_000_000), true, Box::new(sink.clone()), true, clock);
        p.advance(1000); // no time elapsed yet: no rate
        now.set(50);
        p.advance(1000); // skipped
        now.set(70);
        p.finish(); // the skipped state is drawn, then the newline
        p.finish();
        assert_eq!(
            sink.text(),
            "\r[>                             ] 0% 1000 B/1.9 MiB -- B/s ETA --:--\
             \r[>                             ] 0% 2.0 KiB/1.9 MiB 27.9 KiB/s ETA 01:10\n"
        );
    }

    #[test]
    fn extended_bar_blanks_what_a_shorter_line_leaves() {
        let sink = Sink::default();
        let (now, clock) = fake_clock();
        let mut p = Progress::with_output(Some(1000), true, Box::new(sink.clone()), true, clock);
        p.advance(1);
        now.set(1000);
        p.advance(4);
        p.finish();
        assert_eq!(
            sink.text(),
            "\r[>                             ] 0% 1 B/1000 B -- B/s ETA --:--\
             \r[>                             ] 0% 5 B/1000 B 5 B/s ETA 03:19 \n"
        );
    }

    #[test]
    fn binary_sizes() {
        assert_eq!(binary_size(0), "0 B");
        assert_eq!(binary_size(1023), "1023 B");
        assert_eq!(binary_size(1024), "1.0 KiB");
        assert_eq!(binary_size(12_897_485), "12.3 MiB");
        assert_eq!(binary_size(u64::MAX), "16.0 EiB");
        assert_eq!(clock_time(0), "00:00");
        assert_eq!(clock_time(3599), "59:59");
        assert_eq!(clock_time(6000), "100:00");
    }
}
