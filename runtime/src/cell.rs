//! A cell: a discretised morphology with cable properties, mechanisms, ions, stimuli and tangent
//! parameters. Building and parameter access live here; the time step lives in `step.rs`.
//!
//! `Cell` holds one owner per datum, each in its own file: the cable and its tangent columns
//! (`Cable`, `cable.rs`), the time (`Clock`, `clock.rs`), the mechanisms with their run order,
//! POINTER bindings and LONGITUDINAL_DIFFUSION systems (`Mechanisms`, `mechanisms.rs`), the ions
//! (`IonStore`, `ions.rs`), the tangent parameters and their forgetting rate (`Parameters`,
//! `params.rs`), the events (`CellEvents`, `events.rs`) and the numerical sentinel (`Sentinel`,
//! `sentinel.rs`). The fields of `Clock`, `Mechanisms`, `Parameters`, `CellEvents` and
//! `Sentinel` are private to their files; the cable's and the ions' are open to the crate for the
//! step's split borrows. The settings and the clamps are plain data this file writes.

use crate::cable::Cable;
use crate::clock::Clock;
use crate::discretization::CvLayout;
use crate::error::{Error, Result, check_finite};
use crate::events::CellEvents;
pub use crate::ids::{ClampId, MechId};
use crate::ion_store::IonStore;
use crate::mechanism::{FieldRole, Mechanism, MechanismKind};
use crate::mechanisms::Mechanisms;
use crate::morphology::{Morphology, SectionId, region::Region};
use crate::params::{ParamSpec, ParamTarget, Parameters, TangentParam};
pub use crate::sentinel::DEFAULT_CHECK_EVERY;
use crate::sentinel::Sentinel;

/// Global settings of a cell's simulation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Time step (ms).
    pub dt: f64,
    /// Temperature (°C).
    pub celsius: f64,
    /// Default membrane capacitance (µF/cm²).
    pub cm: f64,
    /// Default axial resistivity (Ω·cm).
    pub ra: f64,
    /// Default initial membrane potential (mV).
    pub v_init: f64,
    /// The seed of the cell's random streams (WHITE_NOISE, normrand, ...): every mechanism
    /// instance draws from its own stream, a pure function of this seed, the mechanism's
    /// position on the cell, the instance, the stream and the step (see [`crate::random`]).
    pub seed: u64,
}

impl Default for Settings {
    /// NEURON's defaults as used by docs/MODELS.md: dt 0.025 ms, 6.3 °C, 1 µF/cm², 100 Ω·cm, −65 mV.
    fn default() -> Self {
        Self {
            dt: 0.025,
            celsius: 6.3,
            cm: 1.0,
            ra: 100.0,
            v_init: -65.0,
            seed: 0,
        }
    }
}

/// A current clamp (NEURON `IClamp`): `amp` nA from `delay` for `dur` ms, positive depolarising.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IClamp {
    /// CV the clamp injects into.
    pub cv: usize,
    /// Onset (ms).
    pub delay: f64,
    /// Duration (ms).
    pub dur: f64,
    /// Amplitude (nA).
    pub amp: f64,
}

impl IClamp {
    /// Whether the clamp is on during the step whose midpoint is `t_mid` (NEURON:
    /// delay ≤ t < delay + dur evaluated at t_k + dt/2).
    pub fn is_on(&self, t_mid: f64) -> bool {
        self.delay <= t_mid && t_mid < self.delay + self.dur
    }
}

/// A neuron: morphology, discretisation, mechanisms, stimuli, state and tangents.
pub struct Cell {
    /// The cable and its tangent columns (`cable.rs`).
    pub(crate) cable: Cable,
    /// The settings, fixed at construction.
    pub(crate) settings: Settings,
    /// t, the step count, NEURON's clock and whether the cell was initialised (`clock.rs`).
    pub(crate) clock: Clock,
    /// The mechanisms, their run order, POINTER bindings and LONGITUDINAL_DIFFUSION systems
    /// (`mechanisms.rs`).
    pub(crate) mechs: Mechanisms,
    /// The ion species (`ions.rs`).
    pub(crate) ions: IonStore,
    /// The IClamps, written by this file alone.
    pub(crate) clamps: Vec<IClamp>,
    /// The tangent parameters and the forgetting rate (`params.rs`).
    pub(crate) params: Parameters,
    /// Events, connections, detectors, spikes and gap inputs (`events.rs`).
    pub(crate) events: CellEvents,
    /// The numerical sentinel's interval and record (`sentinel.rs`).
    pub(crate) sentinel: Sentinel,
}

impl Cell {
    /// Discretises a morphology (each section's `nseg`) and sets uniform cable properties.
    pub fn new(morph: Morphology, settings: Settings) -> Result<Self> {
        if morph.sections().is_empty() {
            return Err(Error::Invalid("the morphology has no sections".into()));
        }
        check_finite(|| "dt".into(), settings.dt)?;
        if settings.dt <= 0.0 {
            return Err(Error::BadValue {
                object: "dt".into(),
                value: settings.dt,
                message: "must be positive".into(),
            });
        }
        check_finite(|| "celsius".into(), settings.celsius)?;
        check_finite(|| "v_init".into(), settings.v_init)?;
        check_positive("cm", settings.cm)?;
        check_positive("Ra", settings.ra)?;
        let layout = CvLayout::new(&morph);
        Ok(Self {
            cable: Cable::new(morph, layout, settings.cm, settings.ra, settings.v_init),
            settings,
            clock: Clock::default(),
            mechs: Mechanisms::default(),
            ions: IonStore::default(),
            clamps: Vec::new(),
            params: Parameters::default(),
            events: CellEvents::default(),
            sentinel: Sentinel::default(),
        })
    }

    /// The morphology.
    pub fn morphology(&self) -> &Morphology {
        &self.cable.morph
    }

    /// The CV layout.
    pub fn layout(&self) -> &CvLayout {
        &self.cable.layout
    }

    /// Global settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Number of CVs.
    pub fn cv_count(&self) -> usize {
        self.cable.layout.len()
    }

    /// The CV at position x of a named section (NEURON's node for `sec(x)`).
    pub fn cv_at(&self, section: &str, x: f64) -> Result<usize> {
        let id = self.cable.morph.find(section)?;
        if !(0.0..=1.0).contains(&x) {
            return Err(Error::BadValue {
                object: format!("position on section `{section}`"),
                value: x,
                message: "must lie in [0, 1]".into(),
            });
        }
        Ok(self.cable.layout.node_at(id, x))
    }

    /// Segment-centre CVs whose centre lies in a region.
    pub fn cvs_in(&self, region: &Region) -> Result<Vec<usize>> {
        region.validate(&self.cable.morph)?;
        Ok((0..self.cable.layout.len())
            .filter(|&cv| {
                self.cable.layout.is_segment[cv]
                    && region.contains(
                        &self.cable.morph,
                        self.cable.layout.section[cv],
                        self.cable.layout.x[cv],
                    )
            })
            .collect())
    }

    fn sections_in(&self, region: &Region) -> Result<Vec<usize>> {
        region.validate(&self.cable.morph)?;
        Ok((0..self.cable.morph.sections().len())
            .filter(|&s| region.contains(&self.cable.morph, SectionId(s), 0.5))
            .collect())
    }

    fn before_init(&self, what: &str) -> Result<()> {
        if self.clock.initialised() {
            Err(Error::Invalid(format!(
                "{what} must happen before the cell is initialised"
            )))
        } else {
            Ok(())
        }
    }

    /// Sets the membrane capacitance (µF/cm²) in a region.
    pub fn set_cm(&mut self, region: &Region, cm: f64) -> Result<()> {
        check_positive("cm", cm)?;
        for cv in self.cvs_in(region)? {
            self.cable.cm[cv] = cm;
        }
        Ok(())
    }

    /// Sets the axial resistivity (Ω·cm) of the sections whose middle lies in a region.
    pub fn set_ra(&mut self, region: &Region, ra: f64) -> Result<()> {
        check_positive("Ra", ra)?;
        for s in self.sections_in(region)? {
            self.cable.ra[s] = ra;
        }
        Ok(())
    }

    /// Sets the initial membrane potential (mV) in a region.
    pub fn set_v_init(&mut self, region: &Region, v: f64) -> Result<()> {
        check_finite(|| "v_init".into(), v)?;
        for cv in self.cvs_in(region)? {
            self.cable.v_init[cv] = v;
        }
        Ok(())
    }

    /// Sets the initial membrane potential (mV) of one CV (including zero-area end nodes).
    pub fn set_v_init_cv(&mut self, cv: usize, v: f64) -> Result<()> {
        check_finite(|| format!("v_init of CV {cv}"), v)?;
        let slot = self
            .cable
            .v_init
            .get_mut(cv)
            .ok_or_else(|| Error::UnknownName {
                kind: "CV",
                name: cv.to_string(),
            })?;
        *slot = v;
        Ok(())
    }

    /// Inserts a density mechanism on every segment whose centre lies in the region.
    pub fn insert(&mut self, mech: Box<dyn Mechanism>, region: &Region) -> Result<MechId> {
        if mech.info().kind != MechanismKind::Density {
            return Err(Error::Invalid(format!(
                "`{}` is a point process: place it with Cell::place",
                mech.info().name
            )));
        }
        let nodes = self.cvs_in(region)?;
        let weights = vec![1.0; nodes.len()];
        self.add_mechanism(mech, &nodes, &weights)
    }

    /// Places one instance of a point process at each (section name, x).
    pub fn place(&mut self, mech: Box<dyn Mechanism>, at: &[(&str, f64)]) -> Result<MechId> {
        if mech.info().kind != MechanismKind::Point {
            return Err(Error::Invalid(format!(
                "`{}` is a density mechanism: insert it with Cell::insert",
                mech.info().name
            )));
        }
        let mut nodes = Vec::with_capacity(at.len());
        for &(sec, x) in at {
            nodes.push(self.cv_at(sec, x)?);
        }
        let weights: Vec<f64> = nodes
            .iter()
            .map(|&n| 100.0 / self.cable.layout.matrix_area[n])
            .collect();
        self.add_mechanism(mech, &nodes, &weights)
    }

    fn add_mechanism(
        &mut self,
        mut mech: Box<dyn Mechanism>,
        nodes: &[usize],
        weights: &[f64],
    ) -> Result<MechId> {
        self.before_init("placing a mechanism")?;
        let info = mech.info();
        mech.allocate(nodes, weights);
        let n = self.cable.layout.len();
        let mut ion_slots = Vec::with_capacity(info.ions.len());
        for ion in info.ions {
            let sp = self
                .ions
                .register(ion, n)
                .map_err(|e| Error::Invalid(format!("mechanism `{}`: {e}", info.name)))?;
            self.ions.mark_use(sp, ion, nodes);
            ion_slots.push(sp);
        }
        Ok(self.mechs.add(mech, ion_slots, nodes.len()))
    }

    /// Finds a mechanism by name (the first placed, if several share it).
    pub fn mechanism_id(&self, name: &str) -> Result<MechId> {
        self.mechs
            .iter()
            .position(|m| m.mech().info().name == name)
            .map(MechId)
            .ok_or_else(|| Error::UnknownName {
                kind: "mechanism",
                name: name.into(),
            })
    }

    /// A placed mechanism (for probes: fields, state tangents, nodes).
    pub fn mechanism(&self, id: MechId) -> &dyn Mechanism {
        self.mechs[id.0].mech()
    }

    /// The number of mechanisms inserted or placed (their ids are 0 up to it).
    pub fn mechanism_count(&self) -> usize {
        self.mechs.len()
    }

    /// Index of a field of a mechanism.
    pub fn field_index(&self, id: MechId, field: &str) -> Result<usize> {
        let info = self.mechs[id.0].mech().info();
        info.field_index(field).ok_or_else(|| Error::UnknownName {
            kind: "field",
            name: format!("{}.{}", info.name, field),
        })
    }

    /// Writes a field of a mechanism for the instances whose CV lies in a region (between steps, or
    /// before initialisation for parameters).
    pub fn set_field(
        &mut self,
        id: MechId,
        field: &str,
        region: &Region,
        value: f64,
    ) -> Result<()> {
        let f = self.field_index(id, field)?;
        let info = self.mechs[id.0].mech().info();
        check_finite(|| format!("{}.{}", info.name, field), value)?;
        let fi = &info.fields[f];
        if fi.lower.is_some_and(|lo| value < lo) || fi.upper.is_some_and(|hi| value > hi) {
            return Err(Error::BadValue {
                object: format!("{}.{}", info.name, field),
                value,
                message: format!("outside the declared range {}", fi.range_text()),
            });
        }
        let inside = self.instance_mask(id, region)?;
        self.recheck_before_next_step();
        let data = self.mechs.slot_mut(id.0).mech_mut().field_mut(f);
        for (x, m) in data.iter_mut().zip(&inside) {
            if *m {
                *x = value;
            }
        }
        Ok(())
    }

    /// Mutable values of a field, one per instance, for direct writes between steps (for example by
    /// an online controller). Values are checked for finiteness, and log-scaled tangent seeds
    /// refreshed, before the next step.
    pub fn field_mut(&mut self, id: MechId, field: &str) -> Result<&mut [f64]> {
        let f = self.field_index(id, field)?;
        self.recheck_before_next_step();
        Ok(self.mechs.slot_mut(id.0).mech_mut().field_mut(f))
    }

    /// Whether each instance of a mechanism sits on a CV in a region (point processes: the CV's
    /// section and position).
    pub(crate) fn instance_mask(&self, id: MechId, region: &Region) -> Result<Vec<bool>> {
        region.validate(&self.cable.morph)?;
        Ok(self.mechs[id.0]
            .mech()
            .nodes()
            .iter()
            .map(|&cv| {
                region.contains(
                    &self.cable.morph,
                    self.cable.layout.section[cv],
                    self.cable.layout.x[cv],
                )
            })
            .collect())
    }

    /// Adds an IClamp at (section, x).
    pub fn add_iclamp(
        &mut self,
        section: &str,
        x: f64,
        delay: f64,
        dur: f64,
        amp: f64,
    ) -> Result<ClampId> {
        let cv = self.cv_at(section, x)?;
        let id = self.clamps.len();
        for (name, val) in [("delay", delay), ("dur", dur), ("amp", amp)] {
            check_finite(|| format!("IClamp {id} {name}"), val)?;
        }
        self.clamps.push(IClamp {
            cv,
            delay,
            dur,
            amp,
        });
        Ok(ClampId(id))
    }

    /// The IClamps.
    pub fn clamps(&self) -> &[IClamp] {
        &self.clamps
    }

    /// Sets the amplitude (nA) of IClamp `c` (what a tangent parameter of it writes).
    pub(crate) fn set_clamp_amp(&mut self, c: usize, amp: f64) {
        self.clamps[c].amp = amp;
    }

    /// Sets the forgetting rate λ (1/ms): after each step, tangents are multiplied by 1 − λ·dt.
    pub fn set_forgetting(&mut self, lambda: f64) -> Result<()> {
        check_finite(|| "forgetting rate".into(), lambda)?;
        if lambda < 0.0 || lambda * self.settings.dt >= 1.0 {
            return Err(Error::BadValue {
                object: "forgetting rate".into(),
                value: lambda,
                message: "must satisfy 0 ≤ λ·dt < 1".into(),
            });
        }
        self.params.set_forgetting(lambda);
        Ok(())
    }

    /// Declares a differentiable parameter θ_k; returns k. Must precede initialisation.
    pub fn add_parameter(&mut self, spec: ParamSpec) -> Result<usize> {
        self.before_init("adding a tangent parameter")?;
        let p = TangentParam::resolve(self, spec)?;
        Ok(self.params.push(p))
    }

    /// Number of tangent parameters K.
    pub fn parameter_count(&self) -> usize {
        self.params.len()
    }

    /// Current value of θ_k (the parameter's value, or u of p = p0·e^u when log-scaled).
    pub fn parameter(&self, k: usize) -> f64 {
        self.params[k].theta
    }

    /// Writes θ_k (between steps or before initialisation), updating the model parameters it drives
    /// and the tangent seeds.
    pub fn set_parameter(&mut self, k: usize, theta: f64) -> Result<()> {
        check_finite(|| format!("parameter {k} ({})", self.params[k].name), theta)?;
        // The parameters are moved out while one of them writes into the cell (no copies: an
        // online controller calls this every few steps).
        let mut params = std::mem::take(&mut self.params);
        let old = params.set_theta(k, theta);
        let written = params[k].write(self);
        if written.is_err() {
            params.set_theta(k, old);
        }
        let (log, target) = (params[k].log, params[k].target);
        self.params = params;
        written?;
        // Factors dp/dθ change only for log-scaled parameters (p0·e^θ); the axial coefficients only
        // with Ra.
        if log {
            self.refresh_seeds();
        }
        if target == ParamTarget::Ra {
            self.update_axial();
        }
        Ok(())
    }

    /// Recomputes every parameter's dp/dθ factors and every mechanism's per-column seeds.
    pub(crate) fn refresh_seeds(&mut self) {
        let kk = self.params.len();
        for k in 0..kk {
            let factor = match self.params[k].target {
                ParamTarget::Mechanism { mech, field } => {
                    self.params[k].factors(self.mechs[mech.0].mech().field(field))
                }
                ParamTarget::Cm => self.params[k].factors(&self.cable.cm),
                ParamTarget::Ra => self.params[k].factors(&self.cable.ra),
                ParamTarget::Clamp(c) => self.params[k].factors(&[self.clamps[c].amp]),
                ParamTarget::NetCon(c) => {
                    let weight = self.events.netcon(c).expect("a connection").weight();
                    self.params[k].factors(&[weight])
                }
            };
            self.params.set_factor(k, factor);
        }
        self.mechs.set_seeds(&self.params);
    }

    /// Recomputes the axial coefficients a, b from Ra.
    pub(crate) fn update_axial(&mut self) {
        let l = &self.cable.layout;
        for cv in 0..l.len() {
            let p = l.parent[cv];
            if p == crate::discretization::NO_PARENT {
                continue;
            }
            let ri = self.cable.ra[l.section[cv].0] * l.ri_per_ra[cv];
            self.cable.matrix.b[cv] = -1e2 / (ri * l.matrix_area[cv]);
            self.cable.matrix.a[cv] = -1e2 / (ri * l.matrix_area[p]);
        }
    }

    /// Membrane potential per CV (mV).
    pub fn v(&self) -> &[f64] {
        &self.cable.v
    }

    /// Current time (ms).
    pub fn t(&self) -> f64 {
        self.clock.t()
    }

    /// Steps taken since initialisation.
    pub fn step_count(&self) -> u64 {
        self.clock.steps()
    }

    /// Tangent column S_k = dv/dθ_k per CV.
    pub fn tangent(&self, k: usize) -> &[f64] {
        let n = self.cable.layout.len();
        &self.cable.s[k * n..(k + 1) * n]
    }

    /// Tangent dσ/dθ_k of state field `field` of a mechanism, per instance.
    pub fn state_tangent(&self, id: MechId, field: &str, k: usize) -> Result<&[f64]> {
        let f = self.field_index(id, field)?;
        let m = self.mechs[id.0].mech();
        let info = m.info();
        let pos = info.state_position(f).ok_or_else(|| Error::UnknownName {
            kind: "state",
            name: format!("{}.{}", info.name, field),
        })?;
        let ni = m.instance_count();
        let ns = info.sigma_rows();
        let start = (k * ns + pos) * ni;
        Ok(&m.state_tangents()[start..start + ni])
    }

    /// Values of one field of a mechanism, per instance.
    pub fn field(&self, id: MechId, field: &str) -> Result<&[f64]> {
        let f = self.field_index(id, field)?;
        Ok(self.mechs[id.0].mech().field(f))
    }

    /// Ion species index by name.
    pub fn ion_index(&self, name: &str) -> Result<usize> {
        self.ions
            .species
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| Error::UnknownName {
                kind: "ion",
                name: name.into(),
            })
    }

    /// Sets the axial diffusivity (µm²/ms; 0: none) of the diffusive concentration `Xd` of a
    /// species some mechanism of the cell uses (docs/DESIGN.md, "Ion diffusion").
    pub fn set_diffusivity(&mut self, species: &str, diffusivity: f64) -> Result<()> {
        self.before_init("set a diffusivity")?;
        if !(diffusivity.is_finite() && diffusivity >= 0.0) {
            return Err(Error::Invalid(format!(
                "the diffusivity of the ion `{species}` must be finite and at least 0, not {diffusivity}"
            )));
        }
        let i = self.ion_index(species)?;
        self.ions.species[i].diffusivity = diffusivity;
        Ok(())
    }

    /// The ion store (concentrations, reversal potentials, currents and their tangents), for
    /// tests and diagnostics: its type is in [`crate::internals`], not the stable API.
    pub fn ions(&self) -> &IonStore {
        &self.ions
    }

    /// Checks every parameter field of every mechanism for non-finite values, naming the culprit.
    pub(crate) fn check_parameters(&self) -> Result<()> {
        for slot in self.mechs.iter() {
            let info = slot.mech().info();
            for (f, fi) in info.fields.iter().enumerate() {
                if fi.role != FieldRole::Parameter {
                    continue;
                }
                if let Some(j) = slot.mech().field(f).iter().position(|x| !x.is_finite()) {
                    return Err(Error::BadValue {
                        object: format!("{}.{} (instance {j})", info.name, fi.name),
                        value: slot.mech().field(f)[j],
                        message: "must be finite".into(),
                    });
                }
            }
        }
        for (j, c) in self.clamps.iter().enumerate() {
            for (name, val) in [("delay", c.delay), ("dur", c.dur), ("amp", c.amp)] {
                check_finite(|| format!("IClamp {j} {name}"), val)?;
            }
        }
        Ok(())
    }
}

fn check_positive(name: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::BadValue {
            object: name.into(),
            value,
            message: "must be positive and finite".into(),
        })
    }
}
