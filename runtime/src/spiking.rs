//! Point processes that spike: `net_event` (an artificial or integrate-and-fire cell's spike,
//! sent through its outgoing connections) and `WATCH` conditions (self-events when a condition
//! becomes true), as NEURON's fixed step does them (docs/DESIGN.md, "Events").

use crate::cell::{Cell, MechId};
use crate::error::{Error, Result, check_finite};
use crate::events::NetConId;
use crate::phase::phase_context;

impl Cell {
    /// The spike source of instance `instance` of point process `mech`: a detector index whose
    /// spikes are the instance's `net_event` calls (the same index for every call with the same
    /// instance). Connections of a network name it like a threshold detector's; a point process
    /// that never calls `net_event` never spikes.
    pub fn event_source(&mut self, mech: MechId, instance: usize) -> Result<usize> {
        let slot = self.mechs.get(mech.0).ok_or_else(|| Error::UnknownName {
            kind: "mechanism",
            name: mech.0.to_string(),
        })?;
        if instance >= slot.mech().instance_count() {
            return Err(Error::UnknownName {
                kind: "instance",
                name: format!("{}[{instance}]", slot.mech().info().name),
            });
        }
        let key = (mech, instance);
        if let Some(d) = self.events.emitter_detector(key) {
            return Ok(d);
        }
        let cv = slot.mech().nodes()[instance];
        Ok(self.events.add_detector(cv, 0.0, Some(key)))
    }

    /// Delivers every spike of detector `source` of this cell (a threshold detector or an
    /// [`Cell::event_source`]) through connection `nc` of this cell, `delay` ms after the spike,
    /// as a NetCon from a source of the same cell does in NEURON.
    pub fn connect_source(&mut self, source: usize, nc: NetConId, delay: f64) -> Result<()> {
        if source >= self.events.detector_count() {
            return Err(Error::UnknownName {
                kind: "detector",
                name: source.to_string(),
            });
        }
        if nc.0 >= self.events.netcon_count() {
            return Err(Error::UnknownName {
                kind: "connection",
                name: nc.0.to_string(),
            });
        }
        check_finite(|| format!("delay of connection {}", nc.0), delay)?;
        if delay < 0.0 {
            return Err(Error::BadValue {
                object: format!("delay of connection {}", nc.0),
                value: delay,
                message: "must not be negative".into(),
            });
        }
        self.events.add_link(source, nc.0, delay);
        Ok(())
    }

    /// `net_event(te)` of instance `j` of mechanism `m` at `t`: a spike of its source, if any
    /// connection or recording asked for one.
    pub(crate) fn net_event(&mut self, m: usize, j: usize, t: f64, te: f64) -> Result<()> {
        if !te.is_finite() {
            let name = self.mechs[m].mech().info().name;
            return Err(Error::BadValue {
                object: format!("net_event of {name}[{j}] at t = {t} ms"),
                value: te,
                message: "the spike time must be finite".into(),
            });
        }
        if let Some(d) = self.events.emitter_detector((MechId(m), j)) {
            self.events.spike(d, te);
        }
        Ok(())
    }

    /// Tests the armed WATCH conditions at the start of a step (after the events due by t,
    /// before the others, as NEURON's `check_thresh` runs between them): each that changed from
    /// false to true queues a self-event at t with its flag, which NET_RECEIVE gets with the
    /// values of no connection (zeros), in the order the conditions were armed.
    pub(crate) fn check_watches(&mut self) {
        let t = self.clock.t();
        let mut tested: Vec<usize> = Vec::new();
        for a in self.events.armed() {
            if !tested.contains(&a.mech) {
                tested.push(a.mech);
            }
        }
        self.fill_pointers();
        for &m in &tested {
            let (mech, views) = self.mechs.slot_mut(m).parts();
            let mut ctx = phase_context!(self, views, t, m, Event);
            mech.watch(&mut ctx);
        }
        for i in 0..self.events.armed().len() {
            let a = self.events.armed()[i];
            let slots = self.mechs[a.mech].mech().info().emit_slots;
            let value = self.mechs[a.mech].emit()[a.instance * 3 * slots + a.index];
            let holds = value > 0.0;
            if holds && !a.above {
                self.events
                    .push(t, MechId(a.mech), a.instance, None, a.flag, true);
            }
            self.events.set_armed_above(i, holds);
        }
    }
}
