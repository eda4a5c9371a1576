//! NMODL's `LONGITUDINAL_DIFFUSION`: states of a density mechanism diffused along the cable
//! between the instances of the mechanism, as NEURON's `ldifus.cpp` does at its fixed step.
//!
//! After every mechanism's state update, each diffused state x (one value per instance) takes
//! one backward-Euler step on the tree of the instances:
//!
//! ```text
//! (x_i' − x_i) / dt = Σ_j c_ij (x_j' − x_i'),
//! c_ij = f_ij · (D_i + D_j) / 2 / V_i,   f_ij = 2 / Δx_i / (Δx_i + Δx_j)  (j the parent of i),
//!                                        f_ji = 2 / Δx_j / (Δx_i + Δx_j)  (i the parent of j),
//! ```
//!
//! with D the statement's coefficient and V the state's COMPARTMENT volume per instance, and Δx
//! the segment length L/nseg of each instance's section (NEURON's `af`/`bf`, with Rall's
//! `rallbranch` 1). An instance's neighbour towards the root is the instance of the parent
//! segment; across a zero-area end node the parent's parent, and for a section attached to the
//! root's 0-end, the first segment of its parent section (NEURON's rule in `longdifusalloc`).
//! The system is assembled and eliminated in NEURON's order of operations, so the result is
//! NEURON's to the bit on the same values.
//!
//! The tangent is the exact derivative of that step. With M x' = x/dt and M depending on D and V
//! (whose tangents are rows of σ, as both are states assigned by INITIAL), the tangent column
//! σ' of x solves M σ' = σ/dt − (dM/dθ) x' with the same elimination.

use crate::discretization::{CvLayout, NO_PARENT};
use crate::error::{Error, Result};
use crate::mechanism::{Longitudinal, Mechanism};
use crate::morphology::Morphology;

/// The diffusion of the states of one mechanism of a cell.
#[derive(Clone, Debug)]
pub struct LongitudinalSystem {
    /// The mechanism (an index into the cell's mechanisms).
    pub(crate) mech: usize,
    /// The diffused states, with their coefficient and volume fields.
    entries: &'static [Longitudinal],
    /// The instance of each row (rows in the order of their CVs, parents first).
    instance: Vec<usize>,
    /// The parent row of each row, or [`NO_PARENT`].
    parent: Vec<usize>,
    /// NEURON's `af`: the factor of a row's entry in its parent's row.
    af: Vec<f64>,
    /// NEURON's `bf`: the factor of the parent's entry in a row.
    bf: Vec<f64>,
    /// Scratch: coefficient of a row's value in its parent's row.
    a: Vec<f64>,
    /// Scratch: coefficient of the parent's value in a row.
    b: Vec<f64>,
    /// Scratch: the diagonal, eliminated.
    d: Vec<f64>,
    /// Scratch: the multipliers a/d of the elimination.
    mult: Vec<f64>,
    /// Scratch: right-hand side and solution.
    x: Vec<f64>,
    /// Scratch: a tangent column.
    tx: Vec<f64>,
    /// Scratch: the coefficient of each row.
    dc: Vec<f64>,
    /// Scratch: the volume of each row.
    vol: Vec<f64>,
}

impl LongitudinalSystem {
    /// The system of mechanism `mech` (whose instances sit on `nodes`) on a cell's layout.
    /// Errors when two instances share a CV.
    pub fn new(
        mech: usize,
        m: &dyn Mechanism,
        layout: &CvLayout,
        morph: &Morphology,
    ) -> Result<Self> {
        let nodes = m.nodes();
        let mut at = vec![usize::MAX; layout.len()];
        for (j, &cv) in nodes.iter().enumerate() {
            if at[cv] != usize::MAX {
                return Err(Error::Invalid(format!(
                    "`{}` has two instances on CV {cv}: LONGITUDINAL_DIFFUSION needs one per \
                     segment",
                    m.info().name
                )));
            }
            at[cv] = j;
        }
        let mut rows: Vec<usize> = (0..nodes.len()).collect();
        rows.sort_by_key(|&j| nodes[j]);
        let mut row_of = vec![NO_PARENT; nodes.len()];
        for (r, &j) in rows.iter().enumerate() {
            row_of[j] = r;
        }
        let secs = morph.sections();
        let dx = |cv: usize| {
            let s = layout.section[cv].0;
            secs[s].length() / layout.nseg[s] as f64
        };
        let n = rows.len();
        let mut parent = vec![NO_PARENT; n];
        let (mut af, mut bf) = (vec![0.0; n], vec![0.0; n]);
        for (r, &j) in rows.iter().enumerate() {
            let cv = nodes[j];
            let Some(pj) = neighbour(cv, &at, layout, morph) else {
                continue;
            };
            let pr = row_of[pj];
            parent[r] = pr;
            let (dxc, dxp) = (dx(cv), dx(nodes[pj]));
            af[r] = 2.0 * 1.0 / dxp / (dxc + dxp);
            bf[r] = 2.0 / dxc / (dxc + dxp);
        }
        Ok(Self {
            mech,
            entries: m.longitudinal(),
            instance: rows,
            parent,
            af,
            bf,
            a: vec![0.0; n],
            b: vec![0.0; n],
            d: vec![0.0; n],
            mult: vec![0.0; n],
            x: vec![0.0; n],
            tx: vec![0.0; n],
            dc: vec![0.0; n],
            vol: vec![0.0; n],
        })
    }

    /// Diffuses every state of the mechanism for one step `dt`, and their tangents (`kk`
    /// columns).
    pub fn step(&mut self, m: &mut dyn Mechanism, dt: f64, kk: usize) {
        let info = m.info();
        let rows = info.sigma_rows();
        let ni = m.instance_count();
        let n = self.instance.len();
        for e in self.entries {
            // The coefficients and volumes, as NEURON's `stagger` assembles them.
            let (dc, vol) = (m.field(e.rate), m.field(e.volume));
            for r in 0..n {
                let i = self.instance[r];
                self.dc[r] = dc[i];
                self.vol[r] = vol[i];
                self.d[r] = 0.0;
                let p = self.parent[r];
                if p != NO_PARENT {
                    let dcm = (self.dc[r] + self.dc[p]) / 2.0;
                    self.a[r] = -self.af[r] * dcm / self.vol[p];
                    self.b[r] = -self.bf[r] * dcm / self.vol[r];
                }
            }
            let state = m.field(e.species);
            for r in 0..n {
                let p = self.parent[r];
                self.d[r] += 1.0 / dt;
                self.x[r] = state[self.instance[r]] / dt;
                if p != NO_PARENT {
                    self.d[r] -= self.b[r];
                    self.d[p] -= self.a[r];
                }
            }
            self.eliminate();
            solve(&self.parent, &self.b, &self.d, &self.mult, &mut self.x);
            let out = m.field_mut(e.species);
            for r in 0..n {
                out[self.instance[r]] = self.x[r];
            }
            if kk == 0 {
                continue;
            }
            let (Some(sx), Some(sr), Some(sv)) = (
                info.state_position(e.species),
                info.state_position(e.rate),
                info.state_position(e.volume),
            ) else {
                continue;
            };
            let (dc, vol) = (&self.dc, &self.vol);
            let sigma = m.state_tangents_mut();
            for k in 0..kk {
                let row = |s: usize| (k * rows + s) * ni;
                let (ox, or, ov) = (row(sx), row(sr), row(sv));
                for r in 0..n {
                    self.tx[r] = sigma[ox + self.instance[r]] / dt;
                }
                // −(dM/dθ) x', from the tangents of the coefficients and the volumes.
                for r in 0..n {
                    let p = self.parent[r];
                    if p == NO_PARENT {
                        continue;
                    }
                    let (i, ip) = (self.instance[r], self.instance[p]);
                    let (ddc, dvi, dvp) = (
                        (sigma[or + i] + sigma[or + ip]) / 2.0,
                        sigma[ov + i],
                        sigma[ov + ip],
                    );
                    if ddc == 0.0 && dvi == 0.0 && dvp == 0.0 {
                        continue;
                    }
                    let dcm = (dc[r] + dc[p]) / 2.0;
                    let da = -self.af[r] * (ddc / vol[p] - dcm * dvp / (vol[p] * vol[p]));
                    let db = -self.bf[r] * (ddc / vol[r] - dcm * dvi / (vol[r] * vol[r]));
                    let diff = self.x[p] - self.x[r];
                    self.tx[r] -= db * diff;
                    self.tx[p] += da * diff;
                }
                solve(&self.parent, &self.b, &self.d, &self.mult, &mut self.tx);
                for r in 0..n {
                    sigma[ox + self.instance[r]] = self.tx[r];
                }
            }
        }
    }

    /// NEURON's `nrn_tree_solve` elimination of the diagonal, keeping the multipliers.
    fn eliminate(&mut self) {
        for r in (1..self.parent.len()).rev() {
            let p = self.parent[r];
            if p != NO_PARENT {
                let q = self.a[r] / self.d[r];
                self.mult[r] = q;
                self.d[p] -= q * self.b[r];
            }
        }
    }
}

/// Solves the eliminated system for `rhs` in place: NEURON's `nrn_tree_solve` once the
/// diagonal is eliminated (the same operations on the right-hand side, in its order).
fn solve(parent: &[usize], b: &[f64], d: &[f64], mult: &[f64], rhs: &mut [f64]) {
    for r in (1..parent.len()).rev() {
        let p = parent[r];
        if p != NO_PARENT {
            rhs[p] -= mult[r] * rhs[r];
        }
    }
    for r in 0..parent.len() {
        let p = parent[r];
        if p != NO_PARENT {
            rhs[r] -= b[r] * rhs[p];
        }
        rhs[r] /= d[r];
    }
}

/// The instance (index into `at`'s values) an instance on `cv` exchanges with towards the root,
/// by NEURON's rule: the parent node's, else the parent's parent's (across a zero-area end
/// node), else the first segment's of the parent section.
fn neighbour(cv: usize, at: &[usize], layout: &CvLayout, morph: &Morphology) -> Option<usize> {
    let has = |c: usize| (c != NO_PARENT && at[c] != usize::MAX).then(|| at[c]);
    let p = layout.parent[cv];
    if p == NO_PARENT {
        return None;
    }
    if let Some(j) = has(p) {
        return Some(j);
    }
    let pp = layout.parent[p];
    if let Some(j) = has(pp) {
        return Some(j);
    }
    let sec = layout.section[cv].0;
    let (psec, _) = morph.sections()[sec].parent?;
    has(layout.first_segment[psec.0])
}
