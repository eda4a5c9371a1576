//! Probes and regular sampling: v at a CV, any mechanism field, any tangent.

use crate::cell::{Cell, MechId};
use crate::error::Result;
use crate::mechanism::IonVar;

/// One quantity to record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Probe {
    /// Membrane potential of a CV (mV).
    Voltage {
        /// The CV.
        cv: usize,
    },
    /// A field of one instance of a mechanism.
    Field {
        /// The mechanism.
        mech: MechId,
        /// Field index.
        field: usize,
        /// Instance index.
        instance: usize,
    },
    /// The tangent dv/dθ_k of a CV.
    Tangent {
        /// Parameter index k.
        k: usize,
        /// The CV.
        cv: usize,
    },
    /// The tangent dσ/dθ_k of a state of one instance.
    StateTangent {
        /// The mechanism.
        mech: MechId,
        /// Position of the state among the mechanism's states.
        state: usize,
        /// Parameter index k.
        k: usize,
        /// Instance index.
        instance: usize,
    },
    /// dXd/dθ_k, the tangent of the diffusive concentration (Arbor's `Xd`) of a CV.
    DiffusiveTangent {
        /// Species index ([`Cell::ion_index`]).
        species: usize,
        /// Parameter index.
        k: usize,
        /// The CV.
        cv: usize,
    },
    /// An ion variable of a CV.
    Ion {
        /// Species index ([`Cell::ion_index`]).
        species: usize,
        /// Which variable.
        var: IonVar,
        /// The CV.
        cv: usize,
    },
}

impl Probe {
    /// Reads the probe's current value.
    pub fn read(&self, cell: &Cell) -> f64 {
        match *self {
            Probe::Voltage { cv } => cell.v()[cv],
            Probe::Field {
                mech,
                field,
                instance,
            } => cell.mechanism(mech).field(field)[instance],
            Probe::Tangent { k, cv } => cell.tangent(k)[cv],
            Probe::StateTangent {
                mech,
                state,
                k,
                instance,
            } => {
                let m = cell.mechanism(mech);
                let ni = m.instance_count();
                let ns = m.info().sigma_rows();
                m.state_tangents()[(k * ns + state) * ni + instance]
            }
            Probe::DiffusiveTangent { species, k, cv } => {
                cell.ions().tangents[species].diffusive[k * cell.cv_count() + cv]
            }
            Probe::Ion { species, var, cv } => {
                let a = &cell.ions().arrays[species];
                match var {
                    IonVar::Current => a.current[cv],
                    IonVar::Reversal => a.rev[cv],
                    IonVar::Inside => a.inside[cv],
                    IonVar::Outside => a.outside[cv],
                    IonVar::Diffusive => a.diffusive[cv],
                }
            }
        }
    }

    /// A probe of a named field of a mechanism instance.
    pub fn field(cell: &Cell, mech: MechId, field: &str, instance: usize) -> Result<Self> {
        Ok(Probe::Field {
            mech,
            field: cell.field_index(mech, field)?,
            instance,
        })
    }
}

/// Records probes every `interval` steps; memory grows only with the samples taken.
#[derive(Clone, Debug)]
pub struct Recorder {
    probes: Vec<Probe>,
    interval: u64,
    /// Sample times (ms).
    pub times: Vec<f64>,
    /// One trace per probe.
    pub traces: Vec<Vec<f64>>,
}

impl Recorder {
    /// A recorder of the given probes, sampling every `interval` steps (at least 1).
    pub fn new(probes: Vec<Probe>, interval: u64) -> Self {
        let traces = vec![Vec::new(); probes.len()];
        Self {
            probes,
            interval: interval.max(1),
            times: Vec::new(),
            traces,
        }
    }

    /// Makes room for `samples` more samples of every probe, so that recording a run whose
    /// length is known does not grow (and copy) its traces as it goes.
    pub fn reserve(&mut self, samples: usize) {
        self.times.reserve(samples);
        for tr in &mut self.traces {
            tr.reserve(samples);
        }
    }

    /// Samples every probe now.
    pub fn sample(&mut self, cell: &Cell) {
        self.times.push(cell.t());
        for (p, tr) in self.probes.iter().zip(&mut self.traces) {
            tr.push(p.read(cell));
        }
    }

    /// Samples if the cell's step count is a multiple of the interval.
    pub fn maybe_sample(&mut self, cell: &Cell) {
        if cell.step_count().is_multiple_of(self.interval) {
            self.sample(cell);
        }
    }
}
