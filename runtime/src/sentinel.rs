//! The numerical sentinel: a scan of everything a step computes (v and its tangents, every
//! mechanism's states and state tangents, every ion variable and its tangents) for values that
//! are not finite, run every [`DEFAULT_CHECK_EVERY`] steps, after initialisation and whenever the
//! caller asks ([`Cell::check_finite`]). The first non-finite value found stops the run with an
//! [`Error::NonFinite`] naming the time, the CV (section and x), the quantity (mechanism and field,
//! ion variable) and, for a tangent, the parameter.
//!
//! The membrane potential itself is checked after every step (`Error::Diverged`). A model that
//! computes non-finite values on purpose turns the sentinel off with
//! [`Cell::set_finite_check`]`(0)`.
//!
//! The scan itself is the cell's (`cell_sentinel.rs`); this file owns the sentinel's interval and
//! the time of its last clean scan.
//!
//! [`Cell::check_finite`]: crate::Cell::check_finite
//! [`Cell::set_finite_check`]: crate::Cell::set_finite_check
//! [`Error::NonFinite`]: crate::Error::NonFinite

/// Steps between two scans for non-finite values by default. A value that turns non-finite is
/// reported at most this many steps later (and stops the run there).
pub const DEFAULT_CHECK_EVERY: u64 = 16;

/// The sentinel's settings and record.
///
/// Owner of these data: its fields are private to this file; the cell's scan (`cell_sentinel.rs`)
/// calls its methods.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sentinel {
    /// Steps between two scans (0: off).
    every: u64,
    /// The time of the last scan that found every value finite.
    clean_t: Option<f64>,
}

impl Default for Sentinel {
    fn default() -> Self {
        Self {
            every: DEFAULT_CHECK_EVERY,
            clean_t: None,
        }
    }
}

impl Sentinel {
    /// Steps between two scans (0: off).
    pub(crate) fn every(&self) -> u64 {
        self.every
    }

    /// Sets the steps between two scans (0: off).
    pub(crate) fn set_every(&mut self, every: u64) {
        self.every = every;
    }

    /// Whether a scan is due after `steps` steps.
    #[inline]
    pub(crate) fn due(&self, steps: u64) -> bool {
        self.every > 0 && steps.is_multiple_of(self.every)
    }

    /// The time of the last scan that found every value finite.
    pub(crate) fn clean_t(&self) -> Option<f64> {
        self.clean_t
    }

    /// Records a scan at `t` that found every value finite.
    pub(crate) fn record_clean(&mut self, t: f64) {
        self.clean_t = Some(t);
    }

    /// Forgets the last clean scan (at initialisation).
    pub(crate) fn restart(&mut self) {
        self.clean_t = None;
    }
}

/// The index of the first non-finite value of a slice, if any.
pub(crate) fn first_bad(xs: &[f64]) -> Option<usize> {
    // x·0 is 0 for a finite x and NaN otherwise; eight independent sums let the loop vectorise.
    let mut acc = [0.0f64; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x * 0.0;
        }
    }
    let clean = acc.iter().all(|a| *a == 0.0) && rest.iter().all(|x| x.is_finite());
    if clean {
        return None;
    }
    xs.iter().position(|x| !x.is_finite())
}
