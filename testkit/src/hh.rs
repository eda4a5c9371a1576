//! NEURON's `hh.mod` with exact rates (`usetable_hh = 0`) and hand-written tangents for all its
//! parameters. Rates use dual numbers for their exact derivative in v.

use crate::dual::Dual;
use gradmod_runtime::mechanism::{
    Context, FieldInfo, FieldRole, IonUse, IonVar, Mechanism, MechanismInfo, MechanismKind,
    Tangents,
};

static FIELDS: [FieldInfo; 15] = [
    FieldInfo::new("gnabar", "S/cm2", 0.12, FieldRole::Parameter),
    FieldInfo::new("gkbar", "S/cm2", 0.036, FieldRole::Parameter),
    FieldInfo::new("gl", "S/cm2", 0.0003, FieldRole::Parameter),
    FieldInfo::new("el", "mV", -54.3, FieldRole::Parameter),
    FieldInfo::new("m", "1", 0.0, FieldRole::State),
    FieldInfo::new("h", "1", 0.0, FieldRole::State),
    FieldInfo::new("n", "1", 0.0, FieldRole::State),
    FieldInfo::new("gna", "S/cm2", 0.0, FieldRole::Assigned),
    FieldInfo::new("gk", "S/cm2", 0.0, FieldRole::Assigned),
    FieldInfo::new("il", "mA/cm2", 0.0, FieldRole::Assigned),
    FieldInfo::new("minf", "1", 0.0, FieldRole::Assigned),
    FieldInfo::new("hinf", "1", 0.0, FieldRole::Assigned),
    FieldInfo::new("ninf", "1", 0.0, FieldRole::Assigned),
    FieldInfo::new("mtau", "ms", 0.0, FieldRole::Assigned),
    FieldInfo::new("htau", "ms", 0.0, FieldRole::Assigned),
];

static IONS: [IonUse; 2] = [
    IonUse {
        name: "na",
        valence: None,
        reads: &[IonVar::Reversal],
        writes: &[IonVar::Current],
    },
    IonUse {
        name: "k",
        valence: None,
        reads: &[IonVar::Reversal],
        writes: &[IonVar::Current],
    },
];

static INFO: MechanismInfo = MechanismInfo {
    name: "hh",
    kind: MechanismKind::Density,
    fields: &FIELDS,
    ions: &IONS,
    net_receive: false,
    net_args: &[],
    emit_slots: 0,
    voltage_process: false,
    post_event: false,
    vector: false,
    function_tables: &[],
};

const GNABAR: usize = 0;
const GKBAR: usize = 1;
const GL: usize = 2;
const EL: usize = 3;
const M: usize = 4;
const NSTATE: usize = 3;

fn vtrap(x: Dual, y: f64) -> Dual {
    if (x.v / y).abs() < 1e-6 {
        y * (Dual::cst(1.0) - x / y / 2.0)
    } else {
        x / ((x / y).exp() + -1.0)
    }
}

/// (inf, tau) of m, h, n at v, each with its derivative in v.
fn rates(v: f64, celsius: f64) -> [(Dual, Dual); 3] {
    let q10 = 3f64.powf((celsius - 6.3) / 10.0);
    let v = Dual::var(v);
    let pair = |alpha: Dual, beta: Dual| {
        let sum = alpha + beta;
        (alpha / sum, Dual::cst(1.0) / (q10 * sum))
    };
    let am = 0.1 * vtrap(-(v + 40.0), 10.0);
    let bm = 4.0 * (-(v + 65.0) / 18.0).exp();
    let ah = 0.07 * (-(v + 65.0) / 20.0).exp();
    let bh = Dual::cst(1.0) / ((-(v + 35.0) / 10.0).exp() + 1.0);
    let an = 0.01 * vtrap(-(v + 55.0), 10.0);
    let bn = 0.125 * (-(v + 65.0) / 80.0).exp();
    [pair(am, bm), pair(ah, bh), pair(an, bn)]
}

fn vtrap_f(x: f64, y: f64) -> f64 {
    if (x / y).abs() < 1e-6 {
        y * (1.0 - x / y / 2.0)
    } else {
        x / ((x / y).exp() - 1.0)
    }
}

/// (alpha, beta) of m, h, n at v without derivatives (the forward kernels' fast path).
#[inline(always)]
fn alpha_beta(v: f64) -> [(f64, f64); 3] {
    let am = 0.1 * vtrap_f(-(v + 40.0), 10.0);
    let bm = 4.0 * (-(v + 65.0) / 18.0).exp();
    let ah = 0.07 * (-(v + 65.0) / 20.0).exp();
    let bh = 1.0 / ((-(v + 35.0) / 10.0).exp() + 1.0);
    let an = 0.01 * vtrap_f(-(v + 55.0), 10.0);
    let bn = 0.125 * (-(v + 65.0) / 80.0).exp();
    [(am, bm), (ah, bh), (an, bn)]
}

/// Hodgkin–Huxley sodium, potassium and leak channels.
#[derive(Default)]
pub struct Hh {
    node: Vec<usize>,
    weight: Vec<f64>,
    fields: Vec<Vec<f64>>,
    /// σ, `[k][state][instance]`.
    sigma: Vec<f64>,
}

impl Hh {
    /// A mechanism with no instances yet.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Mechanism for Hh {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    fn allocate(&mut self, nodes: &[usize], weights: &[f64]) {
        self.node = nodes.to_vec();
        self.weight = weights.to_vec();
        self.fields = FIELDS
            .iter()
            .map(|f| vec![f.default; nodes.len()])
            .collect();
        self.sigma.clear();
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
        self.sigma = vec![0.0; k * NSTATE * self.node.len()];
    }

    fn state_tangents(&self) -> &[f64] {
        &self.sigma
    }

    fn state_tangents_mut(&mut self) -> &mut [f64] {
        &mut self.sigma
    }

    fn init(&mut self, ctx: &mut Context) {
        for j in 0..self.node.len() {
            let r = rates(ctx.v[self.node[j]], ctx.celsius);
            for s in 0..NSTATE {
                self.fields[M + s][j] = r[s].0.v;
                self.fields[10 + s][j] = r[s].0.v;
            }
        }
    }

    fn currents(&mut self, ctx: &mut Context) {
        let (na, k) = (ctx.ion_slots[0], ctx.ion_slots[1]);
        let [gnabar, gkbar, gl, el, m, h, n, gna_out, gk_out, il_out, ..] = &mut self.fields[..]
        else {
            unreachable!("hh has 15 fields")
        };
        for j in 0..self.node.len() {
            let cv = self.node[j];
            let v = ctx.v[cv];
            let gna = gnabar[j] * m[j] * m[j] * m[j] * h[j];
            let ina = gna * (v - ctx.ions[na].rev[cv]);
            let gk = gkbar[j] * n[j] * n[j] * n[j] * n[j];
            let ik = gk * (v - ctx.ions[k].rev[cv]);
            let il = gl[j] * (v - el[j]);
            gna_out[j] = gna;
            gk_out[j] = gk;
            il_out[j] = il;
            let w = self.weight[j];
            ctx.i[cv] += w * (ina + ik + il);
            ctx.g[cv] += w * (gna + gk + gl[j]);
            ctx.ions[na].current[cv] += w * ina;
            ctx.ions[na].current_dv[cv] += w * gna;
            ctx.ions[k].current[cv] += w * ik;
            ctx.ions[k].current_dv[cv] += w * gk;
        }
    }

    fn states(&mut self, ctx: &mut Context) {
        let q10 = 3f64.powf((ctx.celsius - 6.3) / 10.0);
        let inv_q10 = 1.0 / q10;
        let dt = ctx.dt;
        let [.., m, h, n, _gna, _gk, _il, minf, hinf, ninf, mtau, htau] = &mut self.fields[..]
        else {
            unreachable!("hh has 15 fields")
        };
        for j in 0..self.node.len() {
            // With sum = alpha + beta: inf = alpha/sum, tau = 1/(q10 sum), and the cnexp step
            // x += (1 − exp(−dt/tau)) (inf − x) uses exp(−dt q10 sum).
            let [(am, bm), (ah, bh), (an, bn)] = alpha_beta(ctx.v[self.node[j]]);
            let (sm, sh, sn) = (am + bm, ah + bh, an + bn);
            let (rm, rh, rn) = (1.0 / sm, 1.0 / sh, 1.0 / sn);
            let (mi, hi, ni) = (am * rm, ah * rh, an * rn);
            m[j] += (1.0 - (-dt * q10 * sm).exp()) * (mi - m[j]);
            h[j] += (1.0 - (-dt * q10 * sh).exp()) * (hi - h[j]);
            n[j] += (1.0 - (-dt * q10 * sn).exp()) * (ni - n[j]);
            minf[j] = mi;
            hinf[j] = hi;
            ninf[j] = ni;
            mtau[j] = rm * inv_q10;
            htau[j] = rh * inv_q10;
        }
    }

    fn init_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let ni = self.node.len();
        for j in 0..ni {
            let cv = self.node[j];
            let r = rates(ctx.v[cv], ctx.celsius);
            for k in 0..tan.k {
                let sv = tan.s[k * tan.ncv + cv];
                for s in 0..NSTATE {
                    self.sigma[(k * NSTATE + s) * ni + j] = r[s].0.d * sv;
                }
            }
        }
    }

    fn currents_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let (na, kion) = (ctx.ion_slots[0], ctx.ion_slots[1]);
        let ni = self.node.len();
        let ncv = tan.ncv;
        for j in 0..ni {
            let cv = self.node[j];
            let v = ctx.v[cv];
            let (ena, ek) = (ctx.ions[na].rev[cv], ctx.ions[kion].rev[cv]);
            let (gnabar, gkbar, gl, el) = (
                self.fields[GNABAR][j],
                self.fields[GKBAR][j],
                self.fields[GL][j],
                self.fields[EL][j],
            );
            let (m, h, n) = (
                self.fields[M][j],
                self.fields[M + 1][j],
                self.fields[M + 2][j],
            );
            let gna = gnabar * m * m * m * h;
            let gk = gkbar * n * n * n * n;
            // Partial derivatives of the conductances with respect to the states.
            let gna_m = 3.0 * gnabar * m * m * h;
            let gna_h = gnabar * m * m * m;
            let gk_n = 4.0 * gkbar * n * n * n;
            let w = self.weight[j];
            for k in 0..tan.k {
                let idx = k * ncv + cv;
                let sv = tan.s[idx];
                let sm = self.sigma[(k * NSTATE) * ni + j];
                let sh = self.sigma[(k * NSTATE + 1) * ni + j];
                let sn = self.sigma[(k * NSTATE + 2) * ni + j];
                let dena = tan.ions[na].rev[idx];
                let dek = tan.ions[kion].rev[idx];
                let mut dgna = gna_m * sm + gna_h * sh;
                let mut dgk = gk_n * sn;
                let mut dgl = 0.0;
                let mut del = 0.0;
                if let Some(seed) = &tan.seeds[k] {
                    let f = seed.factor[j];
                    match seed.param {
                        GNABAR => dgna += m * m * m * h * f,
                        GKBAR => dgk += n * n * n * n * f,
                        GL => dgl += f,
                        EL => del += f,
                        _ => {}
                    }
                }
                // The tangents without their conductance terms g S_k: dI_k leaves them out (the
                // runtime accounts for G S_k), the ion currents' columns get them.
                let dina = dgna * (v - ena) - gna * dena;
                let dik = dgk * (v - ek) - gk * dek;
                let dil = dgl * (v - el) - gl * del;
                tan.di[idx] += w * (dina + dik + dil);
                tan.dg[idx] += w * (dgna + dgk + dgl);
                // The runtime leaves the columns of a current nothing reads empty.
                if !tan.ions[na].current.is_empty() {
                    tan.ions[na].current[idx] += w * (dina + gna * sv);
                }
                if !tan.ions[kion].current.is_empty() {
                    tan.ions[kion].current[idx] += w * (dik + gk * sv);
                }
            }
        }
    }

    /// Fused: advances m, h, n and their tangents from one evaluation of the rates.
    fn states_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let ni = self.node.len();
        for j in 0..ni {
            let cv = self.node[j];
            let r = rates(ctx.v[cv], ctx.celsius);
            // x' = x + (1 − e)(inf − x), e = exp(−dt/τ): dx'/dx = e and
            // dx'/dv = (1 − e) inf_v − e (dt/τ²) τ_v (inf − x).
            let mut coef = [(0.0, 0.0); NSTATE];
            for s in 0..NSTATE {
                let (inf, tau) = r[s];
                let e = (-ctx.dt / tau.v).exp();
                let x = self.fields[M + s][j];
                let dv = (1.0 - e) * inf.d - e * ctx.dt / (tau.v * tau.v) * tau.d * (inf.v - x);
                coef[s] = (e, dv);
                self.fields[M + s][j] = x + (1.0 - e) * (inf.v - x);
                self.fields[10 + s][j] = inf.v;
            }
            self.fields[13][j] = r[0].1.v;
            self.fields[14][j] = r[1].1.v;
            for k in 0..tan.k {
                let sv = tan.s[k * tan.ncv + cv];
                for s in 0..NSTATE {
                    let i = (k * NSTATE + s) * ni + j;
                    self.sigma[i] = coef[s].0 * self.sigma[i] + coef[s].1 * sv;
                }
            }
        }
    }

    fn fused_states(&self) -> bool {
        true
    }
}
