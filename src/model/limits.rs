//! Limits on the work a model asks for, so that a slip of the keyboard (`dt = 1e-300`,
//! `tstop = 1e300`, `nseg = 10000000`) is refused at once with the keys and values at fault
//! instead of running until it is killed or filling the memory.
//!
//! The time grid must be exact: `dt` at most `tstop`, and `tstop` a whole number of steps (gradmod
//! does not round it). The size limits can be lifted with `--allow-large` or
//! `[simulation] allow_large = true`; the step count must still fit in 2^53, where whole steps
//! stop being exact in f64.

use super::{ModelError, Source};
use gradmod_runtime::mechanism::short_number;

/// The largest number of time steps without `allow_large`: 10^8 (2,500 s of simulated time at
/// dt = 0.025 ms).
pub const MAX_STEPS: u64 = 100_000_000;

/// The largest number of CVs of one cell without `allow_large`: 10^6 (about 1 GB with a few
/// mechanisms and tangents).
pub const MAX_CVS: usize = 1_000_000;

/// The largest number of recorded values of one cell (samples × recorded columns) without
/// `allow_large`: 2·10^8, 1.6 GB of f64.
pub const MAX_RECORDED: u64 = 200_000_000;

/// The largest work of a run without `allow_large`, in CV-steps times (1 + K) for K tangent
/// parameters: 10^12, hours at the 10^7 to 10^8 CV-steps per second of one core.
pub const MAX_WORK: f64 = 1e12;

/// Steps that can be counted exactly in f64, with or without `allow_large`.
const STEP_CEILING: f64 = 9_007_199_254_740_992.0;

/// How to lift the size limits, for messages.
const ALLOW: &str = "or allow it with --allow-large (or allow_large = true in [simulation])";

/// The number of steps of a run of `tstop` ms with steps of `dt` ms, checked: dt at most tstop,
/// tstop a whole number of steps, and (unless `allow_large`) at most [`MAX_STEPS`] steps.
pub(crate) fn steps(
    src: &Source,
    tstop: f64,
    dt: f64,
    allow_large: bool,
) -> Result<u64, ModelError> {
    // Printed in exponent form where the decimal form would run to hundreds of digits.
    let (tstop_text, dt_text) = (short_number(tstop), short_number(dt));
    if tstop > 0.0 && dt > tstop {
        return Err(src.error(
            "simulation.dt",
            format!(
                "dt = {dt_text} ms is longer than tstop = {tstop_text} ms: the run would step past tstop; \
                 make dt at most tstop"
            ),
        ));
    }
    let n = tstop / dt;
    if !n.is_finite() || n >= STEP_CEILING {
        return Err(src.error(
            "simulation.tstop",
            format!(
                "tstop = {tstop_text} ms with dt = {dt_text} ms is {n:.3e} steps, more than can be counted \
                 (2^53): shorten tstop or lengthen dt"
            ),
        ));
    }
    let whole = n.round();
    if (n - whole).abs() > 1e-6 + 1e-12 * n {
        let (lo, hi) = (n.floor() * dt, n.ceil() * dt);
        return Err(src.error(
            "simulation.tstop",
            format!(
                "tstop = {tstop_text} ms is not a whole number of steps of dt = {dt_text} ms ({n:.4} \
                 steps); gradmod does not round it: choose a multiple of dt, such as {} or {} ms",
                short(lo),
                short(hi)
            ),
        ));
    }
    let steps = whole as u64;
    if steps > MAX_STEPS && !allow_large {
        return Err(src.error(
            "simulation.tstop",
            format!(
                "tstop = {tstop_text} ms with dt = {dt_text} ms is {steps} steps, more than the limit of \
                 {MAX_STEPS}: shorten tstop, lengthen dt, {ALLOW}"
            ),
        ));
    }
    Ok(steps)
}

/// A multiple of dt printed without float noise (such as 0.30000000000000004 as 0.3).
fn short(x: f64) -> String {
    let s = format!("{x:.10}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Checks the number of CVs of a cell with sections (name, nseg): at most [`MAX_CVS`] unless
/// `allow_large`.
pub(crate) fn cvs<'a>(
    src: &Source,
    sections: impl Iterator<Item = (&'a str, usize)>,
    allow_large: bool,
) -> Result<(), ModelError> {
    let mut total: usize = 1;
    let mut largest = ("", 0);
    for (name, nseg) in sections {
        total = total.saturating_add(nseg).saturating_add(1);
        if nseg > largest.1 {
            largest = (name, nseg);
        }
    }
    if total > MAX_CVS && !allow_large {
        return Err(src.error(
            "discretization",
            format!(
                "the cell would have {total} CVs (section `{}` has nseg = {}), more than the \
                 limit of {MAX_CVS}: use fewer segments, {ALLOW}",
                largest.0, largest.1
            ),
        ));
    }
    Ok(())
}

/// Checks the number of values recorded of a cell: `columns` recorded columns (probes and their
/// tangents) at every `sample_every`-th of `steps` steps and after initialisation.
pub(crate) fn recorded(
    src: &Source,
    steps: u64,
    sample_every: u64,
    columns: usize,
    allow_large: bool,
) -> Result<(), ModelError> {
    let samples = steps / sample_every.max(1) + 1;
    let values = samples.saturating_mul(columns as u64);
    if values > MAX_RECORDED && !allow_large {
        return Err(src.error(
            "simulation.sample_every",
            format!(
                "recording {columns} columns (probes and their tangents) at {samples} samples is \
                 {values} values ({:.1} GB), more than the limit of {MAX_RECORDED}: raise \
                 sample_every (now {sample_every}), record fewer probes or tangents, {ALLOW}",
                values as f64 * 8e-9
            ),
        ));
    }
    Ok(())
}

/// Checks the work of a run: `cvs` CVs (of every cell) for `steps` steps, each with its value and
/// `k` tangent columns, against [`MAX_WORK`] (memory is bounded by [`MAX_CVS`] and
/// [`MAX_RECORDED`]).
pub(crate) fn work(
    src: &Source,
    cvs: usize,
    steps: u64,
    k: usize,
    allow_large: bool,
) -> Result<(), ModelError> {
    let work = cvs as f64 * steps as f64 * (1 + k) as f64;
    if work > MAX_WORK && !allow_large {
        return Err(src.error(
            "simulation.tstop",
            format!(
                "the run is {} CV-steps with {} columns each (the value and {k} tangents), \
                 {} in all (hours at 10^8 per second), more than the limit of {}: shorten tstop, \
                 lengthen dt, use fewer CVs or parameters, {ALLOW}",
                short_number(cvs as f64 * steps as f64),
                1 + k,
                short_number(work),
                short_number(MAX_WORK),
            ),
        ));
    }
    Ok(())
}
