//! Voltage processes (Arbor's `VOLTAGE_PROCESS`, [`MechanismInfo::voltage_process`]): mechanisms
//! that set the membrane potential after the voltage solve of a step, as Arbor 0.12 runs them
//! after its cable solve, every other mechanism's state update and the ion update, and before
//! its threshold test (docs/DESIGN.md, "The membrane potential set by a mechanism").
//!
//! [`MechanismInfo::voltage_process`]: crate::mechanism::MechanismInfo::voltage_process

use crate::cell::Cell;
use crate::phase::{phase_context, phase_tangents};

impl Cell {
    /// Whether mechanism slot `m` holds a voltage process.
    pub(crate) fn is_voltage_process(&self, m: usize) -> bool {
        self.mechs[m].mech().info().voltage_process
    }

    /// Runs every voltage process's `states` kernel (and its tangent) in the order of the
    /// mechanisms, each reading v as the solve and the processes before it left it, and writes
    /// the v it sets at each instance's CV into v, and that value's tangents into S_k. The tangent
    /// of a CV's v becomes the tangent of the value it is set to: 0 for a constant, the seed of
    /// a clamp's parameter, through `min`/`max` the tangent of the branch taken.
    pub(crate) fn voltage_process_phase(&mut self) {
        let n = self.cable.layout.len();
        let kk = self.params.len();
        let mut any = false;
        for i in 0..self.mechs.len() {
            let m = self.mechs.order()[i];
            if !self.is_voltage_process(m) {
                continue;
            }
            if any {
                self.fill_pointers();
            }
            any = true;
            let t = self.clock.t();
            let (mech, views) = self.mechs.slot_mut(m).parts();
            let mut ctx = phase_context!(self, views, t, m, States);
            let mut fused = false;
            if kk > 0 {
                let mut tan = phase_tangents!(self, views, kk, n);
                mech.states_tangent(&mut ctx, &mut tan);
                fused = mech.fused_states();
            }
            if !fused {
                mech.states(&mut ctx);
            }
            self.write_process_voltage(m);
        }
        if any {
            self.fill_pointers();
        }
    }

    /// Writes the voltage field of every instance of voltage process `m` into v at its CV, and
    /// the field's tangents (the last row of σ) into S_k.
    fn write_process_voltage(&mut self, m: usize) {
        let mech = self.mechs[m].mech();
        let Some(field) = mech.info().voltage_field() else {
            return;
        };
        let (ni, kk) = (mech.instance_count(), self.params.len());
        let rows = mech.info().sigma_rows();
        let values = mech.field(field);
        let sigma = mech.state_tangents();
        for (j, &cv) in mech.nodes().iter().enumerate() {
            let tangent = |k: usize| sigma[(k * rows + rows - 1) * ni + j];
            self.cable.set_v(cv, values[j], kk, tangent);
        }
    }
}
