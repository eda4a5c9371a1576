//! NEURON's `pas`: i = g (v − e), with hand-written tangents.

use gradmod_runtime::mechanism::{
    Context, FieldInfo, FieldRole, Mechanism, MechanismInfo, MechanismKind, Tangents,
};

static FIELDS: [FieldInfo; 2] = [
    FieldInfo::new("g", "S/cm2", 0.001, FieldRole::Parameter),
    FieldInfo::new("e", "mV", -70.0, FieldRole::Parameter),
];

static INFO: MechanismInfo = MechanismInfo {
    name: "pas",
    kind: MechanismKind::Density,
    fields: &FIELDS,
    ions: &[],
    net_receive: false,
    net_args: &[],
    emit_slots: 0,
    voltage_process: false,
    post_event: false,
    vector: false,
    function_tables: &[],
};

const G: usize = 0;
const E: usize = 1;

/// The passive leak.
#[derive(Default)]
pub struct Pas {
    node: Vec<usize>,
    weight: Vec<f64>,
    fields: Vec<Vec<f64>>,
}

impl Pas {
    /// A mechanism with no instances yet.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Mechanism for Pas {
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
            let (g, e, w) = (self.fields[G][j], self.fields[E][j], self.weight[j]);
            ctx.i[cv] += w * g * (ctx.v[cv] - e);
            ctx.g[cv] += w * g;
        }
    }

    fn states(&mut self, _ctx: &mut Context) {}

    fn init_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {}

    fn currents_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let n = tan.ncv;
        for j in 0..self.node.len() {
            let cv = self.node[j];
            let (g, e, w) = (self.fields[G][j], self.fields[E][j], self.weight[j]);
            let v = ctx.v[cv];
            for k in 0..tan.k {
                let idx = k * n + cv;
                // Without the conductance term g S_k, which the runtime accounts for.
                let mut di = 0.0;
                let mut dg = 0.0;
                if let Some(seed) = &tan.seeds[k] {
                    let f = seed.factor[j];
                    match seed.param {
                        G => {
                            di += (v - e) * f;
                            dg += f;
                        }
                        E => di -= g * f,
                        _ => {}
                    }
                }
                tan.di[idx] += w * di;
                tan.dg[idx] += w * dg;
            }
        }
    }

    fn states_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {}
}
