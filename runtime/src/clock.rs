//! The time of a cell's simulation: t, the steps taken, NEURON's clock, whether the cell was
//! initialised and whether fields written between steps must be re-checked.
//!
//! Owner of these data: [`Clock`]'s fields are private to this file; `step.rs` (`init`, `step`
//! and `Cell::recheck_before_next_step`) is the only caller of its mutating methods, others read
//! it through the getters.

/// The time of a cell's simulation.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Clock {
    /// Current time (ms): the number of steps times dt.
    t: f64,
    /// Steps taken since initialisation.
    steps: u64,
    /// NEURON's clock: t as NEURON's fixed step accumulates it, by two additions of dt/2 per
    /// step (its rounding drifts from the multiple of dt gradmod's t is). NEURON delivers the
    /// events due by its clock before it tests the WATCH conditions, so whether an event on
    /// the grid (at t_n exactly) precedes the test depends on that rounding; the runtime
    /// decides it the same way.
    neuron_t: f64,
    /// Whether `init` has run.
    initialised: bool,
    /// Set when fields were written directly: parameters are re-checked and seeds rebuilt before
    /// the next step.
    recheck: bool,
}

impl Clock {
    /// Current time (ms).
    #[inline]
    pub(crate) fn t(&self) -> f64 {
        self.t
    }

    /// Steps taken since initialisation.
    #[inline]
    pub(crate) fn steps(&self) -> u64 {
        self.steps
    }

    /// NEURON's clock (ms).
    #[inline]
    pub(crate) fn neuron_t(&self) -> f64 {
        self.neuron_t
    }

    /// Whether the cell was initialised.
    #[inline]
    pub(crate) fn initialised(&self) -> bool {
        self.initialised
    }

    /// Sets t, the step count and NEURON's clock to 0 (at initialisation).
    pub(crate) fn restart(&mut self) {
        self.t = 0.0;
        self.steps = 0;
        self.neuron_t = 0.0;
    }

    /// Records the end of initialisation: the cell may step, and nothing is to be re-checked.
    pub(crate) fn finish_init(&mut self) {
        self.recheck = false;
        self.initialised = true;
    }

    /// Advances by one step of `dt`: t is the step count times dt, and NEURON's clock adds dt/2
    /// twice, as NEURON's fixed step does.
    #[inline]
    pub(crate) fn advance(&mut self, dt: f64) {
        self.steps += 1;
        self.t = self.steps as f64 * dt;
        self.neuron_t += 0.5 * dt;
        self.neuron_t += 0.5 * dt;
    }

    /// Asks for a re-check of the parameters before the next step.
    pub(crate) fn request_recheck(&mut self) {
        self.recheck = true;
    }

    /// Whether a re-check was asked for.
    #[inline]
    pub(crate) fn recheck_requested(&self) -> bool {
        self.recheck
    }

    /// Clears the request for a re-check (after one passed).
    pub(crate) fn clear_recheck(&mut self) {
        self.recheck = false;
    }
}
