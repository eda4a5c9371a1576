//! A cell's ion species: concentrations, reversal potentials and ionic currents per CV, with their
//! tangents (the physics is `ions.rs`). Internal to the runtime: the kernels see the store through
//! `mechanism::Context` and `Tangents`, tests through `crate::internals`.

use crate::diffusion::Diffusion;
use crate::discretization::CvLayout;
use crate::ions::{defaults, ktf, nernst};
use crate::mechanism::{IonArrays, IonTangents, IonUse, IonVar};

/// One ion species of a cell.
#[derive(Clone, Debug)]
pub struct IonSpecies {
    /// Species name.
    pub name: String,
    /// Valence.
    pub valence: i32,
    /// Whether a mechanism declared the valence (`VALENCE z`) rather than it being the default.
    pub valence_declared: bool,
    /// Default inner concentration (mM).
    pub default_inside: f64,
    /// Default outer concentration (mM).
    pub default_outside: f64,
    /// Default reversal potential (mV).
    pub default_rev: f64,
    /// Per CV: some mechanism there reads a concentration (Nernst at initialisation).
    pub nernst_init: Vec<bool>,
    /// Per CV: some mechanism there writes a concentration (Nernst every step).
    pub nernst_step: Vec<bool>,
    /// Whether any CV needs Nernst every step.
    pub any_step: bool,
    /// Whether some mechanism writes a concentration or the reversal potential. Otherwise the
    /// tangents of the reversal potential and the concentrations stay zero.
    pub values_written: bool,
    /// Whether some mechanism reads the ion current. Otherwise nothing reads the current's
    /// tangent columns: they are left empty, and the tangent kernels skip their accumulation.
    pub current_read: bool,
    /// Whether some mechanism reads or writes the diffusive concentration Xd (Arbor's).
    pub diffusive_used: bool,
    /// Axial diffusivity of Xd (µm²/ms, NEURON's unit of LONGITUDINAL_DIFFUSION); 0: none.
    pub diffusivity: f64,
}

/// All ion species of a cell: metadata, per-CV values and tangents.
#[derive(Clone, Debug, Default)]
pub struct IonStore {
    /// Species metadata.
    pub species: Vec<IonSpecies>,
    /// Per-CV values, indexed like `species`.
    pub arrays: Vec<IonArrays>,
    /// Tangent columns, indexed like `species`.
    pub tangents: Vec<IonTangents>,
    /// The axial diffusion of Xd, per species that diffuses (built by [`IonStore::initialise`]).
    pub(crate) diffusion: Vec<Option<Diffusion>>,
}

impl IonStore {
    /// Returns the index of a species, registering it (with NEURON's defaults) if new. As in
    /// NEURON, a declared valence replaces the default one, and two declared valences must
    /// agree (otherwise the error names both).
    pub fn register(&mut self, ion: &IonUse, ncv: usize) -> Result<usize, String> {
        if let Some(i) = self.species.iter().position(|s| s.name == ion.name) {
            let s = &mut self.species[i];
            if let Some(z) = ion.valence {
                if s.valence_declared && s.valence != z {
                    return Err(format!(
                        "the valence of the ion `{}` is declared {z} here and {} by another mechanism",
                        ion.name, s.valence
                    ));
                }
                s.valence = z;
                s.valence_declared = true;
            }
            return Ok(i);
        }
        let (ci, co, e, z) = defaults(ion.name);
        self.species.push(IonSpecies {
            name: ion.name.to_string(),
            valence: ion.valence.unwrap_or(z),
            valence_declared: ion.valence.is_some(),
            default_inside: ci,
            default_outside: co,
            default_rev: e,
            nernst_init: vec![false; ncv],
            nernst_step: vec![false; ncv],
            any_step: false,
            values_written: false,
            current_read: false,
            diffusive_used: false,
            diffusivity: 0.0,
        });
        self.arrays.push(IonArrays {
            current: vec![0.0; ncv],
            current_dv: vec![0.0; ncv],
            rev: vec![e; ncv],
            inside: vec![ci; ncv],
            outside: vec![co; ncv],
            diffusive: vec![ci; ncv],
        });
        self.tangents.push(IonTangents::default());
        self.diffusion.push(None);
        Ok(self.species.len() - 1)
    }

    /// Records, for the CVs a mechanism sits on, whether it reads or writes concentrations.
    pub fn mark_use(&mut self, species: usize, ion: &IonUse, nodes: &[usize]) {
        let conc = [IonVar::Inside, IonVar::Outside];
        let reads = conc.iter().any(|&v| ion.reads(v));
        let writes = conc.iter().any(|&v| ion.writes(v));
        let s = &mut self.species[species];
        for &n in nodes {
            s.nernst_init[n] |= reads || writes;
            s.nernst_step[n] |= writes;
        }
        s.any_step |= writes && !nodes.is_empty();
        s.values_written |= (writes || ion.writes(IonVar::Reversal)) && !nodes.is_empty();
        s.current_read |= ion.reads(IonVar::Current) && !nodes.is_empty();
        s.diffusive_used |=
            (ion.reads(IonVar::Diffusive) || ion.writes(IonVar::Diffusive)) && !nodes.is_empty();
    }

    /// Sizes the tangent columns for K parameters (zeroed). The current's columns of a species
    /// whose current no mechanism reads stay empty ([`IonTangents::current`]).
    pub fn set_tangent_count(&mut self, k: usize, ncv: usize) {
        for (s, t) in self.species.iter().zip(&mut self.tangents) {
            t.current.clear();
            if s.current_read {
                t.current.resize(k * ncv, 0.0);
            }
            for col in [&mut t.rev, &mut t.inside, &mut t.outside, &mut t.diffusive] {
                col.clear();
                col.resize(k * ncv, 0.0);
            }
        }
    }

    /// Sets default concentrations and reversal potentials, then Nernst where concentrations are read.
    pub fn initialise(&mut self, celsius: f64) {
        for (s, a) in self.species.iter().zip(&mut self.arrays) {
            a.inside.fill(s.default_inside);
            a.outside.fill(s.default_outside);
            // Arbor starts the diffusive concentration at the inner one.
            a.diffusive.fill(s.default_inside);
            a.rev.fill(s.default_rev);
            a.current.fill(0.0);
            a.current_dv.fill(0.0);
        }
        for t in &mut self.tangents {
            for col in [
                &mut t.current,
                &mut t.rev,
                &mut t.inside,
                &mut t.outside,
                &mut t.diffusive,
            ] {
                col.fill(0.0);
            }
        }
        self.update_reversal(celsius, true);
    }

    /// Recomputes Nernst potentials (and their tangents) where concentrations are read
    /// (`at_init`) or written (every step).
    pub fn update_reversal(&mut self, celsius: f64, at_init: bool) {
        let kt = ktf(celsius);
        for ((s, a), t) in self
            .species
            .iter()
            .zip(&mut self.arrays)
            .zip(&mut self.tangents)
        {
            let flags = if at_init {
                &s.nernst_init
            } else if s.any_step {
                &s.nernst_step
            } else {
                continue;
            };
            let z = s.valence as f64;
            let ncv = flags.len();
            let k = t.rev.len() / ncv.max(1);
            for (cv, _) in flags.iter().enumerate().filter(|(_, f)| **f) {
                let (ci, co) = (a.inside[cv], a.outside[cv]);
                a.rev[cv] = nernst(ci, co, z, celsius);
                if ci > 0.0 && co > 0.0 {
                    for kk in 0..k {
                        let j = kk * ncv + cv;
                        t.rev[j] = kt / z * (t.outside[j] / co - t.inside[j] / ci);
                    }
                }
            }
        }
    }

    /// Clears the current accumulators (values and tangents) before the current phase.
    pub fn clear_currents(&mut self) {
        for a in &mut self.arrays {
            a.current.fill(0.0);
            a.current_dv.fill(0.0);
        }
    }

    /// Clears the current tangent accumulators.
    pub fn clear_current_tangents(&mut self) {
        for t in &mut self.tangents {
            t.current.fill(0.0);
        }
    }

    /// Multiplies every tangent column by `factor` (forgetting). The columns of reversal
    /// potentials and concentrations that no mechanism writes hold zeros and are left alone.
    pub fn scale_tangents(&mut self, factor: f64) {
        for (s, t) in self.species.iter().zip(&mut self.tangents) {
            t.current.iter_mut().for_each(|x| *x *= factor);
            if s.values_written {
                for col in [&mut t.rev, &mut t.inside, &mut t.outside] {
                    col.iter_mut().for_each(|x| *x *= factor);
                }
            }
            t.diffusive.iter_mut().for_each(|x| *x *= factor);
        }
    }
}

impl IonStore {
    /// Builds the diffusion systems of the species with a diffusivity that some mechanism uses
    /// the diffusive concentration of.
    pub(crate) fn build_diffusion(&mut self, layout: &CvLayout) {
        for (s, slot) in self.species.iter().zip(&mut self.diffusion) {
            *slot = (s.diffusivity > 0.0 && s.diffusive_used)
                .then(|| Diffusion::new(layout, s.diffusivity));
        }
    }

    /// Diffuses every species' Xd (and its tangents) over one step dt.
    pub(crate) fn diffuse(&mut self, dt: f64) {
        for ((sys, a), t) in self
            .diffusion
            .iter_mut()
            .zip(&mut self.arrays)
            .zip(&mut self.tangents)
        {
            if let Some(sys) = sys {
                sys.step(dt, &mut a.diffusive, &mut t.diffusive);
            }
        }
    }
}
