//! Events, spike detectors and gap-junction inputs of one cell.
//!
//! Events are delivered as NEURON's fixed-step integrator does: at the start of a step from t_n, every
//! event with delivery time ≤ t_n + dt/2 calls its target's `NET_RECEIVE`, in order of delivery time
//! and then of scheduling order, so results do not depend on threads. A detector reports a spike at
//! t_{n+1} when v crosses its threshold from below during the step.
//!
//! Owner of these data: every field of `CellEvents` (the queue, the connections' values, the
//! detectors and spikes, the gap inputs, the links from the cell's own sources and the armed
//! WATCH conditions) is private to this file and changed only by its methods, which the cell's
//! event files (`cell_events.rs`, `netcons.rs`, `spiking.rs`, `post_event.rs`) and the step call.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::ids::MechId;

/// The flag of the event that runs a mechanism's `POST_EVENT` block (Arbor's spike-timing
/// plasticity) through its `NET_RECEIVE` kernel: the compiler's `ir::POST_EVENT_FLAG`.
pub const POST_EVENT_FLAG: f64 = -1.0e300;

/// An event waiting for delivery to a point process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Event {
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
pub(crate) struct NetCon {
    /// Target mechanism.
    pub mech: MechId,
    /// Target instance.
    pub instance: usize,
    /// The values at initialisation, before the `INITIAL` nested in `NET_RECEIVE` runs: the
    /// weight, then zeros.
    start: Vec<f64>,
    /// The current values.
    args: Vec<f64>,
    /// Their tangents, `[k][arg]`.
    dargs: Vec<f64>,
}

impl NetCon {
    /// The weight the connection starts each run with.
    pub(crate) fn weight(&self) -> f64 {
        self.start[0]
    }

    /// The current values, one per `NET_RECEIVE` argument (the weight first).
    pub(crate) fn values(&self) -> &[f64] {
        &self.args
    }

    /// The tangents of the values, `[k][arg]`.
    pub(crate) fn tangents(&self) -> &[f64] {
        &self.dargs
    }
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
pub(crate) struct Detector {
    /// The CV watched.
    pub cv: usize,
    /// Threshold (mV).
    pub threshold: f64,
    /// Whether v was above threshold after the last step.
    above: bool,
    /// For the spike source of a point process (its `net_event` calls, see
    /// [`crate::Cell::event_source`]): the mechanism and instance. Such a detector watches no
    /// voltage.
    emitter: Option<(MechId, usize)>,
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
pub(crate) struct GapInput {
    /// CV of this cell.
    pub cv: usize,
    /// Conductance (µS).
    pub g: f64,
    /// Partner's membrane potential (mV) at the start of the step.
    pub v_other: f64,
    /// Partner's tangents at the start of the step, one per parameter.
    pub s_other: Vec<f64>,
}

/// Event queue, connections, detectors, spikes, gap inputs, links and armed WATCH conditions of a
/// cell.
#[derive(Clone, Debug, Default)]
pub(crate) struct CellEvents {
    queue: BinaryHeap<Event>,
    netcons: Vec<NetCon>,
    /// Zeros: the values of a self-event that no connection sent, and their tangents.
    zeros: Vec<f64>,
    /// The scheduling order of the next event queued.
    seq: u64,
    detectors: Vec<Detector>,
    spikes: Vec<Spike>,
    gaps: Vec<GapInput>,
    /// Connections from the cell's own spike sources to its own connections.
    links: Vec<SourceLink>,
    /// The armed WATCH conditions, in the order they are tested.
    armed: Vec<Armed>,
}

impl CellEvents {
    /// Drops the events the last run queued and disarms every WATCH condition (at
    /// initialisation).
    pub(crate) fn restart(&mut self) {
        self.queue.retain(|e| !e.from_self);
        self.armed.clear();
    }

    /// Whether some event is due by `t_limit`.
    #[inline]
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

    /// Queues an event, after every event already queued for the same time; returns its
    /// scheduling order.
    pub(crate) fn push(
        &mut self,
        time: f64,
        mech: MechId,
        instance: usize,
        netcon: Option<usize>,
        flag: f64,
        from_self: bool,
    ) -> u64 {
        let seq = self.seq;
        self.queue.push(Event {
            time,
            seq,
            mech,
            instance,
            netcon,
            flag,
            from_self,
        });
        self.seq += 1;
        seq
    }

    /// Moves the queued event of scheduling order `seq` to `time`, after the events already
    /// queued for that time; returns its new scheduling order.
    pub(crate) fn reschedule(&mut self, seq: u64, time: f64) -> u64 {
        let mut events = std::mem::take(&mut self.queue).into_vec();
        let new_seq = self.seq;
        self.seq += 1;
        for e in &mut events {
            if e.seq == seq {
                e.time = time;
                e.seq = new_seq;
            }
        }
        self.queue = events.into();
        new_seq
    }

    /// Adds a connection onto instance `instance` of `mech` whose values start as `start` (the
    /// weight, then zeros); returns its index.
    pub(crate) fn add_netcon(&mut self, mech: MechId, instance: usize, start: Vec<f64>) -> usize {
        self.netcons.push(NetCon {
            mech,
            instance,
            args: start.clone(),
            dargs: Vec::new(),
            start,
        });
        self.netcons.len() - 1
    }

    /// The number of connections.
    pub(crate) fn netcon_count(&self) -> usize {
        self.netcons.len()
    }

    /// Connection `c`, if there is one.
    pub(crate) fn netcon(&self, c: usize) -> Option<&NetCon> {
        self.netcons.get(c)
    }

    /// Sets the weight connection `c` starts each run with.
    pub(crate) fn set_netcon_weight(&mut self, c: usize, weight: f64) {
        self.netcons[c].start[0] = weight;
    }

    /// Starts connection `c` for a run with `kk` tangent columns: its values from their start,
    /// their tangents zero but for the weight's in the columns `seeds` gives (k, dp/dθ_k).
    pub(crate) fn restart_netcon(
        &mut self,
        c: usize,
        kk: usize,
        seeds: impl Iterator<Item = (usize, f64)>,
    ) {
        let nc = &mut self.netcons[c];
        let nargs = nc.start.len();
        nc.args.clone_from(&nc.start);
        nc.dargs.clear();
        nc.dargs.resize(kk * nargs, 0.0);
        for (k, factor) in seeds {
            nc.dargs[k * nargs] = factor;
        }
    }

    /// The values of connection `c` and their tangents, for a kernel to read and write.
    #[inline]
    pub(crate) fn netcon_values_mut(&mut self, c: usize) -> (&mut [f64], &mut [f64]) {
        let nc = &mut self.netcons[c];
        (&mut nc.args, &mut nc.dargs)
    }

    /// The values (and their tangents, `kk` columns) an event's `NET_RECEIVE` gets: those of its
    /// connection `netcon`, or for an event that no connection sent `width` zeros and their
    /// zero tangents.
    #[inline]
    pub(crate) fn event_values(
        &mut self,
        netcon: Option<usize>,
        width: usize,
        kk: usize,
    ) -> (&mut [f64], &mut [f64]) {
        match netcon {
            Some(c) => self.netcon_values_mut(c),
            None => {
                let z = &mut self.zeros;
                z.clear();
                z.resize(width * (kk + 1), 0.0);
                z.split_at_mut(width)
            }
        }
    }

    /// Adds a detector at `cv` with `threshold` (for a point process's spike source, `emitter`
    /// names it); returns its index.
    pub(crate) fn add_detector(
        &mut self,
        cv: usize,
        threshold: f64,
        emitter: Option<(MechId, usize)>,
    ) -> usize {
        self.detectors.push(Detector {
            cv,
            threshold,
            above: false,
            emitter,
        });
        self.detectors.len() - 1
    }

    /// The number of detectors.
    #[inline]
    pub(crate) fn detector_count(&self) -> usize {
        self.detectors.len()
    }

    /// The detector that is the spike source of `emitter` (a mechanism and instance), if any.
    pub(crate) fn emitter_detector(&self, emitter: (MechId, usize)) -> Option<usize> {
        let key = Some(emitter);
        self.detectors.iter().position(|d| d.emitter == key)
    }

    /// Sets each detector's state from the membrane potential `v` and clears the spikes (at
    /// initialisation).
    pub(crate) fn reset_detectors(&mut self, v: &[f64]) {
        for d in &mut self.detectors {
            d.above = v[d.cv] >= d.threshold;
        }
        self.spikes.clear();
    }

    /// Records the threshold crossings from below of the membrane potential `v` at time `t`,
    /// after a step (and queues them through the connections of this cell they feed).
    pub(crate) fn detect(&mut self, v: &[f64], t: f64) {
        for j in 0..self.detectors.len() {
            let d = &mut self.detectors[j];
            if d.emitter.is_some() {
                continue;
            }
            let above = v[d.cv] >= d.threshold;
            let crossed = above && !d.above;
            d.above = above;
            if crossed {
                self.spike(j, t);
            }
        }
    }

    /// Records a spike of detector `d` at `time` and queues it through the connections of this
    /// cell it feeds, in the order they were made.
    pub(crate) fn spike(&mut self, d: usize, time: f64) {
        self.spikes.push(Spike { detector: d, time });
        for i in 0..self.links.len() {
            let link = self.links[i];
            if link.source == d {
                let nc = &self.netcons[link.netcon];
                let (mech, instance) = (nc.mech, nc.instance);
                // Queued by the run: dropped at initialisation, as a self-event is.
                self.push(
                    time + link.delay,
                    mech,
                    instance,
                    Some(link.netcon),
                    0.0,
                    true,
                );
            }
        }
    }

    /// The number of spikes recorded since they were last taken.
    #[inline]
    pub(crate) fn spike_count(&self) -> usize {
        self.spikes.len()
    }

    /// The spikes recorded since they were last taken, in time order.
    pub(crate) fn spikes(&self) -> &[Spike] {
        &self.spikes
    }

    /// Takes the spikes recorded since the last call.
    pub(crate) fn take_spikes(&mut self) -> Vec<Spike> {
        std::mem::take(&mut self.spikes)
    }

    /// Adds a gap-junction input at `cv` with conductance `g` (µS); returns its index.
    pub(crate) fn add_gap(&mut self, cv: usize, g: f64) -> usize {
        self.gaps.push(GapInput {
            cv,
            g,
            v_other: 0.0,
            s_other: Vec::new(),
        });
        self.gaps.len() - 1
    }

    /// Sets the partner potential (and tangents) of gap input `gap` for the next step.
    pub(crate) fn set_gap_partner(&mut self, gap: usize, v: f64, s: &[f64]) {
        let g = &mut self.gaps[gap];
        g.v_other = v;
        g.s_other.clear();
        g.s_other.extend_from_slice(s);
    }

    /// The gap-junction inputs.
    #[inline]
    pub(crate) fn gaps(&self) -> &[GapInput] {
        &self.gaps
    }

    /// Adds a link from detector `source` to connection `netcon` with `delay` (checked by the
    /// caller).
    pub(crate) fn add_link(&mut self, source: usize, netcon: usize, delay: f64) {
        self.links.push(SourceLink {
            source,
            netcon,
            delay,
        });
    }

    /// Arms WATCH condition `index` of instance `j` of mechanism `m` with `flag`; `above` is
    /// whether it holds now. `first` (the first WATCH statement of this NET_RECEIVE call) disarms
    /// the instance's other conditions first, as NEURON's `_nrn_watch_activate` does; the
    /// condition goes to the end of the list, which is the order they are tested in.
    pub(crate) fn arm(
        &mut self,
        m: usize,
        j: usize,
        index: usize,
        flag: f64,
        above: bool,
        first: bool,
    ) {
        let armed = &mut self.armed;
        armed.retain(|a| !(a.mech == m && a.instance == j && (first || a.index == index)));
        armed.push(Armed {
            mech: m,
            instance: j,
            index,
            flag,
            above,
        });
    }

    /// Whether some WATCH condition is armed.
    #[inline]
    pub(crate) fn has_armed(&self) -> bool {
        !self.armed.is_empty()
    }

    /// The armed WATCH conditions, in the order they are tested.
    pub(crate) fn armed(&self) -> &[Armed] {
        &self.armed
    }

    /// Records whether armed condition `i` held when last tested.
    pub(crate) fn set_armed_above(&mut self, i: usize, holds: bool) {
        self.armed[i].above = holds;
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
