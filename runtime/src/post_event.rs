//! Arbor's `POST_EVENT` blocks ([`MechanismInfo::post_event`]): when the cell spikes, every
//! instance of a mechanism with one gets an event with the flag [`POST_EVENT_FLAG`] at the spike
//! time, which its `NET_RECEIVE` kernel runs the block for (docs/DESIGN.md, "Events").
//!
//! [`MechanismInfo::post_event`]: crate::mechanism::MechanismInfo::post_event

use crate::cell::{Cell, MechId};
use crate::events::POST_EVENT_FLAG;

impl Cell {
    /// Queues the POST_EVENT events of the spikes detected from index `from` on: for each spike
    /// (one per detector that fired, as Arbor runs the block once per such detector), an event
    /// at the spike time for every instance of every mechanism with a POST_EVENT block, in the
    /// order of the mechanisms and of their instances. They carry no connection (the block reads
    /// no argument) and, like self-events, are dropped at initialisation; they are delivered at
    /// the start of the next step, before anything else of that step reads the states they
    /// change, as Arbor runs the blocks right after its threshold test.
    pub(crate) fn queue_post_events(&mut self, from: usize) {
        if self.events.spike_count() <= from {
            return;
        }
        let mechs = &self.mechs;
        let targets: Vec<(usize, usize)> = mechs
            .order()
            .iter()
            .filter(|&&m| mechs[m].mech().info().post_event)
            .map(|&m| (m, mechs[m].mech().instance_count()))
            .collect();
        if targets.is_empty() {
            return;
        }
        let times: Vec<f64> = self.events.spikes()[from..]
            .iter()
            .map(|s| s.time)
            .collect();
        for time in times {
            for &(m, count) in &targets {
                for instance in 0..count {
                    self.events
                        .push(time, MechId(m), instance, None, POST_EVENT_FLAG, true);
                }
            }
        }
    }
}
