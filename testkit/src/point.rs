//! Hand-written point processes: a conductance shunt and NEURON's `ExpSyn` (with `NET_RECEIVE`),
//! both with tangents.

use gradmod_runtime::mechanism::{
    Context, EventArgs, FieldInfo, FieldRole, Mechanism, MechanismInfo, MechanismKind, Tangents,
};

static SHUNT_FIELDS: [FieldInfo; 2] = [
    FieldInfo::new("g", "uS", 0.0, FieldRole::Parameter),
    FieldInfo::new("e", "mV", 0.0, FieldRole::Parameter),
];

static SHUNT: MechanismInfo = MechanismInfo {
    name: "Shunt",
    kind: MechanismKind::Point,
    fields: &SHUNT_FIELDS,
    ions: &[],
    net_receive: false,
    net_args: &[],
    emit_slots: 0,
    voltage_process: false,
    post_event: false,
    vector: false,
    function_tables: &[],
};

static EXPSYN_FIELDS: [FieldInfo; 4] = [
    FieldInfo::new("tau", "ms", 0.1, FieldRole::Parameter),
    FieldInfo::new("e", "mV", 0.0, FieldRole::Parameter),
    FieldInfo::new("g", "uS", 0.0, FieldRole::State),
    FieldInfo::new("i", "nA", 0.0, FieldRole::Assigned),
];

static EXPSYN: MechanismInfo = MechanismInfo {
    name: "ExpSyn",
    kind: MechanismKind::Point,
    fields: &EXPSYN_FIELDS,
    ions: &[],
    net_receive: true,
    net_args: &["weight"],
    emit_slots: 0,
    voltage_process: false,
    post_event: false,
    vector: false,
    function_tables: &[],
};

/// A point conductance i = g (v − e) in nA (g in µS), without states.
#[derive(Default)]
pub struct Shunt {
    node: Vec<usize>,
    weight: Vec<f64>,
    fields: Vec<Vec<f64>>,
}

/// NEURON's ExpSyn: g decays with tau, each event adds its weight to g, i = g (v − e).
#[derive(Default)]
pub struct ExpSyn {
    node: Vec<usize>,
    weight: Vec<f64>,
    fields: Vec<Vec<f64>>,
    sigma: Vec<f64>,
}

macro_rules! common_impl {
    ($info:expr, $fields:expr) => {
        fn info(&self) -> &'static MechanismInfo {
            &$info
        }
        fn allocate(&mut self, nodes: &[usize], weights: &[f64]) {
            self.node = nodes.to_vec();
            self.weight = weights.to_vec();
            self.fields = $fields
                .iter()
                .map(|f| vec![f.default; nodes.len()])
                .collect();
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
    };
}

impl Mechanism for Shunt {
    common_impl!(SHUNT, SHUNT_FIELDS);

    fn set_tangent_count(&mut self, _k: usize) {}
    fn state_tangents(&self) -> &[f64] {
        &[]
    }
    fn state_tangents_mut(&mut self) -> &mut [f64] {
        &mut []
    }
    fn init(&mut self, _ctx: &mut Context) {}
    fn currents(&mut self, ctx: &mut Context) {
        for j in 0..self.node.len() {
            let cv = self.node[j];
            let (g, e, w) = (self.fields[0][j], self.fields[1][j], self.weight[j]);
            ctx.i[cv] += w * g * (ctx.v[cv] - e);
            ctx.g[cv] += w * g;
        }
    }
    fn states(&mut self, _ctx: &mut Context) {}
    fn init_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {}
    fn currents_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        for j in 0..self.node.len() {
            let cv = self.node[j];
            let (g, e, w) = (self.fields[0][j], self.fields[1][j], self.weight[j]);
            for k in 0..tan.k {
                let idx = k * tan.ncv + cv;
                // Without the conductance term g S_k, which the runtime accounts for.
                let (mut di, mut dg) = (0.0, 0.0);
                if let Some(seed) = &tan.seeds[k] {
                    let f = seed.factor[j];
                    if seed.param == 0 {
                        di += (ctx.v[cv] - e) * f;
                        dg += f;
                    } else {
                        di -= g * f;
                    }
                }
                tan.di[idx] += w * di;
                tan.dg[idx] += w * dg;
            }
        }
    }
    fn states_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {}
}

impl Mechanism for ExpSyn {
    common_impl!(EXPSYN, EXPSYN_FIELDS);

    fn set_tangent_count(&mut self, k: usize) {
        self.sigma = vec![0.0; k * self.node.len()];
    }
    fn state_tangents(&self) -> &[f64] {
        &self.sigma
    }
    fn state_tangents_mut(&mut self) -> &mut [f64] {
        &mut self.sigma
    }
    fn init(&mut self, _ctx: &mut Context) {
        self.fields[2].fill(0.0);
    }
    fn currents(&mut self, ctx: &mut Context) {
        for j in 0..self.node.len() {
            let cv = self.node[j];
            let (e, g, w) = (self.fields[1][j], self.fields[2][j], self.weight[j]);
            let i = g * (ctx.v[cv] - e);
            self.fields[3][j] = i;
            ctx.i[cv] += w * i;
            ctx.g[cv] += w * g;
        }
    }
    fn states(&mut self, ctx: &mut Context) {
        for j in 0..self.node.len() {
            self.fields[2][j] *= (-ctx.dt / self.fields[0][j]).exp();
        }
    }
    fn net_receive(&mut self, _ctx: &mut Context, instance: usize, ev: &mut EventArgs) {
        self.fields[2][instance] += ev.args[0];
    }
    fn init_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {
        self.sigma.fill(0.0);
    }
    fn currents_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let ni = self.node.len();
        for j in 0..ni {
            let cv = self.node[j];
            let (e, g, w) = (self.fields[1][j], self.fields[2][j], self.weight[j]);
            for k in 0..tan.k {
                let idx = k * tan.ncv + cv;
                let sg = self.sigma[k * ni + j];
                // Without the conductance term g S_k, which the runtime accounts for.
                let mut di = sg * (ctx.v[cv] - e);
                if let Some(seed) = &tan.seeds[k]
                    && seed.param == 1
                {
                    di -= g * seed.factor[j];
                }
                tan.di[idx] += w * di;
                tan.dg[idx] += w * sg;
            }
        }
    }
    fn states_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let ni = self.node.len();
        for j in 0..ni {
            let (tau, g) = (self.fields[0][j], self.fields[2][j]);
            let decay = (-ctx.dt / tau).exp();
            for k in 0..tan.k {
                let mut ds = decay * self.sigma[k * ni + j];
                if let Some(seed) = &tan.seeds[k]
                    && seed.param == 0
                {
                    // d/dtau of g·exp(−dt/tau) = g·exp(−dt/tau)·dt/tau².
                    ds += g * decay * ctx.dt / (tau * tau) * seed.factor[j];
                }
                self.sigma[k * ni + j] = ds;
            }
        }
    }
    fn net_receive_tangent(
        &mut self,
        _ctx: &mut Context,
        tan: &mut Tangents,
        instance: usize,
        ev: &mut EventArgs,
    ) {
        let ni = self.node.len();
        let nargs = ev.args.len();
        for k in 0..tan.k {
            self.sigma[k * ni + instance] += ev.dargs.get(k * nargs).copied().unwrap_or(0.0);
        }
    }
}
