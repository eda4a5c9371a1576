//! Ions: Nernst potentials from concentrations written by a mechanism, with tangents flowing through
//! ion currents, concentrations and reversal potentials.

use gradmod_runtime::ions::{defaults, ghk, ktf, nernst};
use gradmod_runtime::mechanism::{
    Context, FieldInfo, FieldRole, IonUse, IonVar, Mechanism, MechanismInfo, MechanismKind,
    Tangents,
};
use gradmod_runtime::{Cell, Morphology, ParamSpec, Probe, Recorder, Region, Settings};
use gradmod_testkit::hh::Hh;

/// A calcium conductance without gating: ica = gcabar (v − eca).
#[derive(Default)]
struct CaLeak {
    node: Vec<usize>,
    weight: Vec<f64>,
    g: Vec<f64>,
}

static CALEAK_FIELDS: [FieldInfo; 1] = [FieldInfo::new(
    "gcabar",
    "S/cm2",
    1e-4,
    FieldRole::Parameter,
)];
static CALEAK_IONS: [IonUse; 1] = [IonUse {
    name: "ca",
    valence: Some(2),
    reads: &[IonVar::Reversal],
    writes: &[IonVar::Current],
}];
static CALEAK: MechanismInfo = MechanismInfo {
    name: "caleak",
    kind: MechanismKind::Density,
    fields: &CALEAK_FIELDS,
    ions: &CALEAK_IONS,
    net_receive: false,
    net_args: &[],
    emit_slots: 0,
    voltage_process: false,
    post_event: false,
    vector: false,
    function_tables: &[],
};

impl Mechanism for CaLeak {
    fn info(&self) -> &'static MechanismInfo {
        &CALEAK
    }
    fn allocate(&mut self, nodes: &[usize], weights: &[f64]) {
        self.node = nodes.to_vec();
        self.weight = weights.to_vec();
        self.g = vec![CALEAK_FIELDS[0].default; nodes.len()];
    }
    fn instance_count(&self) -> usize {
        self.node.len()
    }
    fn nodes(&self) -> &[usize] {
        &self.node
    }
    fn field(&self, _field: usize) -> &[f64] {
        &self.g
    }
    fn field_mut(&mut self, _field: usize) -> &mut [f64] {
        &mut self.g
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
        let ca = ctx.ion_slots[0];
        for j in 0..self.node.len() {
            let cv = self.node[j];
            let ica = self.g[j] * (ctx.v[cv] - ctx.ions[ca].rev[cv]);
            ctx.i[cv] += self.weight[j] * ica;
            ctx.g[cv] += self.weight[j] * self.g[j];
            ctx.ions[ca].current[cv] += self.weight[j] * ica;
            ctx.ions[ca].current_dv[cv] += self.weight[j] * self.g[j];
        }
    }
    fn states(&mut self, _ctx: &mut Context) {}
    fn init_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {}
    fn currents_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let ca = ctx.ion_slots[0];
        for j in 0..self.node.len() {
            let cv = self.node[j];
            let drive = ctx.v[cv] - ctx.ions[ca].rev[cv];
            for k in 0..tan.k {
                let idx = k * tan.ncv + cv;
                // Without the conductance term g S_k: dI_k leaves it out (the runtime accounts
                // for it), the ion current's column gets it.
                let mut dica = -self.g[j] * tan.ions[ca].rev[idx];
                let mut dg = 0.0;
                if let Some(seed) = &tan.seeds[k] {
                    dica += seed.factor[j] * drive;
                    dg += seed.factor[j];
                }
                tan.di[idx] += self.weight[j] * dica;
                tan.dg[idx] += self.weight[j] * dg;
                // The runtime leaves the columns of a current nothing reads empty.
                if !tan.ions[ca].current.is_empty() {
                    tan.ions[ca].current[idx] += self.weight[j] * (dica + self.g[j] * tan.s[idx]);
                }
            }
        }
    }
    fn states_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {}
}

/// Calcium buffering in a shell: cai' = −ica·1e4/(2 F depth) − (cai − cainf)/tau, stepped exactly
/// for ica constant over the step (as cnexp does).
#[derive(Default)]
struct Cad {
    node: Vec<usize>,
    fields: Vec<Vec<f64>>,
    sigma: Vec<f64>,
}

static CAD_FIELDS: [FieldInfo; 4] = [
    FieldInfo::new("tau", "ms", 20.0, FieldRole::Parameter),
    FieldInfo::new("depth", "um", 0.1, FieldRole::Parameter),
    FieldInfo::new("cainf", "mM", 1e-4, FieldRole::Parameter),
    FieldInfo::new("cai", "mM", 1e-4, FieldRole::State),
];
static CAD_IONS: [IonUse; 1] = [IonUse {
    name: "ca",
    valence: Some(2),
    reads: &[IonVar::Current, IonVar::Inside],
    writes: &[IonVar::Inside],
}];
static CAD: MechanismInfo = MechanismInfo {
    name: "cad",
    kind: MechanismKind::Density,
    fields: &CAD_FIELDS,
    ions: &CAD_IONS,
    net_receive: false,
    net_args: &[],
    emit_slots: 0,
    voltage_process: false,
    post_event: false,
    vector: false,
    function_tables: &[],
};

const F: f64 = gradmod_runtime::ions::FARADAY;

impl Mechanism for Cad {
    fn info(&self) -> &'static MechanismInfo {
        &CAD
    }
    fn allocate(&mut self, nodes: &[usize], _weights: &[f64]) {
        self.node = nodes.to_vec();
        self.fields = CAD_FIELDS
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
    fn set_tangent_count(&mut self, k: usize) {
        self.sigma = vec![0.0; k * self.node.len()];
    }
    fn state_tangents(&self) -> &[f64] {
        &self.sigma
    }
    fn state_tangents_mut(&mut self) -> &mut [f64] {
        &mut self.sigma
    }
    fn init(&mut self, ctx: &mut Context) {
        let ca = ctx.ion_slots[0];
        for j in 0..self.node.len() {
            self.fields[3][j] = self.fields[2][j];
            ctx.ions[ca].inside[self.node[j]] = self.fields[3][j];
        }
    }
    fn currents(&mut self, _ctx: &mut Context) {}
    fn states(&mut self, ctx: &mut Context) {
        let ca = ctx.ion_slots[0];
        for j in 0..self.node.len() {
            let cv = self.node[j];
            let (tau, depth, cainf) = (self.fields[0][j], self.fields[1][j], self.fields[2][j]);
            let drive = -ctx.ions[ca].current[cv] * 1e4 / (2.0 * F * depth);
            let target = cainf + drive * tau;
            let e = (-ctx.dt / tau).exp();
            let cai = target + (self.fields[3][j] - target) * e;
            self.fields[3][j] = cai;
            ctx.ions[ca].inside[cv] = cai;
        }
    }
    fn init_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let ca = ctx.ion_slots[0];
        let ni = self.node.len();
        for j in 0..ni {
            for k in 0..tan.k {
                let d = match &tan.seeds[k] {
                    Some(seed) if seed.param == 2 => seed.factor[j],
                    _ => 0.0,
                };
                self.sigma[k * ni + j] = d;
                tan.ions[ca].inside[k * tan.ncv + self.node[j]] = d;
            }
        }
    }
    fn currents_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {}
    fn states_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
        let ca = ctx.ion_slots[0];
        let ni = self.node.len();
        for j in 0..ni {
            let cv = self.node[j];
            let (tau, depth, cainf) = (self.fields[0][j], self.fields[1][j], self.fields[2][j]);
            let c = 1e4 / (2.0 * F * depth);
            let ica = ctx.ions[ca].current[cv];
            let drive = -ica * c;
            let target = cainf + drive * tau;
            let e = (-ctx.dt / tau).exp();
            let x = self.fields[3][j];
            for k in 0..tan.k {
                let idx = k * tan.ncv + cv;
                // cai' = target (1 − e) + x e.
                let mut dtarget = -tan.ions[ca].current[idx] * c * tau;
                let mut de = 0.0;
                if let Some(seed) = &tan.seeds[k] {
                    let f = seed.factor[j];
                    match seed.param {
                        0 => {
                            dtarget += drive * f;
                            de = e * ctx.dt / (tau * tau) * f;
                        }
                        1 => dtarget += ica * c / depth * tau * f,
                        2 => dtarget += f,
                        _ => {}
                    }
                }
                let s = &mut self.sigma[k * ni + j];
                *s = dtarget * (1.0 - e) + *s * e + (x - target) * de;
                tan.ions[ca].inside[idx] = *s;
            }
        }
    }
}

fn cell_with_calcium() -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(Box::new(Hh::new()), &Region::All).unwrap();
    cell.insert(Box::new(CaLeak::default()), &Region::All)
        .unwrap();
    cell.insert(Box::new(Cad::default()), &Region::All).unwrap();
    cell.add_iclamp("soma", 0.5, 2.0, 3.0, 0.3).unwrap();
    cell
}

#[test]
fn nernst_and_defaults_follow_neuron() {
    // NEURON's hard-coded default eca is 12.5 ln(2/5e-5) = 132.4579...
    let (ci, co, e, z) = defaults("ca");
    assert_eq!((ci, co, z), (5e-5, 2.0, 2));
    assert!((e - 12.5 * (co / ci).ln()).abs() < 1e-12);
    assert_eq!(defaults("na").2, 50.0);
    assert_eq!(defaults("k").2, -77.0);
    assert_eq!(defaults("foo"), (1.0, 1.0, 0.0, 1));
    // NEURON 9.0.2: h.celsius = 6.3; h.nernst(10, 140, 1) = 63.55150321937486.
    let ena = nernst(10.0, 140.0, 1.0, 6.3);
    assert!((ena - 63.551_503_219_374_86).abs() < 1e-12, "{ena}");
    // GHK flux vanishes at the Nernst potential.
    let eca = nernst(1e-4, 2.0, 2.0, 20.0);
    assert!(ghk(eca, 1e-4, 2.0, 2.0, 20.0).abs() < 1e-9);
    assert!(ghk(0.0, 1e-4, 2.0, 2.0, 20.0) < 0.0);
    assert!((ktf(6.3) - 24.081_137_801_064_7).abs() < 1e-12);
}

#[test]
fn written_concentration_moves_the_reversal_potential() {
    let mut cell = cell_with_calcium();
    cell.run(20.0, None).unwrap();
    let ca = cell.ion_index("ca").unwrap();
    let soma = cell.cv_at("soma", 0.5).unwrap();
    let cai = cell.ions().arrays[ca].inside[soma];
    let eca = cell.ions().arrays[ca].rev[soma];
    assert!(cai > 1e-4, "calcium entered: {cai}");
    // The reversal potential is the Nernst potential of the previous step's concentration: close.
    let expected = nernst(cai, 2.0, 2.0, 6.3);
    assert!(
        (eca - expected).abs() < 0.05,
        "eca {eca}, Nernst {expected}"
    );
    // The na reversal keeps its default: nothing reads or writes na concentrations.
    let na = cell.ion_index("na").unwrap();
    assert_eq!(cell.ions().arrays[na].rev[soma], 50.0);
}

#[test]
fn tangents_through_ions_match_finite_differences() {
    let specs = [
        ParamSpec::mechanism("caleak", "gcabar"),
        ParamSpec::mechanism("cad", "tau"),
        ParamSpec::mechanism("cad", "depth"),
        ParamSpec::mechanism("cad", "cainf").log_scaled(),
        ParamSpec::mechanism("hh", "gkbar"),
    ];
    let run = |set: Option<(usize, f64)>| {
        let mut cell = cell_with_calcium();
        for s in &specs {
            cell.add_parameter(s.clone()).unwrap();
        }
        let theta: Vec<f64> = (0..specs.len()).map(|k| cell.parameter(k)).collect();
        if let Some((k, v)) = set {
            cell.set_parameter(k, v).unwrap();
        }
        let soma = cell.cv_at("soma", 0.5).unwrap();
        let mut probes = vec![Probe::Voltage { cv: soma }];
        probes.extend((0..specs.len()).map(|k| Probe::Tangent { k, cv: soma }));
        let mut rec = Recorder::new(probes, 1);
        cell.run(25.0, Some(&mut rec)).unwrap();
        (rec.traces, theta)
    };
    let (base, theta) = run(None);
    for k in 0..specs.len() {
        let h = if theta[k] != 0.0 {
            1e-5 * theta[k].abs()
        } else {
            1e-5
        };
        let (p, _) = run(Some((k, theta[k] + h)));
        let (m, _) = run(Some((k, theta[k] - h)));
        let t = &base[k + 1];
        let scale = t.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        let err = t
            .iter()
            .zip(p[0].iter().zip(&m[0]))
            .map(|(s, (a, b))| (s - (a - b) / (2.0 * h)).abs())
            .fold(0.0f64, f64::max);
        println!(
            "{:?}: max |dV/dθ| {scale:.3e}, relative error {:.2e}",
            specs[k].target,
            err / scale
        );
        assert!(
            scale > 0.0 && err / scale < 1e-6,
            "parameter {k}: {:e}",
            err / scale
        );
    }
}
