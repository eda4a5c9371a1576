//! BEFORE and AFTER blocks ([`BaPoint`]): the cell runs them at NEURON's points of the step
//! (docs/NEURON_SCHEME.md), every mechanism in NEURON's order and, within one, every instance in
//! turn, copying the instance's POINTERs in before its call and out after it, as NEURON's
//! pointers read and write their targets directly. So many instances that add into one target
//! (hnn-core's dipoles summing into one point process's `Qsum`) accumulate there in order, and
//! the tangents travel with the values (docs/DESIGN.md, "Events").

use crate::cell::Cell;
use crate::mechanism::BaPoint;
use crate::phase::{phase_context, phase_tangents};
use crate::random::Phase;

impl Cell {
    /// Runs the blocks of every mechanism at `point`, at time `t` (and their tangents, fused
    /// with them, when the cell has tangent columns).
    pub(crate) fn before_after_phase(&mut self, point: BaPoint, t: f64) {
        if !self
            .mechs
            .iter()
            .any(|s| s.mech().before_after().contains(&point))
        {
            return;
        }
        let (n, kk) = (self.cable.layout.len(), self.params.len());
        let phase = match point {
            BaPoint::BeforeInitial => Phase::BeforeInitial,
            BaPoint::AfterInitial => Phase::AfterInitial,
            BaPoint::BeforeBreakpoint => Phase::BeforeBreakpoint,
            BaPoint::AfterSolve => Phase::AfterSolve,
            BaPoint::BeforeStep => Phase::BeforeStep,
        };
        for i in 0..self.mechs.len() {
            let m = self.mechs.order()[i];
            if !self.mechs[m].mech().before_after().contains(&point) {
                continue;
            }
            let has_pointers = self.mechs[m].mech().info().pointer_count() > 0;
            for j in 0..self.mechs[m].mech().instance_count() {
                if has_pointers {
                    self.fill_instance_pointers(m, j);
                }
                let (mech, views) = self.mechs.slot_mut(m).parts();
                let mut ctx = phase_context!(self, views, t, m, value phase);
                if kk > 0 {
                    let mut tan = phase_tangents!(self, views, kk, n);
                    mech.ba_tangent(&mut ctx, &mut tan, point, j);
                } else {
                    mech.ba(&mut ctx, point, j);
                }
                if has_pointers {
                    self.write_back_instance(m, j);
                }
            }
        }
        // The other kernels read the pointers the blocks may have written.
        self.fill_pointers();
    }
}
