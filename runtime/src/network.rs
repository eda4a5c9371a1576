//! Networks: cells connected by spike-triggered events and gap junctions, advanced in parallel.
//!
//! Cells advance independently (in parallel with rayon) for an epoch of whole steps no longer than the
//! smallest connection delay, so no spike can be due inside the epoch that produced it; spikes are then
//! exchanged in a fixed order (cell, then time, then detector, then connection). With gap junctions the
//! epoch is one step: before each step every junction passes each side the partner's v_n (and tangents),
//! and the junction current g·(v_{n+1} − v_partner,n) is implicit in the own side only. POINTERs
//! bound to the v of another cell (a gap junction written as a .mod file) work the same way: the
//! epoch is one step, and before each step the network copies, in link order and on one thread,
//! the source cell's v_n and S_n into the pointer, which holds them through the whole step (its
//! currents and its states). Every cell then steps from that snapshot, so results are identical
//! whatever the number of threads. What else must happen after each step of a cell (recording its
//! probes, a homeostatic controller updating its parameters) runs as a hook on the thread that
//! steps the cell ([`Network::run_with`]), so an epoch is one parallel region with no serial pass
//! over the cells inside it.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::cell::{Cell, MechId};
use crate::error::{Error, Result, check_finite};
use crate::pointers::{PointerId, PointerSource};

/// The most cells one thread takes at a time in an epoch.
const EPOCH_PIECE: usize = 8;

/// A connection from a spike detector to a point process instance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Connection {
    /// Source cell.
    pub source_cell: usize,
    /// Detector on the source cell.
    pub detector: usize,
    /// Target cell.
    pub target_cell: usize,
    /// Target point process.
    pub mech: MechId,
    /// Target instance.
    pub instance: usize,
    /// Weight passed to `NET_RECEIVE`.
    pub weight: f64,
    /// Delay (ms).
    pub delay: f64,
}

/// A gap junction between CVs of two cells.
#[derive(Clone, Copy, Debug, PartialEq)]
struct GapJunction {
    a: (usize, usize),
    b: (usize, usize),
    gap_a: usize,
    gap_b: usize,
}

/// A POINTER of one cell bound to the v of a CV of another cell.
#[derive(Clone, Copy, Debug, PartialEq)]
struct PointerLink {
    source: (usize, usize),
    target_cell: usize,
    binding: PointerId,
}

/// Recorded spike of a network: (cell, detector, time in ms).
pub type NetSpike = (usize, usize, f64);

/// A network of cells.
#[derive(Default)]
pub struct Network {
    cells: Vec<Cell>,
    connections: Vec<Connection>,
    /// The target cell's connection (NetCon) of each connection, which keeps its values.
    netcons: Vec<crate::events::NetConId>,
    gaps: Vec<GapJunction>,
    pointer_links: Vec<PointerLink>,
    spikes: Vec<NetSpike>,
    scratch: Vec<f64>,
    /// The connections of each (source cell, detector), in connection order, kept up to date by
    /// [`Network::connect`].
    by_source: HashMap<(usize, usize), Vec<usize>>,
}

impl Network {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a cell; returns its index.
    pub fn add_cell(&mut self, cell: Cell) -> usize {
        self.cells.push(cell);
        self.cells.len() - 1
    }

    /// The cells.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// One cell, mutably (for parameters and probes between runs).
    pub fn cell_mut(&mut self, i: usize) -> &mut Cell {
        &mut self.cells[i]
    }

    /// The target cell's connection (NetCon) that connection `c` delivers through: its values,
    /// and the parameter of its weight ([`crate::ParamSpec::netcon_weight`] on that cell).
    pub fn netcon_of(&self, c: usize) -> Option<crate::events::NetConId> {
        self.netcons.get(c).copied()
    }

    /// All spikes so far, in exchange order.
    pub fn spikes(&self) -> &[NetSpike] {
        &self.spikes
    }

    /// Connects detector `detector` of cell `source_cell` to instance `instance` of point process
    /// `mech` on cell `target_cell`.
    pub fn connect(&mut self, c: Connection) -> Result<()> {
        let n = self.cells.len();
        if c.source_cell >= n || c.target_cell >= n {
            return Err(Error::UnknownName {
                kind: "cell",
                name: format!("{} or {}", c.source_cell, c.target_cell),
            });
        }
        if c.detector >= self.cells[c.source_cell].events.detector_count() {
            return Err(Error::UnknownName {
                kind: "detector",
                name: format!("{} on cell {}", c.detector, c.source_cell),
            });
        }
        check_finite(|| "connection weight".into(), c.weight)?;
        let dt = self.cells[c.target_cell].settings().dt;
        if !(c.delay.is_finite() && c.delay >= dt) {
            return Err(Error::BadValue {
                object: format!("delay of connection {}", self.connections.len()),
                value: c.delay,
                message: format!("must be at least one time step ({dt} ms)"),
            });
        }
        // Checks the target accepts events, with a harmless probe of its metadata.
        let target = &self.cells[c.target_cell];
        let info = target.mechanism(c.mech).info();
        if !info.net_receive || c.instance >= target.mechanism(c.mech).instance_count() {
            return Err(Error::Invalid(format!(
                "connection target {}[{}] on cell {} cannot receive events",
                info.name, c.instance, c.target_cell
            )));
        }
        let nc = self.cells[c.target_cell].connect(c.mech, c.instance, c.weight)?;
        self.by_source
            .entry((c.source_cell, c.detector))
            .or_default()
            .push(self.connections.len());
        self.connections.push(c);
        self.netcons.push(nc);
        Ok(())
    }

    /// Adds a gap junction of conductance g (µS) between (cell, CV) pairs.
    pub fn add_gap_junction(&mut self, a: (usize, usize), b: (usize, usize), g: f64) -> Result<()> {
        let gap_a = self.cells[a.0].add_gap_input(a.1, g)?;
        let gap_b = self.cells[b.0].add_gap_input(b.1, g)?;
        self.gaps.push(GapJunction { a, b, gap_a, gap_b });
        Ok(())
    }

    /// Binds POINTER `pointer` of instance `instance` of mechanism `mech` on cell `target_cell` to
    /// the membrane potential at CV `source_cv` of cell `source_cell` (the same cell or another).
    pub fn bind_pointer(
        &mut self,
        target_cell: usize,
        mech: MechId,
        instance: usize,
        pointer: &str,
        source: (usize, usize),
    ) -> Result<()> {
        let n = self.cells.len();
        if target_cell >= n || source.0 >= n {
            return Err(Error::UnknownName {
                kind: "cell",
                name: format!("{} or {}", target_cell, source.0),
            });
        }
        if source.1 >= self.cells[source.0].cv_count() {
            return Err(Error::Invalid(format!(
                "POINTER {pointer}: CV {} is out of range on cell {}",
                source.1, source.0
            )));
        }
        if source.0 == target_cell {
            self.cells[target_cell].bind_pointer(
                mech,
                instance,
                pointer,
                PointerSource::Cv(source.1),
            )?;
            return Ok(());
        }
        let external = PointerSource::External {
            value: 0.0,
            tangents: Vec::new(),
        };
        let binding = self.cells[target_cell].bind_pointer(mech, instance, pointer, external)?;
        self.link_pointer(source, target_cell, binding)
    }

    /// Feeds the external pointer binding `binding` of cell `target_cell` (made with
    /// [`PointerSource::External`]) the membrane potential at CV `source.1` of cell `source.0`.
    pub fn link_pointer(
        &mut self,
        source: (usize, usize),
        target_cell: usize,
        binding: PointerId,
    ) -> Result<()> {
        let n = self.cells.len();
        if target_cell >= n || source.0 >= n || source.1 >= self.cells[source.0].cv_count() {
            return Err(Error::Invalid(format!(
                "pointer link from cell {} CV {} to cell {target_cell}: no such cell or CV",
                source.0, source.1
            )));
        }
        self.pointer_links.push(PointerLink {
            source,
            target_cell,
            binding,
        });
        Ok(())
    }

    /// Initialises every cell and clears recorded spikes.
    pub fn init(&mut self) -> Result<()> {
        let dts: Vec<f64> = self.cells.iter().map(|c| c.settings().dt).collect();
        if dts.windows(2).any(|w| w[0] != w[1]) {
            return Err(Error::Invalid(
                "all cells of a network need the same dt".into(),
            ));
        }
        self.spikes.clear();
        // INITIAL reads a pointer into another cell at that cell's v_init, with zero tangents.
        for j in 0..self.pointer_links.len() {
            let PointerLink {
                source,
                target_cell,
                binding,
            } = self.pointer_links[j];
            let v = self.cells[source.0].cable.v_init[source.1];
            self.cells[target_cell].set_pointer_value(binding, v, &[]);
        }
        self.cells.par_iter_mut().try_for_each(|c| c.init())
    }

    /// Steps per epoch: the smallest delay in whole steps (one step with gap junctions).
    fn epoch_steps(&self, dt: f64) -> u64 {
        if !self.gaps.is_empty() || !self.pointer_links.is_empty() {
            return 1;
        }
        let min_delay = self
            .connections
            .iter()
            .map(|c| c.delay)
            .fold(f64::INFINITY, f64::min);
        if min_delay.is_finite() {
            ((min_delay / dt + 1e-9).floor() as u64).max(1)
        } else {
            u64::MAX
        }
    }

    /// Runs every cell to `tstop` (ms), exchanging spikes between epochs.
    pub fn run(&mut self, tstop: f64) -> Result<()> {
        let mut none: Vec<fn(&mut Cell) -> Result<()>> = Vec::new();
        self.run_with(tstop, &mut none)
    }

    /// Runs every cell to `tstop` (ms) like [`Network::run`], calling `after_step[i]` on cell i
    /// after each of its steps, on the thread that steps the cell: recording probes and updating
    /// a cell's own parameters then take no serial pass over the network per step. A hook sees
    /// and changes its own cell only, so results do not depend on the number of threads. Without
    /// hooks (`after_step` empty) nothing is called.
    pub fn run_with<F>(&mut self, tstop: f64, after_step: &mut [F]) -> Result<()>
    where
        F: FnMut(&mut Cell) -> Result<()> + Send,
    {
        if !after_step.is_empty() && after_step.len() != self.cells.len() {
            return Err(Error::Invalid(format!(
                "{} step hooks for a network of {} cells",
                after_step.len(),
                self.cells.len()
            )));
        }
        let Some((initialised, dt)) = self
            .cells
            .first()
            .map(|c| (c.clock.initialised(), c.settings().dt))
        else {
            return Ok(());
        };
        if !initialised {
            self.init()?;
        }
        let total = (tstop / dt).round() as u64;
        let epoch = self.epoch_steps(dt);
        loop {
            let now = self.cells[0].step_count();
            if now >= total {
                return Ok(());
            }
            let end = now.saturating_add(epoch).min(total);
            self.exchange_gaps();
            self.exchange_pointers();
            let advance = |c: &mut Cell, mut hook: Option<&mut F>| {
                while c.step_count() < end {
                    c.step()?;
                    if let Some(h) = hook.as_mut() {
                        h(c)?;
                    }
                }
                Ok::<(), Error>(())
            };
            // Pieces of at most EPOCH_PIECE cells: rayon would otherwise split only as far as
            // idle threads steal, leaving pieces of a quarter of the network whose last one can
            // keep one thread busy while the others wait at the epoch's end.
            if after_step.is_empty() {
                self.cells
                    .par_iter_mut()
                    .with_max_len(EPOCH_PIECE)
                    .try_for_each(|c| advance(c, None))?;
            } else {
                self.cells
                    .par_iter_mut()
                    .zip(after_step.par_iter_mut())
                    .with_max_len(EPOCH_PIECE)
                    .try_for_each(|(c, h)| advance(c, Some(h)))?;
            }
            self.exchange_spikes()?;
        }
    }

    fn exchange_gaps(&mut self) {
        for j in 0..self.gaps.len() {
            let GapJunction { a, b, gap_a, gap_b } = self.gaps[j];
            for (from, to, gap) in [(a, b, gap_b), (b, a, gap_a)] {
                let src = &self.cells[from.0];
                let v = src.v()[from.1];
                self.scratch.clear();
                for k in 0..src.parameter_count() {
                    self.scratch.push(src.tangent(k)[from.1]);
                }
                let s = std::mem::take(&mut self.scratch);
                self.cells[to.0].set_gap_partner(gap, v, &s);
                self.scratch = s;
            }
        }
    }

    /// Copies each linked source's v_n and S_n into the pointer bound to it.
    fn exchange_pointers(&mut self) {
        for j in 0..self.pointer_links.len() {
            let PointerLink {
                source,
                target_cell,
                binding,
            } = self.pointer_links[j];
            let src = &self.cells[source.0];
            let v = src.v()[source.1];
            self.scratch.clear();
            for k in 0..src.parameter_count() {
                self.scratch.push(src.tangent(k)[source.1]);
            }
            let s = std::mem::take(&mut self.scratch);
            self.cells[target_cell].set_pointer_value(binding, v, &s);
            self.scratch = s;
        }
    }

    fn exchange_spikes(&mut self) -> Result<()> {
        for ci in 0..self.cells.len() {
            if self.cells[ci].events.spike_count() == 0 {
                continue;
            }
            let spikes = self.cells[ci].take_spikes();
            for s in spikes {
                self.spikes.push((ci, s.detector, s.time));
                for &c in self.by_source.get(&(ci, s.detector)).into_iter().flatten() {
                    let con = self.connections[c];
                    self.cells[con.target_cell].deliver(s.time + con.delay, self.netcons[c])?;
                }
            }
        }
        Ok(())
    }
}
