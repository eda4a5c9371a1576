//! The cell's side of the numerical sentinel (`sentinel.rs`): the scan of everything a step
//! computes for values that are not finite, and the description of the first one found.

use crate::cell::Cell;
use crate::error::{Error, Result};
use crate::mechanism::{FieldRole, IonVar};
use crate::sentinel::first_bad;

impl Cell {
    /// Sets the sentinel's interval: a scan for non-finite values every `every` steps (0: never).
    pub fn set_finite_check(&mut self, every: u64) {
        self.sentinel.set_every(every);
    }

    /// The sentinel's interval in steps (0: off).
    pub fn finite_check(&self) -> u64 {
        self.sentinel.every()
    }

    /// Forgets the last clean scan (at initialisation).
    pub(crate) fn restart_sentinel(&mut self) {
        self.sentinel.restart();
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
        if self.sentinel.every() == 0 {
            return Ok(());
        }
        match self.find_nonfinite() {
            None => {
                self.sentinel.record_clean(self.t());
                Ok(())
            }
            Some((cv, what)) => Err(Error::NonFinite {
                t: self.t(),
                since: self.sentinel.clean_t(),
                place: self.cv_place(cv),
                what,
            }),
        }
    }

    /// Runs the scan when a step count `steps` is due.
    pub(crate) fn check_finite_if_due(&mut self) -> Result<()> {
        if self.sentinel.due(self.step_count()) {
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
            for slot in self.mechs.iter() {
                let m = slot.mech();
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
        for slot in self.mechs.iter() {
            let m = slot.mech();
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
        for slot in self.mechs.iter() {
            for (ion, &sp) in slot.mech().info().ions.iter().zip(slot.ion_slots()) {
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
