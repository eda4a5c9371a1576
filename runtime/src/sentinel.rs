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

use crate::cell::Cell;
pub use crate::cell::DEFAULT_CHECK_EVERY;
use crate::error::{Error, Result};
use crate::mechanism::{FieldRole, IonVar};

/// The index of the first non-finite value of a slice, if any.
fn first_bad(xs: &[f64]) -> Option<usize> {
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

impl Cell {
    /// Sets the sentinel's interval: a scan for non-finite values every `every` steps (0: never).
    pub fn set_finite_check(&mut self, every: u64) {
        self.finite_every = every;
    }

    /// The sentinel's interval in steps (0: off).
    pub fn finite_check(&self) -> u64 {
        self.finite_every
    }

    /// `section(x)` of a CV.
    fn cv_place(&self, cv: usize) -> String {
        let sec = self.cable.layout.section[cv].0;
        let name = &self.cable.morph.sections()[sec].name;
        format!("{name}({})", self.cable.layout.x[cv])
    }

    /// Scans the whole state now, unless the sentinel is off; an error names the first non-finite
    /// value. Also records the time of a clean scan, which a later error reports.
    pub fn check_finite(&mut self) -> Result<()> {
        if self.finite_every == 0 {
            return Ok(());
        }
        match self.find_nonfinite() {
            None => {
                self.finite_clean_t = Some(self.t);
                Ok(())
            }
            Some((cv, what)) => Err(Error::NonFinite {
                t: self.t,
                since: self.finite_clean_t,
                place: self.cv_place(cv),
                what,
            }),
        }
    }

    /// Runs the scan when a step count `steps` is due.
    pub(crate) fn check_finite_if_due(&mut self) -> Result<()> {
        if self.finite_every > 0 && self.steps.is_multiple_of(self.finite_every) {
            self.check_finite()
        } else {
            Ok(())
        }
    }

    /// The first non-finite field of any role (ASSIGNED and RANGE variables included) of any
    /// mechanism, described as `mechanism.field = value (instance i)`: the cause a diverged
    /// membrane potential reports. Array elements (`x[2]`) are looked at first: a write out of
    /// range fills an array with NaN, which then reaches what is computed from it.
    pub(crate) fn first_nonfinite_field(&self) -> Option<String> {
        for elements in [true, false] {
            for slot in &self.mechs {
                let m = &slot.mech;
                let info = m.info();
                for (f, fi) in info.fields.iter().enumerate() {
                    if fi.name.contains('[') != elements {
                        continue;
                    }
                    let values = m.field(f);
                    if let Some(i) = first_bad(values) {
                        return Some(format!(
                            "{}.{} = {} (instance {i})",
                            info.name, fi.name, values[i]
                        ));
                    }
                }
            }
        }
        None
    }

    /// The first non-finite value: its CV and a description of it.
    fn find_nonfinite(&self) -> Option<(usize, String)> {
        let n = self.cable.layout.len();
        let pname = |k: usize| {
            self.params
                .get(k)
                .map_or_else(|| format!("parameter {k}"), |p| format!("`{}`", p.name))
        };
        if let Some(cv) = first_bad(&self.cable.v[..n]) {
            return Some((cv, format!("v = {}", self.cable.v[cv])));
        }
        if let Some(j) = first_bad(&self.cable.s) {
            let (k, cv) = (j / n, j % n);
            return Some((
                cv,
                format!("dv/dθ = {} for the parameter {}", self.cable.s[j], pname(k)),
            ));
        }
        for slot in &self.mechs {
            let m = &slot.mech;
            let info = m.info();
            let nodes = m.nodes();
            let ni = m.instance_count();
            let mut states = Vec::new();
            for (f, fi) in info.fields.iter().enumerate() {
                if !matches!(
                    fi.role,
                    FieldRole::State | FieldRole::Pointer | FieldRole::Voltage
                ) {
                    continue;
                }
                states.push(fi.name);
                let values = m.field(f);
                if let Some(i) = first_bad(values) {
                    return Some((
                        nodes[i],
                        format!("{}.{} = {} (instance {i})", info.name, fi.name, values[i]),
                    ));
                }
            }
            let tangents = m.state_tangents();
            if ni > 0
                && !states.is_empty()
                && let Some(j) = first_bad(tangents)
            {
                let (i, rest) = (j % ni, j / ni);
                let (k, pos) = (rest / states.len(), rest % states.len());
                return Some((
                    nodes[i],
                    format!(
                        "d({}.{})/dθ = {} for the parameter {} (instance {i})",
                        info.name,
                        states[pos],
                        tangents[j],
                        pname(k)
                    ),
                ));
            }
        }
        // A reversal potential no mechanism reads may be NaN harmlessly (the Nernst potential of
        // an ion used only as a carrier of a concentration, with no outer concentration).
        let mut rev_read = vec![false; self.ions.species.len()];
        for slot in &self.mechs {
            for (ion, &sp) in slot.mech.info().ions.iter().zip(&slot.ion_slots) {
                rev_read[sp] |= ion.reads(IonVar::Reversal);
            }
        }
        let arrays = self.ions.species.iter().zip(&self.ions.arrays);
        for ((sp, a), &rev) in arrays.zip(&rev_read) {
            let columns = [
                ("current", &a.current),
                ("reversal potential", if rev { &a.rev } else { &a.current }),
                ("inner concentration", &a.inside),
                ("outer concentration", &a.outside),
            ];
            for (what, col) in columns {
                if let Some(cv) = first_bad(col) {
                    return Some((cv, format!("the {} {what} = {}", sp.name, col[cv])));
                }
            }
        }
        let tangents = self.ions.species.iter().zip(&self.ions.tangents);
        for ((sp, t), &rev) in tangents.zip(&rev_read) {
            let columns = [
                ("current", &t.current),
                ("reversal potential", if rev { &t.rev } else { &t.current }),
                ("inner concentration", &t.inside),
                ("outer concentration", &t.outside),
            ];
            for (what, col) in columns {
                if let Some(j) = first_bad(col) {
                    let (k, cv) = (j / n, j % n);
                    return Some((
                        cv,
                        format!(
                            "the tangent of the {} {what} = {} for the parameter {}",
                            sp.name,
                            col[j],
                            pname(k)
                        ),
                    ));
                }
            }
        }
        None
    }
}
