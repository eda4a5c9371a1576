//! The cable of a cell: its morphology and CV layout, the cable properties (c_m, Ra, v_init), the
//! membrane potential and the arrays of the voltage solve, and the tangent columns beside v.
//!
//! Owner of these data: the cell's builders set the cable properties (`cell.rs`, and
//! `cell_params.rs` for tangent parameters of c_m and Ra), the time step writes v, the
//! accumulators and the columns (`step.rs`, through the phase views of `phase.rs`), and every
//! other writer of v and S_k (a NET_RECEIVE or a voltage process that sets v, a POINTER write to
//! v) goes through [`Cable::set_v`].

use crate::discretization::CvLayout;
use crate::morphology::Morphology;
use crate::solver::HinesMatrix;

/// The cable of a cell and its tangent columns.
pub(crate) struct Cable {
    pub(crate) morph: Morphology,
    pub(crate) layout: CvLayout,
    /// Membrane capacitance per CV (µF/cm²).
    pub(crate) cm: Vec<f64>,
    /// Axial resistivity per section (Ω·cm).
    pub(crate) ra: Vec<f64>,
    pub(crate) v_init: Vec<f64>,
    pub(crate) v: Vec<f64>,
    pub(crate) i: Vec<f64>,
    pub(crate) g: Vec<f64>,
    pub(crate) rhs: Vec<f64>,
    pub(crate) delta: Vec<f64>,
    pub(crate) matrix: HinesMatrix,
    /// Tangent columns S, dI, dg and the right-hand sides of step 2', all `[k][cv]`.
    pub(crate) s: Vec<f64>,
    pub(crate) di: Vec<f64>,
    pub(crate) dg: Vec<f64>,
    pub(crate) scratch: Vec<f64>,
}

impl Cable {
    /// The cable of `morph` laid out as `layout`, with uniform c_m, Ra and v_init, v at
    /// v_init and no tangent columns.
    pub(crate) fn new(morph: Morphology, layout: CvLayout, cm: f64, ra: f64, v_init: f64) -> Self {
        let n = layout.len();
        let nsec = morph.sections().len();
        Cable {
            matrix: HinesMatrix::new(layout.parent.clone()),
            morph,
            layout,
            cm: vec![cm; n],
            ra: vec![ra; nsec],
            v_init: vec![v_init; n],
            v: vec![v_init; n],
            i: vec![0.0; n],
            g: vec![0.0; n],
            rhs: vec![0.0; n],
            delta: vec![0.0; n],
            s: Vec::new(),
            di: Vec::new(),
            dg: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Sets v at `cv` to `value` and, in each of the `k` tangent columns, S_k at `cv` to
    /// `tangent(k)`: what a NET_RECEIVE, a voltage process or a POINTER write that sets v does.
    pub(crate) fn set_v(
        &mut self,
        cv: usize,
        value: f64,
        k: usize,
        tangent: impl Fn(usize) -> f64,
    ) {
        let n = self.v.len();
        self.v[cv] = value;
        for k in 0..k {
            self.s[k * n + cv] = tangent(k);
        }
    }
}
