//! Fitting conductances to a voltage trace with exact gradients: losses over probes and a time
//! window, log-scaled and bounded parameters tied across regions, Adam (the runtime's) with a JSON
//! checkpoint to resume from, and the inferior-olive (IO) cell of the fitting experiment.
//!
//! A parameter is a multiplier m = e^u of a reference value p_ref: the fit moves u, the cell sees
//! p = p_ref·e^u in every region the parameter ties together, and u is kept within
//! [ln lower, ln upper]. The gradient dL/du comes from the runtime's tangent columns (one forward
//! simulation per iteration, whatever the number of parameters).

pub mod checkpoint;
pub mod cmaes;
pub mod command;
pub mod plot;

use std::path::Path;
use std::time::Instant;

use gradmod_runtime::{Adam, Cell, Morphology, ParamSpec, Region, Settings};
use serde::{Deserialize, Serialize};

use crate::library::Library;

/// A fitted parameter: a mechanism field in one or more regions (tied), as a bounded multiplier of
/// its reference value.
#[derive(Clone, Debug)]
pub struct FitParam {
    /// Name shown in tables and plots (such as `g_CaL`).
    pub name: String,
    /// Mechanism name.
    pub mechanism: String,
    /// Field name (a PARAMETER of the mechanism).
    pub field: String,
    /// Regions, tied together (empty: everywhere the mechanism is).
    pub regions: Vec<Region>,
    /// Reference value p_ref (the value the multiplier scales).
    pub reference: f64,
    /// Smallest and largest multiplier.
    pub bounds: (f64, f64),
}

impl FitParam {
    /// The value at multiplier e^u.
    pub fn value(&self, u: f64) -> f64 {
        self.reference * u.exp()
    }

    /// u clamped to the bounds.
    pub fn clamp(&self, u: f64) -> f64 {
        u.clamp(self.bounds.0.ln(), self.bounds.1.ln())
    }

    fn region(&self) -> Region {
        match self.regions.len() {
            0 => Region::All,
            1 => self.regions[0].clone(),
            _ => Region::Union(self.regions.clone()),
        }
    }
}

/// How the fitted parameters reach the cell that [`Problem::build`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// The cell declares no tangent parameters: each simulation writes p = p_ref·e^u into the
    /// mechanism fields of [`FitParam`] (uniformly over its regions) and, with tangents, declares
    /// them. Forward-only simulations then carry no tangents.
    Fields,
    /// The cell already declares parameter k as log-scaled tangent parameter k (as a model file's
    /// `[[parameter]]` entries do), relative to its own values: each simulation only sets θ_k = u_k.
    /// Forward-only simulations compute the tangents too; [`FitParam`]'s mechanism, field, regions
    /// and reference only describe the parameter.
    Declared,
}

/// What the loss compares between the simulated and the target voltage at each probe, over the
/// window's samples.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Loss {
    /// Mean over the samples and the probes of (v − v_target)² (mV²).
    #[default]
    Trace,
    /// Per probe (mean v − mean v_target)² (mV²), averaged over the probes.
    MeanVoltage,
    /// Per probe (r − r_target)² (Hz²), averaged over the probes, with r a smoothed firing rate:
    /// the fraction of the window's samples above `threshold` (mV), each counted by the sigmoid
    /// σ((v − threshold)/`width`) (width in mV), divided by a nominal spike `duration` (ms). It
    /// counts time spent above threshold, so it equals the spike rate when every spike lasts
    /// `duration` above it.
    Rate {
        /// Threshold (mV).
        threshold: f64,
        /// Width of the sigmoid (mV).
        width: f64,
        /// Time one spike spends above the threshold (ms).
        duration: f64,
    },
}

impl Loss {
    /// The smoothed firing rate's defaults: threshold −20 mV, width 2 mV, duration 2 ms.
    pub const RATE: Loss = Loss::Rate {
        threshold: -20.0,
        width: 2.0,
        duration: 2.0,
    };

    /// Parses `trace`, `mean` or `rate[:THRESHOLD[:WIDTH[:DURATION]]]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "--loss {text}: expected trace, mean, or rate[:THRESHOLD[:WIDTH[:DURATION]]] \
                 (mV, mV, ms; default rate:-20:2:2)"
            )
        };
        let mut parts = text.split(':');
        match parts.next().map(str::trim) {
            Some("trace") if parts.next().is_none() => Ok(Loss::Trace),
            Some("mean") if parts.next().is_none() => Ok(Loss::MeanVoltage),
            Some("rate") => {
                let mut values: [f64; 3] = [-20.0, 2.0, 2.0];
                for (slot, p) in values.iter_mut().zip(parts.by_ref()) {
                    *slot = p.trim().parse().map_err(|_| bad())?;
                }
                let [threshold, width, duration] = values;
                let ok = [threshold, width, duration].iter().all(|x| x.is_finite())
                    && width > 0.0
                    && duration > 0.0;
                if parts.next().is_some() || !ok {
                    return Err(bad());
                }
                Ok(Loss::Rate {
                    threshold,
                    width,
                    duration,
                })
            }
            _ => Err(bad()),
        }
    }
}

/// The logistic function, evaluated without overflow.
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Sums over one probe's window samples that a [`Loss`] needs, with their tangents.
#[derive(Clone, Debug)]
struct Sums {
    /// Samples.
    n: f64,
    /// Σ (v − v_target)².
    squares: f64,
    /// Σ f(v) and Σ f(v_target), f the feature (v, or the rate's sigmoid).
    feature: f64,
    target: f64,
    /// Σ d(v − v_target)²/dθ_k (for the trace loss) or Σ df(v)/dθ_k (for features).
    grad: Vec<f64>,
}

impl Sums {
    fn new(k: usize) -> Self {
        Self {
            n: 0.0,
            squares: 0.0,
            feature: 0.0,
            target: 0.0,
            grad: vec![0.0; k],
        }
    }

    /// Adds one sample: v, its target, and the tangents dv/dθ_k (by k).
    fn add(&mut self, loss: Loss, v: f64, target: f64, dv: impl Fn(usize) -> f64) {
        self.n += 1.0;
        let (f, ft, df) = match loss {
            Loss::Trace => {
                let e = v - target;
                self.squares += e * e;
                (0.0, 0.0, 2.0 * e)
            }
            Loss::MeanVoltage => (v, target, 1.0),
            Loss::Rate {
                threshold, width, ..
            } => {
                let s = sigmoid((v - threshold) / width);
                (
                    s,
                    sigmoid((target - threshold) / width),
                    s * (1.0 - s) / width,
                )
            }
        };
        self.feature += f;
        self.target += ft;
        for (k, g) in self.grad.iter_mut().enumerate() {
            *g += df * dv(k);
        }
    }

    /// This probe's feature loss and gradient (not for the trace loss).
    fn feature_loss(&self, loss: Loss) -> (f64, Vec<f64>) {
        // The feature is scale·(Σ f)/n: the mean, or the rate in Hz.
        let scale = match loss {
            Loss::Rate { duration, .. } => 1000.0 / duration,
            _ => 1.0,
        } / self.n;
        let diff = scale * (self.feature - self.target);
        let grad = self.grad.iter().map(|g| 2.0 * diff * scale * g).collect();
        (diff * diff, grad)
    }
}

/// A fitting problem: how to build the cell, what to fit, and the target.
pub struct Problem {
    /// Builds the cell with every parameter at its reference value, not initialised (see
    /// [`Setup`] for whether it declares tangent parameters).
    pub build: Box<dyn Fn() -> Result<Cell, String> + Send + Sync>,
    /// How the parameters reach the cell.
    pub setup: Setup,
    /// The fitted parameters.
    pub params: Vec<FitParam>,
    /// CVs whose voltage is compared with the target (one target trace per CV).
    pub probes: Vec<usize>,
    /// Target traces, one per probe, one value per step (sample 0 right after initialisation).
    pub targets: Vec<Vec<f64>>,
    /// Simulated time (ms).
    pub tstop: f64,
    /// Time window [t0, t1] (ms) over which the loss averages.
    pub window: (f64, f64),
    /// What the loss compares.
    pub loss: Loss,
}

/// A loss value with its gradient dL/du.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Evaluation {
    /// Loss (see [`Loss`]).
    pub loss: f64,
    /// dL/du_k (empty for forward-only evaluations).
    pub grad: Vec<f64>,
}

impl Problem {
    /// Number of parameters.
    pub fn dim(&self) -> usize {
        self.params.len()
    }

    /// The cell at multipliers e^u, with tangent parameters declared when `tangents` is set.
    fn cell(&self, u: &[f64], tangents: bool) -> Result<Cell, String> {
        if u.len() != self.params.len() {
            return Err(format!(
                "{} values given for {} parameters",
                u.len(),
                self.params.len()
            ));
        }
        let mut cell = (self.build)()?;
        if self.setup == Setup::Declared {
            if cell.parameter_count() != u.len() {
                return Err(format!(
                    "the cell declares {} tangent parameters for {} fitted ones",
                    cell.parameter_count(),
                    u.len()
                ));
            }
            for (k, (p, &uk)) in self.params.iter().zip(u).enumerate() {
                cell.set_parameter(k, uk)
                    .map_err(|e| format!("{}: {e}", p.name))?;
            }
            return Ok(cell);
        }
        for (p, &uk) in self.params.iter().zip(u) {
            let id = cell.mechanism_id(&p.mechanism).map_err(|e| e.to_string())?;
            if tangents {
                let mut spec = ParamSpec::mechanism(&p.mechanism, &p.field).log_scaled();
                for r in &p.regions {
                    spec = spec.in_region(r.clone());
                }
                // The cell holds the reference value, so θ = u gives p = p_ref·e^u.
                cell.set_field(id, &p.field, &p.region(), p.reference)
                    .map_err(|e| format!("{}: {e}", p.name))?;
                let k = cell
                    .add_parameter(spec)
                    .map_err(|e| format!("{}: {e}", p.name))?;
                cell.set_parameter(k, uk)
                    .map_err(|e| format!("{}: {e}", p.name))?;
            } else {
                cell.set_field(id, &p.field, &p.region(), p.value(uk))
                    .map_err(|e| format!("{}: {e}", p.name))?;
            }
        }
        Ok(cell)
    }

    /// Simulates at multipliers e^u; returns the loss, its gradient when `tangents` is set, and the
    /// voltage traces at the probes.
    pub fn simulate(
        &self,
        u: &[f64],
        tangents: bool,
    ) -> Result<(Evaluation, Vec<Vec<f64>>), String> {
        let mut cell = self.cell(u, tangents)?;
        let k = if tangents { self.dim() } else { 0 };
        if self.probes.len() != self.targets.len() {
            return Err(format!(
                "{} target traces for {} probes",
                self.targets.len(),
                self.probes.len()
            ));
        }
        cell.init().map_err(|e| e.to_string())?;
        let dt = cell.settings().dt;
        let total = (self.tstop / dt).round() as usize;
        let mut traces = vec![Vec::with_capacity(total + 1); self.probes.len()];
        let mut sums = vec![Sums::new(k); self.probes.len()];
        for step in 0..=total {
            if step > 0 {
                cell.step().map_err(|e| e.to_string())?;
            }
            let t = step as f64 * dt;
            let inside = t >= self.window.0 - 1e-9 && t <= self.window.1 + 1e-9;
            for (j, &cv) in self.probes.iter().enumerate() {
                let v = cell.v()[cv];
                traces[j].push(v);
                let Some(&target) = self.targets[j].get(step) else {
                    continue;
                };
                if inside {
                    sums[j].add(self.loss, v, target, |kk| cell.tangent(kk)[cv]);
                }
            }
        }
        // Without target samples in the window the loss is undefined (NaN); `evaluate` and `loss`
        // report it.
        let eval = if self.loss == Loss::Trace {
            let n: f64 = sums.iter().map(|s| s.n).sum();
            let mut grad = vec![0.0; k];
            for s in &sums {
                grad.iter_mut().zip(&s.grad).for_each(|(g, x)| *g += x / n);
            }
            Evaluation {
                loss: sums.iter().map(|s| s.squares).sum::<f64>() / n,
                grad,
            }
        } else {
            let m = sums.len() as f64;
            let (mut loss, mut grad) = (0.0, vec![0.0; k]);
            for s in &sums {
                let (l, g) = s.feature_loss(self.loss);
                loss += l / m;
                grad.iter_mut().zip(g).for_each(|(a, b)| *a += b / m);
            }
            Evaluation { loss, grad }
        };
        Ok((eval, traces))
    }

    /// The voltage traces at the probes at multipliers e^u (one forward simulation).
    pub fn traces(&self, u: &[f64]) -> Result<Vec<Vec<f64>>, String> {
        self.simulate(u, false).map(|r| r.1)
    }

    /// Loss and gradient at u (one simulation with tangents).
    pub fn evaluate(&self, u: &[f64]) -> Result<Evaluation, String> {
        let eval = self.simulate(u, true)?.0;
        check_loss(eval.loss)?;
        Ok(eval)
    }

    /// Loss at u (one forward simulation without tangents).
    pub fn loss(&self, u: &[f64]) -> Result<f64, String> {
        let loss = self.simulate(u, false)?.0.loss;
        check_loss(loss)?;
        Ok(loss)
    }
}

fn check_loss(loss: f64) -> Result<(), String> {
    if loss.is_finite() {
        Ok(())
    } else {
        Err(format!(
            "the loss is {loss}: the window holds no target samples, or the simulation diverged"
        ))
    }
}

/// One iteration of a fit, as stored in the checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// Iteration (0: the starting point).
    pub iteration: usize,
    /// Multipliers' logarithms u at which the loss was evaluated.
    pub u: Vec<f64>,
    /// Loss at u.
    pub loss: f64,
    /// dL/du at u.
    pub grad: Vec<f64>,
    /// Wall-clock seconds since the fit started (accumulated over resumed runs).
    pub seconds: f64,
}

/// The optimiser state of an Adam fit, written as JSON after every iteration so that a fit can
/// resume. Adam's moments depend only on the gradients seen, so they are rebuilt exactly by
/// replaying the recorded gradients through a new [`Adam`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Parameter names.
    pub names: Vec<String>,
    /// Adam's learning rate (on u).
    pub rate: f64,
    /// Current u (the next point to evaluate).
    pub u: Vec<f64>,
    /// Every evaluated iteration.
    pub history: Vec<Record>,
}

impl Checkpoint {
    /// Reads a checkpoint (also the optimiser state of a `gradmod fit` checkpoint file) and
    /// checks that it can be resumed ([`Checkpoint::validate`]).
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let ck: Self =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        ck.validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(ck)
    }

    /// Writes the checkpoint (to a temporary file first, then renamed).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// The runtime's Adam with its moments rebuilt from the recorded gradients.
    pub fn adam(&self) -> Adam {
        let mut adam = Adam::new(self.rate, self.u.len());
        let mut scratch = vec![0.0; self.u.len()];
        for r in &self.history {
            adam.step(&mut scratch, &r.grad);
        }
        adam
    }
}

/// Options of an Adam fit.
#[derive(Clone, Debug)]
pub struct AdamOptions {
    /// Learning rate on u (a rate of 0.05 moves a multiplier by about 5 % per iteration).
    pub rate: f64,
    /// Iterations (loss evaluations) to run in this call.
    pub iterations: usize,
    /// Stop once this many wall-clock seconds have passed (total, including resumed runs).
    pub budget_seconds: Option<f64>,
    /// Where to write the checkpoint after every iteration.
    pub checkpoint: Option<std::path::PathBuf>,
    /// Show a progress bar.
    pub progress: bool,
}

/// Runs (or resumes) an Adam fit from `start`: each iteration evaluates the loss and its gradient
/// at u, records them, and moves u by one Adam step clamped to the bounds.
pub fn fit_adam(
    problem: &Problem,
    start: Checkpoint,
    opts: &AdamOptions,
) -> Result<Checkpoint, String> {
    let mut ck = start;
    let mut adam = ck.adam();
    let offset = ck.history.last().map_or(0.0, |r| r.seconds);
    let clock = Instant::now();
    let bar = progress_bar(opts.iterations, opts.progress);
    for _ in 0..opts.iterations {
        let seconds = offset + clock.elapsed().as_secs_f64();
        if opts.budget_seconds.is_some_and(|b| seconds >= b) {
            break;
        }
        let eval = problem.evaluate(&ck.u)?;
        let iteration = ck.history.len();
        ck.history.push(Record {
            iteration,
            u: ck.u.clone(),
            loss: eval.loss,
            grad: eval.grad.clone(),
            seconds: offset + clock.elapsed().as_secs_f64(),
        });
        adam.step(&mut ck.u, &eval.grad);
        for (u, p) in ck.u.iter_mut().zip(&problem.params) {
            *u = p.clamp(*u);
        }
        if let Some(path) = &opts.checkpoint {
            ck.save(path)?;
        }
        bar.set_message(format!("loss {:.4e} mV²", eval.loss));
        bar.inc(1);
    }
    bar.finish();
    Ok(ck)
}

/// A progress bar with iterations, elapsed time and the current loss (hidden when `show` is off).
pub fn progress_bar(len: usize, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// One entry of the IO cell's reference table: name, mechanism, field, SWC tags, conductance in
/// the paper's code (Arbor units, (A/m²)/mV).
pub type IoEntry = (
    &'static str,
    &'static str,
    &'static str,
    &'static [i32],
    f64,
);

/// The twelve conductances of the IO cell as the gradient-diffusion paper's code gives them, in
/// Arbor's units: current density in A/m² with v in mV, so g in (A/m²)/mV = 0.1 S/cm². Divide by
/// [`ARBOR_TO_S_PER_CM2`] for S/cm² (1 mA/cm² = 10 A/m²). Tags: 1 soma, 2 axon, 3 dendrite.
pub const IO_REFERENCE: [IoEntry; 12] = [
    ("g_CaL", "io_cal", "gbar", &[1], 0.003),
    ("g_h", "io_h", "gbar", &[3], 0.025),
    ("g_K_Ca", "io_kca", "gbar", &[3], 0.25),
    ("g_ld", "io_leak", "g", &[3], 1.3e-5),
    ("g_la", "io_leak", "g", &[2], 1.3e-5),
    ("g_ls", "io_leak", "g", &[1], 1.3e-5),
    ("g_Na_s", "io_na_s", "gbar", &[1], 0.03),
    ("g_Kdr_s", "io_kdr", "gbar", &[1], 0.04),
    ("g_K_s", "io_k", "gbar", &[1], 0.02),
    ("g_CaH", "io_cah", "gbar", &[3], 0.16),
    ("g_Na_a", "io_na_a", "gbar", &[2], 0.25),
    ("g_K_a", "io_k", "gbar", &[2], 0.25),
];

/// Arbor-unit conductance per S/cm².
pub const ARBOR_TO_S_PER_CM2: f64 = 10.0;

/// The paper's perturbed starting point: multipliers of the reference, in [`IO_REFERENCE`] order.
pub const IO_START: [f64; 12] = [
    5.0, 1.0, 1.2, 1.0, 1.0, 1.0, 1.0, 0.75, 0.75, 0.5625, 0.8, 0.8,
];

/// How to discretise the IO cell.
#[derive(Clone, Copy, Debug)]
pub enum Cvs {
    /// One CV per section.
    PerSection,
    /// Segments at most this long (µm).
    MaxLength(f64),
}

/// The IO cell: C4A (SWC text) with its one-sample axon restored as a 4 µm × 4 µm cylinder at
/// `soma[0](0)` (see [`io_morphology`]), the IO channels by SWC tag at the reference conductances
/// scaled by `scale` (multipliers in [`IO_REFERENCE`] order; reversal potentials in the .mod
/// files), c_m 1 µF/cm², Ra 100 Ω·cm, v_init −60 mV. The channels come from `library`.
pub fn io_cell(
    library: &Library,
    swc: &str,
    cvs: Cvs,
    dt: f64,
    scale: &[f64; 12],
) -> Result<Cell, String> {
    let morph = io_morphology(swc, cvs)?;
    let settings = Settings {
        dt,
        celsius: 6.3,
        cm: 1.0,
        ra: 100.0,
        v_init: -60.0,
        seed: 0,
    };
    let mut cell = Cell::new(morph, settings).map_err(|e| e.to_string())?;
    let (soma, axon, dend) = (Region::Tag(1), Region::Tag(2), Region::Tag(3));
    let places: [(&str, Region); 10] = [
        ("io_leak", Region::All),
        ("io_cal", soma.clone()),
        ("io_na_s", soma.clone()),
        ("io_kdr", soma.clone()),
        ("io_k", Region::Union(vec![soma, axon.clone()])),
        ("io_cah", dend.clone()),
        ("io_cad", dend.clone()),
        ("io_kca", dend.clone()),
        ("io_h", dend),
        ("io_na_a", axon),
    ];
    for (name, region) in places {
        let m = library
            .make(name)
            .ok_or_else(|| format!("the catalogue has no `{name}`"))?;
        cell.insert(m, &region)
            .map_err(|e| format!("{name}: {e}"))?;
    }
    for ((_, mech, field, tags, g), s) in IO_REFERENCE.iter().zip(scale) {
        let id = cell.mechanism_id(mech).map_err(|e| e.to_string())?;
        let region = Region::Tag(tags[0]);
        cell.set_field(id, field, &region, g / ARBOR_TO_S_PER_CM2 * s)
            .map_err(|e| format!("{mech}.{field}: {e}"))?;
    }
    Ok(cell)
}

/// C4A as the runtime reads it (NEURON's Import3d, which drops the one-sample axon), plus that
/// axon as a cylinder: the SWC's axon sample lies 4 µm from the root sample with radius 2 µm, so
/// the axon is a 4 µm long, 4 µm wide section `axon[0]` (tag 2) at `soma[0](0)`, the root sample's
/// end (as Arbor reads a one-sample branch: one segment from the parent sample).
pub fn io_morphology(swc: &str, cvs: Cvs) -> Result<Morphology, String> {
    let mut m = gradmod_runtime::read_swc(swc).map_err(|e| e.to_string())?;
    let soma = m.find("soma[0]").map_err(|e| e.to_string())?;
    m.add_cylinder("axon[0]", 2, 4.0, 4.0, Some((soma, 0.0)), 1)
        .map_err(|e| e.to_string())?;
    match cvs {
        Cvs::PerSection => {
            for s in 0..m.sections().len() {
                m.section_mut(gradmod_runtime::SectionId(s)).nseg = 1;
            }
        }
        Cvs::MaxLength(l) => m.set_max_segment_length(l),
    }
    Ok(m)
}

/// The settings of an IO fitting problem.
#[derive(Clone, Copy, Debug)]
pub struct IoSetup {
    /// Discretisation.
    pub cvs: Cvs,
    /// Time step (ms).
    pub dt: f64,
    /// Simulated time (ms).
    pub tstop: f64,
    /// Loss window (ms).
    pub window: (f64, f64),
    /// Multipliers of [`IO_REFERENCE`] that make the reference (all ones: the paper's values).
    pub reference: [f64; 12],
}

/// The IO fitting problem: the soma voltage over the window against `target`, for all twelve
/// conductances as multipliers within [0.05, 20] of the reference. The channels come from
/// `library`.
pub fn io_problem(
    library: &Library,
    swc: String,
    setup: IoSetup,
    target: Vec<f64>,
) -> Result<Problem, String> {
    let IoSetup {
        cvs,
        dt,
        tstop,
        window,
        reference,
    } = setup;
    let cell = io_cell(library, &swc, cvs, dt, &reference)?;
    let probe = cell.cv_at("soma[0]", 0.5).map_err(|e| e.to_string())?;
    let params = IO_REFERENCE
        .iter()
        .zip(reference)
        .map(|(&(name, mech, field, tags, g), scale)| FitParam {
            name: name.into(),
            mechanism: mech.into(),
            field: field.into(),
            regions: tags.iter().map(|&t| Region::Tag(t)).collect(),
            reference: g / ARBOR_TO_S_PER_CM2 * scale,
            bounds: (0.05, 20.0),
        })
        .collect();
    Ok(Problem {
        build: {
            let library = library.clone();
            Box::new(move || io_cell(&library, &swc, cvs, dt, &reference))
        },
        setup: Setup::Fields,
        params,
        probes: vec![probe],
        targets: vec![target],
        tstop,
        window,
        loss: Loss::Trace,
    })
}
