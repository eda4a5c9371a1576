//! Homeostatic control in model descriptions: the `[homeostasis]` and `[[noise]]` sections, and
//! attaching the rate objective, the adapted parameters and the controller to a built cell.
//!
//! ```toml
//! [[noise]]                 # an Ornstein–Uhlenbeck current source (`ou_noise`, [`OU_NOISE`])
//! section = "soma"          # at section(x)
//! x = 0.5
//! mean = 0.02               # nA, before the gain
//! sigma = 0.05              # nA, before the gain
//! tau = 5                   # ms
//! gain = 1
//! seed = 1
//!
//! [homeostasis]
//! target = 4                # Hz: the rate objective's ftarget
//! rate = 2e-6               # α, 1/ms, on parameters relative to their initial values
//! forgetting = 1e-3         # λ, 1/ms
//! clip = 1e9                # largest norm of the relative gradient (optional)
//! every = 40                # update every n steps
//! warmup = 5000             # ms before the first update
//! decay = 600000            # ms: α/(1 + t/decay) after the warm-up (optional)
//! section = "soma"          # where the objective observes v (its CV at x = 0.5)
//! tauf = 20000              # ms, the rate estimate's filter (optional)
//! vth = -20                 # mV, the observer's spike-indicator midpoint (optional)
//! mode = "tracking"         # or "gradient" (see `Mode`)
//! average = 20000           # ms, tracking mode: the mean sensitivity's filter
//! max_error = 1             # tracking mode: bound on the relative rate error
//! outlier = 3               # tracking mode: longest sensitivity sample, in running mean norms
//! direction = "excitability" # tracking mode: G from the excitability observer, or "rate" (df/dθ)
//! excitability_v = -50      # mV, midpoint of the excitability observer's indicator (optional)
//! excitability_k = 5        # mV, its width (optional)
//!
//! [[homeostasis.adapt]]     # one entry per adapted parameter
//! mechanism = "hh"
//! parameter = "gnabar"
//! region = "soma"           # a section name; everywhere when absent (tied across regions)
//! lower = 0                 # optional; default: the field's declared range
//! ```
//!
//! The sections are part of the model file's schema (src/model/schema.rs), so their errors name the
//! file, line, column and key as every other key's do.

use gradmod_runtime::control::{ControlSettings, Controller, ObjectiveSpec, StateRef};
use gradmod_runtime::noise::{OuParams, OuSource};
use gradmod_runtime::{Cell, MechId, ParamSpec, Region};
use serde::Deserialize;

use crate::library::Library;

/// The `[[noise]]` sources: the runtime's OU current source, as the mechanism `ou_noise` (its
/// parameters `ou_noise.gain`, `mean`, `sigma`, `tau` may be adapted or differentiated).
pub static OU_NOISE: OuSource = OuSource::named("ou_noise");

/// Gradient mode's objective: the state `e` of instance 0 of the built-in observer
/// `rate_objective` (mod_files/rate_objective.mod), whose e' = (f − f_target)²/2.
pub fn rate_objective() -> ObjectiveSpec {
    ObjectiveSpec {
        mechanism: "rate_objective".into(),
        state: "e".into(),
        instance: 0,
        target: None,
        direction: None,
    }
}

/// Tracking mode's objective: the rate estimate `f` of instance 0 of `rate_objective` and its
/// target field `ftarget`.
pub fn rate_tracking() -> ObjectiveSpec {
    ObjectiveSpec {
        mechanism: "rate_objective".into(),
        state: "f".into(),
        instance: 0,
        target: Some("ftarget".into()),
        direction: None,
    }
}

/// The step direction of tracking mode: the state `a` of instance `instance` of the built-in
/// `excitability` (mod_files/excitability.mod), a soft threshold indicator filtered with 1 ms.
pub fn excitability(instance: usize) -> StateRef {
    StateRef {
        mechanism: "excitability".into(),
        state: "a".into(),
        instance,
    }
}

/// The homeostasis-related sections of one cell's model file.
#[derive(Clone, Debug, Default)]
pub struct HomeostasisFile {
    /// `[homeostasis]`, if present.
    pub homeostasis: Option<Homeostasis>,
    /// `[[noise]]`: OU current sources.
    pub noise: Vec<Noise>,
}

/// `[homeostasis]`: the objective and the controller.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Homeostasis {
    /// Target rate (Hz).
    pub target: f64,
    /// Learning rate α (per ms, relative parameters).
    pub rate: f64,
    /// Forgetting rate λ (1/ms).
    #[serde(default)]
    pub forgetting: f64,
    /// Gradient-norm clip.
    #[serde(default = "infinite")]
    pub clip: f64,
    /// Update every n steps.
    #[serde(default = "one")]
    pub every: u64,
    /// Time before the first update (ms).
    #[serde(default)]
    pub warmup: f64,
    /// Decay time of the learning rate (ms): α/(1 + t/decay) after the warm-up.
    #[serde(default = "infinite")]
    pub decay: f64,
    /// Section whose middle the objective observes.
    #[serde(default = "soma")]
    pub section: String,
    /// Time constant of the rate estimate (ms).
    pub tauf: Option<f64>,
    /// Midpoint of the observer's spike indicator (mV; the mechanism's default, −20 mV, when
    /// absent). Placed well above spike initiation, it leaves out abortive spikes.
    pub vth: Option<f64>,
    /// `"tracking"` (default): steps along the mean sensitivity of f by the relative rate error;
    /// `"gradient"`: descends the tangent of the objective e.
    #[serde(default)]
    pub mode: Mode,
    /// Tracking mode: time constant of the mean sensitivity (ms).
    #[serde(default = "twenty_seconds")]
    pub average: f64,
    /// Tracking mode: bound on the relative rate error.
    #[serde(default = "unit")]
    pub max_error: f64,
    /// Tracking mode: samples of the sensitivity are shortened to at most this many times the
    /// running mean of their norms.
    #[serde(default = "three")]
    pub outlier: f64,
    /// Tracking mode: where the step direction comes from (see `Direction`; the excitability
    /// observer when absent).
    pub direction: Option<Direction>,
    /// Midpoint of the excitability observer's soft indicator (mV; −50 mV when absent).
    pub excitability_v: Option<f64>,
    /// Width of the excitability observer's soft indicator (mV; 5 mV when absent).
    pub excitability_k: Option<f64>,
    /// The adapted parameters.
    #[serde(default)]
    pub adapt: Vec<Adapt>,
}

/// Tracking mode: which tangent's running mean G sets the direction of the steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The tangent of the rate estimate f itself.
    Rate,
    /// The tangent of the `excitability` observer's soft indicator of v (mod_files/excitability.mod),
    /// placed beside the rate objective (the default in tracking mode; the runtime's `control`
    /// module documentation, "The step direction from another state").
    Excitability,
}

/// How the controller turns the observer into parameter steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// θ ← θ − α·dt·clamp((f − f*)/f*, ±c)·G/‖G‖, G the running mean of the relative df/dθ.
    #[default]
    Tracking,
    /// θ ← θ − α·dt·de/dθ (relative), e' = (f − f*)²/2.
    Gradient,
}

fn twenty_seconds() -> f64 {
    20_000.0
}

fn three() -> f64 {
    3.0
}

fn infinite() -> f64 {
    f64::INFINITY
}

fn one() -> u64 {
    1
}

fn soma() -> String {
    "soma".into()
}

/// `[[homeostasis.adapt]]`: one adapted parameter.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adapt {
    /// Mechanism name (`ou_noise` for the noise gain).
    pub mechanism: String,
    /// Parameter name.
    pub parameter: String,
    /// Section the parameter is restricted to (everywhere when absent).
    pub region: Option<String>,
    /// Lower bound (default: the field's declared range).
    pub lower: Option<f64>,
    /// Upper bound (default: the field's declared range).
    pub upper: Option<f64>,
}

/// `[[noise]]`: an OU current source.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// Section.
    #[serde(default = "soma")]
    pub section: String,
    /// Position on the section.
    #[serde(default = "half")]
    pub x: f64,
    /// Mean current before the gain (nA).
    #[serde(default)]
    pub mean: f64,
    /// Standard deviation before the gain (nA).
    pub sigma: f64,
    /// Correlation time (ms).
    #[serde(default = "five")]
    pub tau: f64,
    /// Gain.
    #[serde(default = "unit")]
    pub gain: f64,
    /// Seed of the random stream.
    #[serde(default)]
    pub seed: u64,
}

fn half() -> f64 {
    0.5
}

fn five() -> f64 {
    5.0
}

fn unit() -> f64 {
    1.0
}

impl HomeostasisFile {
    /// Reads the sections from a model file's text (read with the rest of the model, so errors
    /// name the line, column and key).
    pub fn parse(text: &str) -> Result<Self, String> {
        let m = crate::model::Model::parse("model.toml", text, std::path::Path::new("."))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            homeostasis: m.file.homeostasis,
            noise: m.file.noise,
        })
    }
}

impl From<&Noise> for OuParams {
    fn from(n: &Noise) -> Self {
        OuParams {
            mean: n.mean,
            sigma: n.sigma,
            tau: n.tau,
            gain: n.gain,
            seed: n.seed,
        }
    }
}

/// Places the `[[noise]]` sources on a cell (before initialisation). `seed_offset` is added to
/// every seed, so that the cells of a network built from one file get different streams.
pub fn add_noise(
    cell: &mut Cell,
    noise: &[Noise],
    seed_offset: u64,
) -> Result<Vec<MechId>, String> {
    noise
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut p = OuParams::from(n);
            p.seed += seed_offset;
            cell.add_ou_noise(&OU_NOISE, &n.section, n.x, p)
                .map_err(|e| format!("noise[{i}]: {e}"))
        })
        .collect()
}

/// What [`attach`] set up on a cell.
#[derive(Debug)]
pub struct Attached {
    /// The controller; call [`Controller::after_step`] after each step.
    pub controller: Controller,
    /// The `rate_objective` mechanism.
    pub objective: MechId,
    /// Its instance at the observed CV.
    pub instance: usize,
    /// Tangent parameter index of each adapted parameter, in `adapt` order.
    pub params: Vec<usize>,
    /// `mechanism.parameter` of each adapted parameter.
    pub names: Vec<String>,
}

/// Inserts the rate objective, declares the adapted parameters, sets the forgetting rate and makes
/// the controller (before initialisation). The observers come from `library`.
pub fn attach(cell: &mut Cell, h: &Homeostasis, library: &Library) -> Result<Attached, String> {
    if h.direction == Some(Direction::Excitability) && h.mode != Mode::Tracking {
        return Err("homeostasis.direction = \"excitability\" needs mode = \"tracking\"".into());
    }
    let (objective, instance) = insert_observer(cell, library, "rate_objective", &h.section)?;
    let all = Region::All;
    let set = |cell: &mut Cell, f: &str, v: f64| {
        cell.set_field(objective, f, &all, v)
            .map_err(|e| format!("homeostasis: {e}"))
    };
    set(cell, "ftarget", h.target)?;
    if let Some(t) = h.tauf {
        set(cell, "tauf", t)?;
    }
    if let Some(v) = h.vth {
        set(cell, "vth", v)?;
    }
    cell.set_forgetting(h.forgetting)
        .map_err(|e| format!("homeostasis.forgetting: {e}"))?;
    if h.adapt.is_empty() {
        return Err("homeostasis: list the adapted parameters in [[homeostasis.adapt]]".into());
    }
    let mut params = Vec::new();
    let mut names = Vec::new();
    for (i, a) in h.adapt.iter().enumerate() {
        let mut spec = ParamSpec::mechanism(&a.mechanism, &a.parameter);
        if let Some(r) = &a.region {
            spec = spec.in_region(Region::section(r));
        }
        let k = cell
            .add_parameter(spec)
            .map_err(|e| format!("homeostasis.adapt[{i}]: {e}"))?;
        params.push(k);
        names.push(format!("{}.{}", a.mechanism, a.parameter));
    }
    let settings = ControlSettings {
        rate: h.rate,
        clip: h.clip,
        every: h.every,
        warmup: (h.warmup / cell.settings().dt).round().max(0.0) as u64,
        decay: h.decay,
        average: h.average,
        max_error: h.max_error,
        outlier: h.outlier,
    };
    let base = match h.mode {
        Mode::Tracking => rate_tracking(),
        Mode::Gradient => rate_objective(),
    };
    let by_excitability = match h.mode {
        Mode::Tracking => h.direction != Some(Direction::Rate),
        Mode::Gradient => false,
    };
    let mut direction = None;
    if by_excitability {
        let (ex, at) = insert_observer(cell, library, "excitability", &h.section)?;
        for (field, key, value) in [
            ("vs", "excitability_v", h.excitability_v),
            ("ks", "excitability_k", h.excitability_k),
        ] {
            if let Some(v) = value {
                cell.set_field(ex, field, &all, v)
                    .map_err(|e| format!("homeostasis.{key}: {e}"))?;
            }
        }
        direction = Some(excitability(at));
    }
    let spec = ObjectiveSpec {
        instance,
        direction,
        ..base
    };
    let mut controller =
        Controller::new(cell, &spec, &params, settings).map_err(|e| format!("homeostasis: {e}"))?;
    for (i, a) in h.adapt.iter().enumerate() {
        if a.lower.is_some() || a.upper.is_some() {
            let p = controller.adapted()[i];
            controller
                .set_bounds(i, a.lower.unwrap_or(p.lower), a.upper.unwrap_or(p.upper))
                .map_err(|e| format!("homeostasis.adapt[{i}]: {e}"))?;
        }
    }
    Ok(Attached {
        controller,
        objective,
        instance,
        params,
        names,
    })
}

/// Inserts the observer `name` on `section` and returns it with its instance at the section's
/// middle, the one the controller reads.
fn insert_observer(
    cell: &mut Cell,
    library: &Library,
    name: &str,
    section: &str,
) -> Result<(MechId, usize), String> {
    let mech = library
        .make(name)
        .ok_or_else(|| format!("no `{name}` mechanism in the catalogue"))?;
    let id = cell
        .insert(mech, &Region::section(section))
        .map_err(|e| format!("homeostasis.section: {e}"))?;
    let cv = cell
        .cv_at(section, 0.5)
        .map_err(|e| format!("homeostasis.section: {e}"))?;
    let instance = cell
        .mechanism(id)
        .nodes()
        .iter()
        .position(|&n| n == cv)
        .ok_or_else(|| format!("homeostasis.section: `{name}` has no instance at its middle"))?;
    Ok((id, instance))
}
