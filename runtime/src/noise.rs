//! An Ornstein–Uhlenbeck current source: a point process injecting I = gain·(mean + sigma·z), where
//! z is a unit-variance OU process with correlation time tau, drawn from a counter-based generator.
//!
//! The source is an ordinary [`Mechanism`], written by hand, whose name the program that places it
//! gives ([`OuSource::named`]: the runtime names no mechanism). Its parameters
//! `gain`, `mean` (nA), `sigma` (nA) and `tau` (ms) are differentiable like any mechanism parameter,
//! with hand-written tangents (dI/dgain = mean + sigma·z, dI/dmean = gain, dI/dsigma = gain·z, and
//! dI/dtau through the tangent of z). Its `seed` chooses the random stream.
//!
//! z is advanced by the exact discretisation of dz = −z/tau dt + sqrt(2/tau) dW over one step:
//! z_{n+1} = a·z_n + sqrt(1 − a²)·ξ_n with a = exp(−dt/tau) and ξ_n standard normal; z_0 is drawn
//! from the stationary distribution. ξ_n is a pure function of (seed, instance, n): a SplitMix64
//! mix of a key made from the seed and the instance, at counter n (Box–Muller on two 53-bit
//! uniforms). Each cell owns its sources, so a network gives the same numbers bit for bit whatever
//! the number of threads, provided every cell has its own seed.
//!
//! The current is an electrode current (inward positive, as an IClamp) and is evaluated at z_n
//! during the step from t_n to t_{n+1}.

use crate::cell::{Cell, MechId};
use crate::error::{Error, Result, check_finite};
use crate::mechanism::{
    Context, FieldInfo, FieldRole, Mechanism, MechanismInfo, MechanismKind, Tangents,
};

/// Field indices, in [`FIELDS`] order.
const GAIN: usize = 0;
const MEAN: usize = 1;
const SIGMA: usize = 2;
const TAU: usize = 3;
const SEED: usize = 4;
const Z: usize = 5;
const I: usize = 6;
const NFIELDS: usize = 7;

static FIELDS: [FieldInfo; NFIELDS] = [
    FieldInfo::new("gain", "1", 1.0, FieldRole::Parameter),
    FieldInfo::new("mean", "nA", 0.0, FieldRole::Parameter),
    FieldInfo {
        name: "sigma",
        unit: "nA",
        default: 0.0,
        role: FieldRole::Parameter,
        lower: Some(0.0),
        upper: None,
    },
    FieldInfo {
        name: "tau",
        unit: "ms",
        default: 5.0,
        role: FieldRole::Parameter,
        lower: Some(1e-9),
        upper: None,
    },
    // The seed is an assigned variable so that it cannot be declared a differentiable parameter.
    FieldInfo::new("seed", "1", 0.0, FieldRole::Assigned),
    FieldInfo::new("z", "1", 0.0, FieldRole::State),
    FieldInfo::new("i", "nA", 0.0, FieldRole::Assigned),
];

/// The OU source as a mechanism of a given name: its metadata. The runtime names no mechanism,
/// so the program that places sources declares one, as
/// `static NOISE: OuSource = OuSource::named("ou_noise");`, and passes it to
/// [`Cell::add_ou_noise`]; models then name the source's parameters `ou_noise.gain` and so on.
#[derive(Debug)]
pub struct OuSource {
    info: MechanismInfo,
}

impl OuSource {
    /// The OU source named `name`.
    pub const fn named(name: &'static str) -> Self {
        OuSource {
            info: MechanismInfo {
                name,
                kind: MechanismKind::Point,
                fields: &FIELDS,
                ions: &[],
                net_receive: false,
                net_args: &[],
                emit_slots: 0,
                voltage_process: false,
                post_event: false,
                vector: false,
                function_tables: &[],
            },
        }
    }

    /// Its mechanism name.
    pub fn name(&self) -> &'static str {
        self.info.name
    }
}

/// Parameters of an OU current source, for [`Cell::add_ou_noise`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OuParams {
    /// Mean current before the gain (nA).
    pub mean: f64,
    /// Standard deviation before the gain (nA).
    pub sigma: f64,
    /// Correlation time (ms).
    pub tau: f64,
    /// Gain multiplying the whole current (dimensionless).
    pub gain: f64,
    /// Seed of the random stream (an integer below 2^53).
    pub seed: u64,
}

impl Default for OuParams {
    /// No current: mean 0, sigma 0, tau 5 ms, gain 1, seed 0.
    fn default() -> Self {
        Self {
            mean: 0.0,
            sigma: 0.0,
            tau: 5.0,
            gain: 1.0,
            seed: 0,
        }
    }
}

/// The OU current source mechanism (one instance per placement).
#[derive(Clone, Debug)]
struct OuNoise {
    /// Its metadata, under the name its program gave it.
    info: &'static MechanismInfo,
    node: Vec<usize>,
    weight: Vec<f64>,
    fields: [Vec<f64>; NFIELDS],
    /// Steps taken since `init`: the counter of the random stream.
    counter: u64,
    /// State tangents dz/dθ_k, `[k][instance]`.
    dz: Vec<f64>,
    /// Per instance: the decay factors of the last (tau, dt) seen, so that the exponential is
    /// taken again only when tau or dt changes.
    decays: Vec<Decay>,
    /// Per instance: the seed bits and the stream key hashed from them and the instance, once drawn.
    keys: Vec<Option<(u64, u64)>>,
}

/// The decay factors of one instance for one (tau, dt): a = exp(−dt/tau), b = sqrt(1 − a²) and
/// their derivatives in tau.
#[derive(Clone, Copy, Debug)]
struct Decay {
    tau: f64,
    dt: f64,
    a: f64,
    b: f64,
    da: f64,
    db: f64,
}

impl Decay {
    /// A cache entry that matches no (tau, dt).
    const EMPTY: Self = Self {
        tau: f64::NAN,
        dt: f64::NAN,
        a: 0.0,
        b: 0.0,
        da: 0.0,
        db: 0.0,
    };

    /// The factors for (tau, dt).
    fn new(tau: f64, dt: f64) -> Self {
        let a = (-dt / tau).exp();
        let b2 = 1.0 - a * a;
        let b = b2.max(0.0).sqrt();
        let da = a * dt / (tau * tau);
        let db = if b > 0.0 { -a * da / b } else { 0.0 };
        Self {
            tau,
            dt,
            a,
            b,
            da,
            db,
        }
    }
}

impl OuNoise {
    /// A new, unplaced source, described by `source`.
    fn new(source: &'static OuSource) -> Self {
        OuNoise {
            info: &source.info,
            node: Vec::new(),
            weight: Vec::new(),
            fields: Default::default(),
            counter: 0,
            dz: Vec::new(),
            decays: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// The standard normal ξ of instance j at counter n (the stream key is hashed again only when
    /// the seed field changes).
    fn xi(&mut self, j: usize, n: u64) -> f64 {
        let seed = seed_bits(self.fields[SEED][j]);
        let key = match self.keys[j] {
            Some((bits, key)) if bits == seed => key,
            _ => {
                let key = stream_key(seed, j as u64);
                self.keys[j] = Some((seed, key));
                key
            }
        };
        normal_at(key, n)
    }

    /// a = exp(−dt/tau), sqrt(1 − a²) and d(a)/d(tau), d(sqrt(1 − a²))/d(tau) for instance j.
    fn decay(&mut self, j: usize, dt: f64) -> (f64, f64, f64, f64) {
        let tau = self.fields[TAU][j];
        let d = &mut self.decays[j];
        if d.tau != tau || d.dt != dt {
            *d = Decay::new(tau, dt);
        }
        (d.a, d.b, d.da, d.db)
    }
}

/// The seed field as the integer it holds (negative and non-finite values give 0).
fn seed_bits(seed: f64) -> u64 {
    if seed.is_finite() && seed > 0.0 {
        seed as u64
    } else {
        0
    }
}

pub use crate::random::{normal, random_word};
use crate::random::{normal_at, stream_key};

impl Mechanism for OuNoise {
    fn info(&self) -> &'static MechanismInfo {
        self.info
    }

    fn allocate(&mut self, nodes: &[usize], weights: &[f64]) {
        self.node = nodes.to_vec();
        self.weight = weights.to_vec();
        for (f, info) in self.fields.iter_mut().zip(&FIELDS) {
            *f = vec![info.default; nodes.len()];
        }
        self.dz.clear();
        self.decays = vec![Decay::EMPTY; nodes.len()];
        self.keys = vec![None; nodes.len()];
    }

    fn instance_count(&self) -> usize {
        self.node.len()
    }

    fn nodes(&self) -> &[usize] {
        &self.node
    }

    fn field(&self, field: usize) -> &[f64] {
        &self.fields[field]
    }

    fn field_mut(&mut self, field: usize) -> &mut [f64] {
        &mut self.fields[field]
    }

    fn set_tangent_count(&mut self, k: usize) {
        self.dz = vec![0.0; k * self.node.len()];
    }

    fn state_tangents(&self) -> &[f64] {
        &self.dz
    }

    fn state_tangents_mut(&mut self) -> &mut [f64] {
        &mut self.dz
    }

    fn init(&mut self, _ctx: &mut Context) {
        self.counter = 0;
        for j in 0..self.node.len() {
            // Stationary start; position u64::MAX of the stream is never reached by the steps.
            self.fields[Z][j] = self.xi(j, u64::MAX / 2);
            self.fields[I][j] = 0.0;
        }
    }

    fn currents(&mut self, ctx: &mut Context) {
        for j in 0..self.node.len() {
            let f = &self.fields;
            let i = f[GAIN][j] * (f[MEAN][j] + f[SIGMA][j] * f[Z][j]);
            self.fields[I][j] = i;
            // An electrode current: depolarising when positive.
            ctx.i[self.node[j]] -= self.weight[j] * i;
        }
    }

    fn states(&mut self, ctx: &mut Context) {
        for j in 0..self.node.len() {
            let (a, b, _, _) = self.decay(j, ctx.dt);
            let xi = self.xi(j, self.counter);
            self.fields[Z][j] = a * self.fields[Z][j] + b * xi;
        }
        self.counter += 1;
    }

    fn init_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {
        // z_0 depends on no parameter.
        self.dz.fill(0.0);
    }

    fn currents_tangent(&mut self, _ctx: &mut Context, tan: &mut Tangents) {
        let ni = self.node.len();
        let ncv = tan.ncv;
        let f = &self.fields;
        for k in 0..tan.k {
            let seed = tan.seeds.get(k).and_then(|s| s.as_ref());
            let dz = &self.dz[k * ni..(k + 1) * ni];
            let di_k = &mut tan.di[k * ncv..(k + 1) * ncv];
            for j in 0..ni {
                let (gain, mean, sigma, z) = (f[GAIN][j], f[MEAN][j], f[SIGMA][j], f[Z][j]);
                let mut di = gain * sigma * dz[j];
                if let Some(s) = seed {
                    let p = s.factor[j];
                    di += p * match s.param {
                        GAIN => mean + sigma * z,
                        MEAN => gain,
                        SIGMA => gain * z,
                        _ => 0.0,
                    };
                }
                di_k[self.node[j]] -= self.weight[j] * di;
            }
        }
    }

    /// Advances dz and then z itself (fused, so that the decay factors and the normal variate are
    /// looked up once per step).
    fn states_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let ni = self.node.len();
        for j in 0..ni {
            let (a, b, da, db) = self.decay(j, ctx.dt);
            let z = self.fields[Z][j];
            let xi = self.xi(j, self.counter);
            for k in 0..tan.k {
                let mut dz = a * self.dz[k * ni + j];
                if let Some(s) = tan.seeds.get(k).and_then(|s| s.as_ref())
                    && s.param == TAU
                {
                    dz += s.factor[j] * (da * z + db * xi);
                }
                self.dz[k * ni + j] = dz;
            }
            self.fields[Z][j] = a * z + b * xi;
        }
        self.counter += 1;
    }

    fn fused_states(&self) -> bool {
        true
    }
}

impl Cell {
    /// Places an OU current source at (section, x) with the given parameters, as a mechanism
    /// named as `source` says; returns its handle. Its parameters can be declared differentiable
    /// with `ParamSpec::mechanism(source.name(), "gain")` (or `mean`, `sigma`, `tau`) and read or
    /// written like any mechanism field. Several sources on one cell are instances of one
    /// mechanism only if placed in one call; use a different seed per cell for independent
    /// streams.
    pub fn add_ou_noise(
        &mut self,
        source: &'static OuSource,
        section: &str,
        x: f64,
        p: OuParams,
    ) -> Result<MechId> {
        for (name, v) in [
            ("mean", p.mean),
            ("sigma", p.sigma),
            ("tau", p.tau),
            ("gain", p.gain),
        ] {
            check_finite(|| format!("OU noise {name}"), v)?;
        }
        if p.sigma < 0.0 || p.tau <= 0.0 {
            return Err(Error::BadValue {
                object: "OU noise".into(),
                value: if p.sigma < 0.0 { p.sigma } else { p.tau },
                message: "needs sigma ≥ 0 and tau > 0".into(),
            });
        }
        if p.seed >= 1 << 53 {
            return Err(Error::BadValue {
                object: "OU noise seed".into(),
                value: p.seed as f64,
                message: "must be below 2^53".into(),
            });
        }
        let id = self.place(Box::new(OuNoise::new(source)), &[(section, x)])?;
        let m = self.mechs.slot_mut(id.0).mech_mut();
        for (field, v) in [
            (GAIN, p.gain),
            (MEAN, p.mean),
            (SIGMA, p.sigma),
            (TAU, p.tau),
            (SEED, p.seed as f64),
        ] {
            m.field_mut(field)[0] = v;
        }
        Ok(id)
    }
}
