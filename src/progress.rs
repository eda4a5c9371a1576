//! Progress of long runs and fits, on any stream: an indicatif bar when stderr is a terminal, and
//! otherwise (a pipe, a file, nohup, CI) a line on stderr every few seconds with the percentage
//! done, the simulated time or iterations, the rate and the time left.
//!
//! Nothing is shown for the first moments of a job, so that short runs print nothing. The interval
//! between lines is 5 s; the environment variable `GRADMOD_PROGRESS_SECONDS` changes it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What the counted units are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unit {
    /// Time steps of `dt` ms: lines show simulated milliseconds.
    Steps {
        /// The time step (ms).
        dt: f64,
    },
    /// Iterations of a fit.
    Iterations,
}

/// The default interval between two progress lines when stderr is not a terminal.
pub const LINE_INTERVAL: Duration = Duration::from_secs(5);

/// How long a job runs before the terminal bar appears.
const BAR_DELAY: Duration = Duration::from_millis(500);

/// A progress report of one job (`total` units), shown only when `enabled`.
pub struct Progress {
    label: String,
    total: u64,
    unit: Unit,
    enabled: bool,
    start: Instant,
    /// The terminal bar, when stderr is a terminal.
    bar: Option<ProgressBar>,
    shown: bool,
    interval: Duration,
    last_line: Instant,
}

/// The interval between lines: `GRADMOD_PROGRESS_SECONDS` when set to a number, else
/// [`LINE_INTERVAL`].
fn line_interval() -> Duration {
    std::env::var("GRADMOD_PROGRESS_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(LINE_INTERVAL, Duration::from_secs_f64)
}

/// A duration as people read it: `42 s`, `3 min 5 s`, `2 h 10 min`.
fn human(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "unknown".into();
    }
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{seconds:.1} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

impl Progress {
    /// A report labelled `label` (such as `run` or `fit`) of a job of `total` units.
    pub fn new(label: &str, total: u64, unit: Unit, enabled: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = (enabled && terminal).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            let template = match unit {
                Unit::Steps { .. } => "{elapsed_precise} [{bar:40}] {pos}/{len} steps, {eta} left",
                Unit::Iterations => "{elapsed_precise} [{bar:30}] {pos}/{len} {msg}",
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        let now = Instant::now();
        Self {
            label: label.to_string(),
            total,
            unit,
            enabled,
            start: now,
            bar,
            shown: false,
            interval: line_interval(),
            last_line: now,
        }
    }

    /// Records that `done` units are done; `message` (such as the current loss) goes with it.
    pub fn set(&mut self, done: u64, message: &str) {
        if !self.enabled {
            return;
        }
        if let Some(bar) = &self.bar {
            if !self.shown && self.start.elapsed() > BAR_DELAY {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                self.shown = true;
            }
            bar.set_position(done);
            if !message.is_empty() {
                bar.set_message(message.to_string());
            }
            return;
        }
        if self.last_line.elapsed() < self.interval || done >= self.total {
            return;
        }
        self.last_line = Instant::now();
        let line = self.line(done, message);
        // A closed stderr loses the line but is not an error of the job.
        let _ = writeln!(std::io::stderr(), "{line}");
    }

    /// The progress line for `done` units.
    fn line(&self, done: u64, message: &str) -> String {
        let elapsed = self.start.elapsed().as_secs_f64();
        let fraction = done as f64 / self.total.max(1) as f64;
        let left = if done > 0 {
            elapsed * (self.total - done.min(self.total)) as f64 / done as f64
        } else {
            f64::INFINITY
        };
        let (what, rate) = match self.unit {
            Unit::Steps { dt } => {
                let (t, end) = (done as f64 * dt, self.total as f64 * dt);
                (
                    format!("{t:.1} of {end:.1} ms simulated"),
                    format!("{:.1} ms/s", t / elapsed.max(1e-9)),
                )
            }
            Unit::Iterations => (
                format!("{done} of {} iterations", self.total),
                format!("{:.2} iterations/s", done as f64 / elapsed.max(1e-9)),
            ),
        };
        let mut line = format!(
            "{}: {:.0}% ({what}), {} elapsed, {rate}, about {} left",
            self.label,
            100.0 * fraction,
            human(elapsed),
            human(left)
        );
        if !message.is_empty() {
            line += &format!("; {message}");
        }
        line
    }

    /// Clears the terminal bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_percent_time_rate_and_time_left() {
        let mut p = Progress::new("run", 1000, Unit::Steps { dt: 0.025 }, true);
        p.start -= Duration::from_secs(2);
        let line = p.line(250, "");
        assert!(
            line.starts_with(
                "run: 25% (6.2 of 25.0 ms simulated), 2.0 s elapsed, 3.1 ms/s, about 6.0 s left"
            ),
            "{line}"
        );
        let mut p = Progress::new("fit", 100, Unit::Iterations, true);
        p.start -= Duration::from_secs(200);
        let line = p.line(40, "loss 1e-3");
        assert_eq!(
            line,
            "fit: 40% (40 of 100 iterations), 3 min 20 s elapsed, 0.20 iterations/s, about 5 min 0 s left; loss 1e-3"
        );
    }
}
