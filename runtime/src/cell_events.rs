//! Cell methods for events, spike detection and gap junctions.

use crate::cell::{Cell, MechId};
use crate::error::{Error, Result, check_finite};
use crate::events::Spike;
use crate::mechanism::EventArgs;
use crate::phase::{phase_context, phase_tangents};

impl Cell {
    /// Schedules a `NET_RECEIVE` of `weight` for instance `instance` of point process `mech` at
    /// `time`, through a connection of its own (as a NetCon per event in NEURON: the values
    /// `NET_RECEIVE` keeps per connection start afresh for each such event). Events that share
    /// a connection are delivered with [`Cell::connect`] and [`Cell::deliver`].
    pub fn schedule(
        &mut self,
        time: f64,
        mech: MechId,
        instance: usize,
        weight: f64,
    ) -> Result<()> {
        let nc = self.connect(mech, instance, weight)?;
        self.deliver(time, nc)
    }

    /// Adds a spike detector at a CV; returns its index.
    pub fn add_detector(&mut self, cv: usize, threshold: f64) -> Result<usize> {
        if cv >= self.cv_count() {
            return Err(Error::UnknownName {
                kind: "CV",
                name: cv.to_string(),
            });
        }
        check_finite(|| "detector threshold".into(), threshold)?;
        Ok(self.events.add_detector(cv, threshold, None))
    }

    /// Spikes detected since the last call, in time order.
    pub fn take_spikes(&mut self) -> Vec<Spike> {
        self.events.take_spikes()
    }

    /// Adds a gap-junction input at a CV with conductance g (µS); returns its index. Its partner
    /// potential is set with [`Cell::set_gap_partner`] before each step.
    pub fn add_gap_input(&mut self, cv: usize, g: f64) -> Result<usize> {
        if cv >= self.cv_count() {
            return Err(Error::UnknownName {
                kind: "CV",
                name: cv.to_string(),
            });
        }
        check_finite(|| "gap junction conductance".into(), g)?;
        Ok(self.events.add_gap(cv, g))
    }

    /// Sets the partner potential (and tangents) of a gap input for the next step.
    pub fn set_gap_partner(&mut self, gap: usize, v: f64, s: &[f64]) {
        self.events.set_gap_partner(gap, v, s);
    }

    /// Resets detectors and clears pending spikes at initialisation.
    pub(crate) fn init_events(&mut self) {
        self.events.reset_detectors(&self.cable.v);
    }

    /// Delivers the events due by `limit` (at the start of the step from t, t + dt/2), and
    /// queues the self-events their `NET_RECEIVE` sends (those due too are delivered now).
    pub(crate) fn deliver_events(&mut self, limit: f64) -> Result<()> {
        let kk = self.params.len();
        let n = self.cable.layout.len();
        self.fill_pointers();
        while let Some(ev) = self.events.pop_due(limit) {
            let slot = self.mechs.slot_mut(ev.mech.0);
            slot.clear_emit();
            // The width of the zeros an event without a connection gets.
            let width = match ev.netcon {
                Some(_) => 0,
                None => slot.mech().info().net_args.len().max(1),
            };
            let (mech, views) = slot.parts();
            let mut ctx = phase_context!(self, views, ev.time, ev.mech.0, Event);
            // A self-event from INITIAL has no connection: its values are zeros.
            let (args, dargs) = self.events.event_values(ev.netcon, width, kk);
            let mut args = EventArgs {
                flag: ev.flag,
                args,
                dargs,
            };
            if kk > 0 {
                let mut tan = phase_tangents!(self, views, kk, n);
                mech.net_receive_tangent(&mut ctx, &mut tan, ev.instance, &mut args);
            }
            mech.net_receive(&mut ctx, ev.instance, &mut args);
            let (pointers, emits) = {
                let info = mech.info();
                (info.pointer_count() > 0, info.emit_slots > 0)
            };
            let slot = self.mechs.slot_mut(ev.mech.0);
            if ev.from_self && slot.movable(ev.instance) == Some(ev.seq) {
                slot.set_movable(ev.instance, None);
            }
            if pointers {
                self.write_back_pointers(ev.mech.0, ev.instance);
            }
            if let Some(field) = self.mechs[ev.mech.0].mech().info().voltage_field() {
                self.set_voltage_from(ev.mech.0, field, ev.instance);
            }
            if emits {
                self.take_requests(ev.mech.0, ev.instance, ev.time, ev.netcon)?;
            }
        }
        Ok(())
    }

    /// Writes the membrane potential instance `j` of mechanism `m` set in its NET_RECEIVE (field
    /// `field`) into v at its CV, and its tangents (the last row of σ) into S_k, as NEURON writes
    /// the block's copy of v back into the node; then refreshes the pointers, which may read it.
    fn set_voltage_from(&mut self, m: usize, field: usize, j: usize) {
        let mech = self.mechs[m].mech();
        let cv = mech.nodes()[j];
        let kk = self.params.len();
        let (ni, rows) = (mech.instance_count(), mech.info().sigma_rows());
        let sigma = mech.state_tangents();
        let tangent = |k: usize| sigma[(k * rows + rows - 1) * ni + j];
        self.cable.set_v(cv, mech.field(field)[j], kk, tangent);
        self.fill_pointers();
    }

    /// Adds gap-junction currents (and conductances) to the accumulators, and their tangents.
    pub(crate) fn gap_currents(&mut self) {
        let n = self.cable.layout.len();
        let kk = self.params.len();
        for gap in self.events.gaps() {
            let w = 1e2 / self.cable.layout.matrix_area[gap.cv];
            self.cable.i[gap.cv] += w * gap.g * (self.cable.v[gap.cv] - gap.v_other);
            self.cable.g[gap.cv] += w * gap.g;
            // The tangent w g (S_k − S_other,k) without its conductance term w g S_k, which the
            // tangent voltage step accounts for with the summed conductance (it is part of M).
            for k in 0..kk {
                let so = gap.s_other.get(k).copied().unwrap_or(0.0);
                self.cable.di[k * n + gap.cv] -= w * gap.g * so;
            }
        }
    }
}
