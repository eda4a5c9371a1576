//! Events, spike detectors and gap-junction inputs of one cell.
//!
//! Events are delivered as NEURON's fixed-step integrator does: at the start of a step from t_n, every
//! event with delivery time ≤ t_n + dt/2 calls its target's `NET_RECEIVE`, in order of delivery time
//! and then of scheduling order, so results do not depend on threads. A detector reports a spike at
//! t_{n+1} when v crosses its threshold from below during the step.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::ids::MechId;

/// The flag of the event that runs a mechanism's `POST_EVENT` block (Arbor's spike-timing
/// plasticity) through its `NET_RECEIVE` kernel: the compiler's `ir::POST_EVENT_FLAG`.
pub const POST_EVENT_FLAG: f64 = -1.0e300;

/// An event waiting for delivery to a point process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    /// Delivery time (ms).
    pub time: f64,
    /// Scheduling order, the tie-breaker for equal times.
    pub seq: u64,
    /// Target mechanism.
    pub mech: MechId,
    /// Target instance.
    pub instance: usize,
    /// The connection whose values `NET_RECEIVE` gets (a self-event carries those of the event
    /// that sent it, as in NEURON); `None` for a self-event sent from `INITIAL`, which gets
    /// zeros.
    pub netcon: Option<usize>,
    /// The flag: 0 for an event from a connection, the `net_send` flag for a self-event.
    pub flag: f64,
    /// Whether the run queued it (dropped at initialisation): a self-event of `net_send`, a
    /// WATCH condition's, or a spike of a source of the same cell through a connection.
    pub from_self: bool,
}

/// A connection onto a point process (NEURON's NetCon): its target and the values it keeps,
/// one per `NET_RECEIVE` argument (the weight, then the values the block keeps per connection),
/// with their tangents.
#[derive(Clone, Debug, PartialEq)]
pub struct NetCon {
    /// Target mechanism.
    pub mech: MechId,
    /// Target instance.
    pub instance: usize,
    /// The values at initialisation, before the `INITIAL` nested in `NET_RECEIVE` runs: the
    /// weight, then zeros.
    pub(crate) start: Vec<f64>,
    /// The current values.
    pub(crate) args: Vec<f64>,
    /// Their tangents, `[k][arg]`.
    pub(crate) dargs: Vec<f64>,
}

pub use crate::ids::NetConId;

impl Eq for Event {}

impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed so that the max-heap pops the earliest event first.
        other
            .time
            .total_cmp(&self.time)
            .then(other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A threshold detector at one CV.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detector {
    /// The CV watched.
    pub cv: usize,
    /// Threshold (mV).
    pub threshold: f64,
    /// Whether v was above threshold after the last step.
    pub(crate) above: bool,
    /// For the spike source of a point process (its `net_event` calls, see
    /// [`crate::Cell::event_source`]): the mechanism and instance. Such a detector watches no
    /// voltage.
    pub(crate) emitter: Option<(MechId, usize)>,
}

/// A spike: detector index and time (ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spike {
    /// Detector index on its cell.
    pub detector: usize,
    /// Spike time (ms).
    pub time: f64,
}

/// A gap-junction input: conductance g (µS) from CV `cv` of this cell to a potential set from outside
/// before each step (the partner's v_n and, for tangents, its S_n).
#[derive(Clone, Debug, PartialEq)]
pub struct GapInput {
    /// CV of this cell.
    pub cv: usize,
    /// Conductance (µS).
    pub g: f64,
    /// Partner's membrane potential (mV) at the start of the step.
    pub v_other: f64,
    /// Partner's tangents at the start of the step, one per parameter.
    pub s_other: Vec<f64>,
}

/// Event queue, detectors, spikes and gap inputs of a cell.
#[derive(Clone, Debug, Default)]
pub struct CellEvents {
    pub(crate) queue: BinaryHeap<Event>,
    pub(crate) netcons: Vec<NetCon>,
    /// Zeros: the values of a self-event that no connection sent, and their tangents.
    pub(crate) zeros: Vec<f64>,
    pub(crate) seq: u64,
    pub(crate) detectors: Vec<Detector>,
    pub(crate) spikes: Vec<Spike>,
    pub(crate) gaps: Vec<GapInput>,
    /// Connections from the cell's own spike sources to its own connections.
    pub(crate) links: Vec<SourceLink>,
    /// The armed WATCH conditions, in the order they are tested.
    pub(crate) armed: Vec<Armed>,
    /// NEURON's clock: t as NEURON's fixed step accumulates it, by two additions of dt/2 per
    /// step (its rounding drifts from the multiple of dt gradmod's t is). NEURON delivers the
    /// events due by its clock before it tests the WATCH conditions, so whether an event on
    /// the grid (at t_n exactly) precedes the test depends on that rounding; the runtime
    /// decides it the same way.
    pub(crate) clock: f64,
}

impl CellEvents {
    /// Whether some event is due by `t_limit`.
    pub(crate) fn any_due(&self, t_limit: f64) -> bool {
        self.queue.peek().is_some_and(|e| e.time <= t_limit)
    }

    /// Pops the next event due by `t_limit`.
    pub(crate) fn pop_due(&mut self, t_limit: f64) -> Option<Event> {
        if self.queue.peek().is_some_and(|e| e.time <= t_limit) {
            self.queue.pop()
        } else {
            None
        }
    }
}

/// A connection from a spike source of a cell (a threshold detector or a point process that
/// calls `net_event`) to a connection ([`NetConId`]) of the same cell, with its delay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SourceLink {
    /// The source: a detector index.
    pub source: usize,
    /// The connection the spike is delivered through.
    pub netcon: usize,
    /// The delay (ms).
    pub delay: f64,
}

/// An armed `WATCH` condition of one instance (NEURON's WatchCondition).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Armed {
    /// The mechanism.
    pub mech: usize,
    /// The instance.
    pub instance: usize,
    /// The condition's index (its entry in the `watch` kernel's output).
    pub index: usize,
    /// The flag of the self-event it delivers.
    pub flag: f64,
    /// Whether the condition held when last tested: it fires on a change from false to true.
    pub above: bool,
}
