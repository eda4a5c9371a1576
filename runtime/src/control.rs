//! Online homeostatic control (docs/DESIGN.md, "Online mode"): parameters adapt between steps by
//! descending the tangent of an objective state (gradient mode), or by stepping along the mean
//! tangent of a tracked state in proportion to its error (tracking mode).
//!
//! A [`Controller`] belongs to one cell. It reads g_k = de/dθ_k, the tangent of an objective state
//! `e` of an observer mechanism (for example `rate_objective`, whose e' = (f − f_target)²/2), for
//! every adapted parameter θ_k, and updates
//!
//! ```text
//! u_k = s_k·g_k                         (gradient in relative units, s_k = |θ_k(0)|, or 1 if 0)
//! u  ← u·min(1, clip/‖u‖)               (gradient-norm clipping)
//! θ_k ← clamp(θ_k − α·n·dt·s_k·u_k, lower_k, upper_k)
//! ```
//!
//! every n steps, with α optionally decaying as α/(1 + t/T) after the warm-up. The learning rate α
//! is thus scaled by each parameter's initial value: it is the
//! rate of plain gradient descent on the relative parameters θ_k/θ_k(0), so parameters of very
//! different magnitudes (a conductance in S/cm², a dimensionless gain) move by similar relative
//! amounts. The cell's forgetting rate λ (set with [`Cell::set_forgetting`]) makes g_k an
//! exponentially weighted recent gradient. Bounds default to the field's declared range and, for
//! parameters declared non-negative there (conductances), to θ ≥ 0.
//!
//! # Tracking mode
//!
//! Gradient mode settles below the target rate, and can fall silent for good: its stationary point
//! is E[(f − f*)·g] = 0, and the tangent g of a rate estimate is large exactly where spikes (and
//! near-threshold events) cluster, where f is high, so the rate settles where E\[f·g\]/E\[g\] = f*,
//! below f* (by 10–30% at 1–2 Hz on the HH cell of experiment 1); once the cell is silent the
//! tangents vanish and so does every update. With an [`ObjectiveSpec`] that names the tracked
//! state's target field (`target`, for example `gradmod::homeostasis::rate_tracking`: `f` and
//! `ftarget`), the controller instead separates the error from the sensitivity, as a
//! Gauss–Newton or Robbins–Monro root finder for f(θ) = f* does:
//!
//! ```text
//! u_k = s_k·dx/dθ_k,  u ← u·min(1, clip/‖u‖)    (relative sensitivity of the tracked state x)
//! G  ← G + (n·dt/τ_G)·(u − G)                    (its running mean, time constant τ_G)
//! err = clamp((x − x*)/|x*|, −c, c)               (relative error, bounded by c)
//! θ_k ← clamp(θ_k − α·n·dt·s_k·err·G_k/‖G‖, lower_k, upper_k)
//! ```
//!
//! The error enters linearly and the direction G/‖G‖ is a slow average (τ_G = 20 s against
//! inter-spike intervals under a second), nearly uncorrelated with the momentary error, so the
//! stationary point is E\[x\] = x*: no bias from the tangents' timing. The magnitude of the
//! tangents, heavy-tailed near threshold (bursts of 10⁴ times the median), no longer sets the step
//! size; only their mean direction matters. In silence the error is −1 and the step keeps its last
//! direction, so silence is no longer absorbing. α is now a plain rate (1/ms): the relative
//! parameters move at most α·c per ms.
//!
//! The linearised loop of tracking mode is stable for every α > 0 and critically damped at
//! α = 1/(4·τ_f·E), with E the rate's elasticity along G; the admissible rates measured on the
//! cells of the examples are in docs/homeostasis.md.
//!
//! # Outliers among the sensitivity samples
//!
//! The samples u are heavy-tailed (a near-threshold event makes df/dθ jump to 10² to 10⁴ times its
//! typical size for seconds), so the running mean G is a robust one: a sample longer than
//! `outlier` times the running mean s of the (shortened) sample norms is shortened to that length,
//!
//! ```text
//! ũ = u·min(1, K·s/‖u‖),   s ← s + (n·dt/τ_G)·(‖ũ‖ − s),   G ← G + (n·dt/τ_G)·(ũ − G)
//! ```
//!
//! (K = `outlier`; s starts at the first sample's norm), so one event moves G by at most about K
//! typical samples' worth per sample, while s still follows a lasting change of scale.
//!
//! # The step direction from another state
//!
//! [`ObjectiveSpec::direction`] lets another state supply the samples u, while the error still
//! comes from the tracked state; the stationary point stays E\[x\] = x*, since the error enters
//! linearly. The built-in choice is the state `a` of
//! `mod_files/excitability.mod` (`gradmod::homeostasis::excitability`) (a soft threshold indicator S(v) filtered with τ = 1 ms), whose
//! tangent is dense where a filtered spike count's is rare and heavy-tailed.
//!
//! # Gradient mode
//!
//! Its linearised loop is stable for 0 < α < λ(1 + λτ_f)/(τ_f·G·R); the observed limit is far
//! lower and nonlinear (silence is absorbing: without spikes the tangents vanish), which is why
//! the gradient norm is clipped. Measurements and the reasons for each default:
//! docs/homeostasis.md.
//!
//! Parameters are the cell's tangent parameters ([`Cell::add_parameter`]), so they may be tied
//! across regions or restricted to one; for a network, one controller per cell adapts each cell's
//! own copy, and [`tie_gradients`] averages the gradients of several cells' controllers for
//! parameters shared by the population.

use crate::cell::{Cell, MechId};
use crate::error::{Error, Result, check_finite};
use crate::mechanism::FieldRole;
use crate::params::ParamTarget;

/// Settings of a controller.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlSettings {
    /// Learning rate α (per ms, in the units of the objective's tangent), applied to relative
    /// parameters.
    pub rate: f64,
    /// Largest norm of the relative gradient u (infinite: no clipping).
    pub clip: f64,
    /// Update every `every` steps (at least 1), by α·every·dt.
    pub every: u64,
    /// Steps before the first update (lets the observer and the tangents settle).
    pub warmup: u64,
    /// Decay time T (ms) of the learning rate: α(t) = α/(1 + (t − t_warmup)/T), a Robbins–Monro
    /// schedule that lets the parameters settle once the target is reached (infinite: constant α).
    pub decay: f64,
    /// Tracking mode only: time constant τ_G (ms) of the running mean G of the sensitivity.
    pub average: f64,
    /// Tracking mode only: bound c on the relative error, |(x − x*)/x*| ≤ c.
    pub max_error: f64,
    /// Tracking mode only: samples of the sensitivity longer than this many times the running
    /// mean of their norms are shortened to that length before they enter G (infinite: never;
    /// module documentation, "Outliers among the sensitivity samples").
    pub outlier: f64,
}

impl Default for ControlSettings {
    /// α = 1e-3, no clipping, every step, no warm-up, no decay, τ_G = 20 s, c = 1, outliers
    /// shortened to 3 times the running mean norm.
    fn default() -> Self {
        Self {
            rate: 1e-3,
            clip: f64::INFINITY,
            every: 1,
            warmup: 0,
            decay: f64::INFINITY,
            average: 20_000.0,
            max_error: 1.0,
            outlier: 3.0,
        }
    }
}

/// The objective: a state of one instance of a mechanism placed on the cell.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveSpec {
    /// Mechanism name (for example `rate_objective`; the runtime knows no mechanism by name: the
    /// model description names it).
    pub mechanism: String,
    /// State name (for example `e`).
    pub state: String,
    /// Instance index.
    pub instance: usize,
    /// Tracking mode: the parameter field holding the state's target x*. When absent, the
    /// controller descends the state's tangent (gradient mode).
    pub target: Option<String>,
    /// Tracking mode: the state whose tangent gives the step direction (its running mean G).
    /// When absent, the tracked state's own tangent does.
    pub direction: Option<StateRef>,
}

/// A state of one instance of a mechanism placed on the cell.
#[derive(Clone, Debug, PartialEq)]
pub struct StateRef {
    /// Mechanism name (for example `excitability`).
    pub mechanism: String,
    /// State name (for example `a`).
    pub state: String,
    /// Instance index.
    pub instance: usize,
}

/// One adapted parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adapted {
    /// Index k of the cell's tangent parameter.
    pub k: usize,
    /// Scale s_k: |θ_k| when the controller was made (1 if that was 0).
    pub scale: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// An online controller of one cell.
#[derive(Clone, Debug)]
pub struct Controller {
    /// Settings.
    pub settings: ControlSettings,
    params: Vec<Adapted>,
    mech: MechId,
    /// The mechanism whose state tangent is read: the objective's, or the direction state's.
    source: MechId,
    /// Offset of that state's tangent for column 0 in the source's σ buffer, and the stride
    /// between columns.
    offset: usize,
    stride: usize,
    /// Tracking mode: field indices of the state and of its target.
    tracking: Option<(usize, usize)>,
    instance: usize,
    grad: Vec<f64>,
    /// Tracking mode: the running mean G of the relative sensitivity.
    mean: Vec<f64>,
    /// Tracking mode: the running mean of the shortened samples' norms (0 before the first).
    scale: f64,
    updates: u64,
}

impl Controller {
    /// A controller of the cell's tangent parameters `ks` (all if empty) towards the objective.
    /// Bounds are the declared ranges of the parameters' fields (none for cable properties and
    /// clamp amplitudes, which [`Cell::set_parameter`] checks itself); log-scaled parameters are
    /// rejected, since their θ is already relative.
    pub fn new(
        cell: &Cell,
        objective: &ObjectiveSpec,
        ks: &[usize],
        settings: ControlSettings,
    ) -> Result<Self> {
        check_finite(|| "learning rate".into(), settings.rate)?;
        if settings.rate < 0.0
            || settings.clip.is_nan()
            || settings.clip <= 0.0
            || settings.decay.is_nan()
            || settings.decay <= 0.0
            || settings.average.is_nan()
            || settings.average <= 0.0
            || settings.max_error.is_nan()
            || settings.max_error <= 0.0
            || settings.outlier.is_nan()
            || settings.outlier < 1.0
        {
            return Err(Error::BadValue {
                object: "controller".into(),
                value: settings.rate,
                message: "needs a learning rate ≥ 0, a positive clip, decay time, averaging \
                          time and error bound, and an outlier factor ≥ 1"
                    .into(),
            });
        }
        let obj = StateRef {
            mechanism: objective.mechanism.clone(),
            state: objective.state.clone(),
            instance: objective.instance,
        };
        let (mech, f, offset, stride) = state_slot(cell, &obj, "objective")?;
        let info = cell.mechanism(mech).info();
        let tracking = match &objective.target {
            Some(t) => {
                let ti = cell.field_index(mech, t)?;
                if info.fields[ti].role != FieldRole::Parameter {
                    return Err(Error::Invalid(format!(
                        "target {}.{t} of the tracked state is not a PARAMETER",
                        info.name
                    )));
                }
                Some((f, ti))
            }
            None => None,
        };
        let (source, offset, stride) = match (&objective.direction, tracking) {
            (None, _) => (mech, offset, stride),
            (Some(d), Some(_)) => {
                let (dm, _, offset, stride) = state_slot(cell, d, "direction")?;
                (dm, offset, stride)
            }
            (Some(_), None) => {
                return Err(Error::Invalid(
                    "a direction state needs tracking mode (a target for the objective)".into(),
                ));
            }
        };
        let ks: Vec<usize> = if ks.is_empty() {
            (0..cell.parameter_count()).collect()
        } else {
            ks.to_vec()
        };
        let mut params = Vec::with_capacity(ks.len());
        for &k in &ks {
            if k >= cell.parameter_count() {
                return Err(Error::UnknownName {
                    kind: "parameter",
                    name: k.to_string(),
                });
            }
            let p = &cell.params[k];
            if p.log {
                return Err(Error::Invalid(format!(
                    "parameter {} is log-scaled; the controller scales parameters itself",
                    p.name
                )));
            }
            let (mut lower, mut upper) = (f64::NEG_INFINITY, f64::INFINITY);
            if let ParamTarget::Mechanism { mech, field } = p.target {
                let fi = &cell.mechanism(mech).info().fields[field];
                debug_assert_eq!(fi.role, FieldRole::Parameter);
                lower = fi.lower.unwrap_or(lower);
                upper = fi.upper.unwrap_or(upper);
            }
            let theta = cell.parameter(k);
            let scale = if theta != 0.0 { theta.abs() } else { 1.0 };
            params.push(Adapted {
                k,
                scale,
                lower,
                upper,
            });
        }
        Ok(Self {
            settings: ControlSettings {
                every: settings.every.max(1),
                ..settings
            },
            grad: vec![0.0; params.len()],
            mean: vec![0.0; params.len()],
            scale: 0.0,
            params,
            mech,
            source,
            offset,
            stride,
            tracking,
            instance: objective.instance,
            updates: 0,
        })
    }

    /// The adapted parameters.
    pub fn adapted(&self) -> &[Adapted] {
        &self.params
    }

    /// Sets the bounds of the i-th adapted parameter.
    pub fn set_bounds(&mut self, i: usize, lower: f64, upper: f64) -> Result<()> {
        if lower.is_nan() || upper.is_nan() || lower > upper {
            return Err(Error::BadValue {
                object: format!("bounds of adapted parameter {i}"),
                value: lower,
                message: format!("need lower ≤ upper (upper {upper})"),
            });
        }
        let p = self.params.get_mut(i).ok_or_else(|| Error::UnknownName {
            kind: "adapted parameter",
            name: i.to_string(),
        })?;
        p.lower = lower;
        p.upper = upper;
        Ok(())
    }

    /// Number of updates applied so far.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// The relative gradient u of the last update (after clipping), one entry per adapted parameter;
    /// in tracking mode, after an update, the relative step direction err·G/‖G‖ instead.
    pub fn gradient(&self) -> &[f64] {
        &self.grad
    }

    /// The relative gradient (tracking mode: the sensitivity sample) that the next [`Self::apply`]
    /// uses; [`Self::read_gradient`] fills it from the cell's tangents.
    pub fn gradient_mut(&mut self) -> &mut [f64] {
        &mut self.grad
    }

    /// Tracking mode: the running mean G of the relative sensitivity (zero in gradient mode).
    pub fn mean_sensitivity(&self) -> &[f64] {
        &self.mean
    }

    /// Reads the relative gradient u_k = s_k·de/dθ_k from the cell's tangents into `gradient()`,
    /// before clipping.
    pub fn read_gradient(&mut self, cell: &Cell) {
        let sigma = cell.mechanism(self.source).state_tangents();
        for (g, p) in self.grad.iter_mut().zip(&self.params) {
            *g = p.scale
                * sigma
                    .get(p.k * self.stride + self.offset)
                    .copied()
                    .unwrap_or(0.0);
        }
    }

    /// Whether the cell's step count calls for an update now.
    pub fn due(&self, cell: &Cell) -> bool {
        let n = cell.step_count();
        n >= self.settings.warmup.max(1) && n.is_multiple_of(self.settings.every)
    }

    /// Call after each step: updates the parameters when due; returns whether it did.
    pub fn after_step(&mut self, cell: &mut Cell) -> Result<bool> {
        if !self.due(cell) {
            return Ok(false);
        }
        self.read_gradient(cell);
        self.apply(cell)?;
        Ok(true)
    }

    /// Clips the gradient held in `gradient()` and applies one update to the cell's parameters.
    pub fn apply(&mut self, cell: &mut Cell) -> Result<()> {
        let norm = self.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        if !norm.is_finite() {
            return Err(Error::Invalid(format!(
                "controller gradient is not finite at t = {} ms: {:?}",
                cell.t(),
                self.grad
            )));
        }
        if norm > self.settings.clip {
            let c = self.settings.clip / norm;
            self.grad.iter_mut().for_each(|g| *g *= c);
        }
        let dt = cell.settings().dt;
        let since = (cell.step_count().saturating_sub(self.settings.warmup)) as f64 * dt;
        let rate = self.settings.rate / (1.0 + since / self.settings.decay);
        let mut step = rate * self.settings.every as f64 * dt;
        // Tracking mode: the step is −α·n·dt·err·G/‖G‖, so `grad` becomes err·G/‖G‖.
        if let Some((state, target)) = self.tracking {
            let m = cell.mechanism(self.mech);
            let x = m.field(state)[self.instance];
            let xt = m.field(target)[self.instance];
            let w = (self.settings.every as f64 * dt / self.settings.average).min(1.0);
            // A robust mean: an outlier is shortened to `outlier` times the running mean norm.
            let unorm = self.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
            if unorm > 0.0 {
                if self.scale == 0.0 {
                    self.scale = unorm;
                }
                let shorten = (self.settings.outlier * self.scale / unorm).min(1.0);
                self.scale += w * (unorm * shorten - self.scale);
                for (g, u) in self.mean.iter_mut().zip(&self.grad) {
                    *g += w * (u * shorten - *g);
                }
            }
            let gnorm = self.mean.iter().map(|g| g * g).sum::<f64>().sqrt();
            let c = self.settings.max_error;
            let err = if xt != 0.0 {
                ((x - xt) / xt.abs()).clamp(-c, c)
            } else {
                (x - xt).clamp(-c, c)
            };
            if gnorm > 0.0 && gnorm.is_finite() {
                for (u, g) in self.grad.iter_mut().zip(&self.mean) {
                    *u = err * g / gnorm;
                }
            } else {
                step = 0.0;
            }
        }
        for (p, &u) in self.params.iter().zip(&self.grad) {
            let theta = cell.parameter(p.k) - step * p.scale * u;
            cell.set_parameter(p.k, theta.clamp(p.lower, p.upper))?;
        }
        self.updates += 1;
        Ok(())
    }
}

/// The mechanism of a state reference, the state's field index, and the offset of its tangent
/// for column 0 in the mechanism's σ buffer with the stride between columns; `what` names the
/// reference in errors.
fn state_slot(cell: &Cell, r: &StateRef, what: &str) -> Result<(MechId, usize, usize, usize)> {
    let mech = cell.mechanism_id(&r.mechanism)?;
    let m = cell.mechanism(mech);
    let info = m.info();
    let f = cell.field_index(mech, &r.state)?;
    let pos = info.state_position(f).ok_or_else(|| {
        Error::Invalid(format!(
            "{what} {}.{} is not a STATE, so it has no tangent",
            info.name, r.state
        ))
    })?;
    let ni = m.instance_count();
    if r.instance >= ni {
        return Err(Error::UnknownName {
            kind: "instance",
            name: format!("{}[{}]", info.name, r.instance),
        });
    }
    Ok((mech, f, pos * ni + r.instance, info.sigma_rows() * ni))
}

/// For parameters tied across cells: replaces each controller's gradient by the mean over all of
/// them (call `read_gradient` on each first, then `apply` on each). In tracking mode this averages
/// the sensitivity samples, while each controller keeps its own cell's error.
pub fn tie_gradients(controllers: &mut [Controller]) {
    let Some(n) = controllers.first().map(|c| c.grad.len()) else {
        return;
    };
    let mut mean = vec![0.0; n];
    for c in controllers.iter() {
        for (m, g) in mean.iter_mut().zip(&c.grad) {
            *m += g / controllers.len() as f64;
        }
    }
    for c in controllers.iter_mut() {
        c.grad.copy_from_slice(&mean);
    }
}
