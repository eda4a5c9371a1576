//! The loss of docs/MODELS.md and its gradient from tangents; Adam fitting recovers parameters.

use gradmod_runtime::optim::{Adam, TraceLoss};
use gradmod_runtime::{Cell, ParamSpec, Probe, Recorder};
use gradmod_testkit::models::{model_a, model_a_probes};

/// Model A with theta = (gnabar, gkbar) written before initialisation.
fn model(theta: &[f64]) -> Cell {
    let mut cell = model_a(0.5);
    cell.add_parameter(ParamSpec::mechanism("hh", "gnabar"))
        .unwrap();
    cell.add_parameter(ParamSpec::mechanism("hh", "gkbar"))
        .unwrap();
    for (k, &t) in theta.iter().enumerate() {
        cell.set_parameter(k, t).unwrap();
    }
    cell
}

fn target() -> Vec<f64> {
    let mut cell = model(&[0.12 * 1.1, 0.036 * 0.9]);
    let (soma, _) = model_a_probes(&cell);
    let mut rec = Recorder::new(vec![Probe::Voltage { cv: soma }], 1);
    cell.run(30.0, Some(&mut rec)).unwrap();
    rec.traces.remove(0)
}

fn loss(theta: &[f64], target: &[f64]) -> (f64, Vec<f64>) {
    let mut cell = model(theta);
    let (soma, _) = model_a_probes(&cell);
    let mut l = TraceLoss::new(soma, target.to_vec(), 2);
    cell.init().unwrap();
    l.accumulate(&cell).unwrap();
    for _ in 0..1200 {
        cell.step().unwrap();
        l.accumulate(&cell).unwrap();
    }
    (l.value(), l.gradient())
}

#[test]
fn loss_gradient_matches_finite_differences() {
    let target = target();
    let theta = [0.12, 0.036];
    let (value, grad) = loss(&theta, &target);
    assert!(value > 1.0, "the target differs: {value}");
    for k in 0..2 {
        let h = 1e-6 * theta[k];
        let mut p = theta;
        p[k] += h;
        let mut m = theta;
        m[k] -= h;
        let fd = (loss(&p, &target).0 - loss(&m, &target).0) / (2.0 * h);
        let rel = (grad[k] - fd).abs() / fd.abs();
        println!(
            "dL/dθ_{k}: tangent {:.9e}, finite difference {fd:.9e}, relative {rel:.1e}",
            grad[k]
        );
        assert!(rel < 1e-6);
    }
}

#[test]
fn adam_reduces_the_loss() {
    let target = target();
    // Work in relative units u (θ = θ0·u) so one rate suits both conductances.
    let scale = [0.12, 0.036];
    let mut u = vec![1.0, 1.0];
    let mut adam = Adam::new(0.02, 2);
    let first = loss(&[scale[0], scale[1]], &target).0;
    let mut last = first;
    for _ in 0..15 {
        let theta = [scale[0] * u[0], scale[1] * u[1]];
        let (value, grad) = loss(&theta, &target);
        last = value;
        let gu = [grad[0] * scale[0], grad[1] * scale[1]];
        adam.step(&mut u, &gu);
    }
    println!("loss {first:.4} -> {last:.4}, u = {u:?}");
    assert!(last < 0.5 * first, "loss {first} -> {last}");
}

/// An observer with e' = (v − target)²/2 (explicit Euler) and its tangent, for online control.
mod observer {
    use gradmod_runtime::mechanism::{
        Context, FieldInfo, FieldRole, Mechanism, MechanismInfo, MechanismKind, Tangents,
    };

    static FIELDS: [FieldInfo; 2] = [
        FieldInfo::new("target", "mV", -60.0, FieldRole::Parameter),
        FieldInfo::new("e", "mV2 ms", 0.0, FieldRole::State),
    ];
    static INFO: MechanismInfo = MechanismInfo {
        name: "observer",
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

    #[derive(Default)]
    pub struct Observer {
        node: Vec<usize>,
        fields: Vec<Vec<f64>>,
        sigma: Vec<f64>,
    }

    impl Mechanism for Observer {
        fn info(&self) -> &'static MechanismInfo {
            &INFO
        }
        fn allocate(&mut self, nodes: &[usize], _weights: &[f64]) {
            self.node = nodes.to_vec();
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
        fn field(&self, f: usize) -> &[f64] {
            &self.fields[f]
        }
        fn field_mut(&mut self, f: usize) -> &mut [f64] {
            &mut self.fields[f]
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
        fn init(&mut self, _ctx: &mut Context) {
            self.fields[1].fill(0.0);
        }
        fn currents(&mut self, _ctx: &mut Context) {}
        fn states(&mut self, ctx: &mut Context) {
            for j in 0..self.node.len() {
                let d = ctx.v[self.node[j]] - self.fields[0][j];
                self.fields[1][j] += ctx.dt * d * d / 2.0;
            }
        }
        fn init_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {
            self.sigma.fill(0.0);
        }
        fn currents_tangent(&mut self, _ctx: &mut Context, _tan: &mut Tangents) {}
        fn states_tangent(&mut self, ctx: &mut Context, tan: &mut Tangents) {
            let ni = self.node.len();
            for j in 0..ni {
                let cv = self.node[j];
                let d = ctx.v[cv] - self.fields[0][j];
                for k in 0..tan.k {
                    self.sigma[k * ni + j] += ctx.dt * d * tan.s[k * tan.ncv + cv];
                }
            }
        }
    }
}

/// Online control: the leak reversal of a passive compartment is steered so that v settles at the
/// observer's target, using the forgetting tangent of the observer's objective (the controller's
/// gradient mode).
#[test]
fn online_controller_reaches_the_target() {
    use gradmod_runtime::control::{ControlSettings, Controller, ObjectiveSpec};
    use gradmod_runtime::{Morphology, Region, Settings};
    use gradmod_testkit::pas::Pas;
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 10.0, 10.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(Box::new(Pas::new()), &Region::All).unwrap();
    cell.insert(Box::new(observer::Observer::default()), &Region::All)
        .unwrap();
    cell.add_parameter(ParamSpec::mechanism("pas", "e"))
        .unwrap();
    // θ'' + λ θ' + α θ ≈ α target: λ² > 4α keeps the loop from oscillating. The controller scales
    // by s = |θ(0)| = 70 mV twice (u = s·g, θ -= α·dt·s·u), so α = 0.05/s² moves θ by 0.05·dt·g,
    // and a clip of 100·s bounds |g| by 100.
    cell.set_forgetting(0.5).unwrap();
    let s = 70.0;
    let objective = ObjectiveSpec {
        mechanism: "observer".into(),
        state: "e".into(),
        instance: 0,
        target: None,
        direction: None,
    };
    let settings = ControlSettings {
        rate: 0.05 / (s * s),
        clip: 100.0 * s,
        ..ControlSettings::default()
    };
    cell.init().unwrap();
    let mut control = Controller::new(&cell, &objective, &[0], settings).unwrap();
    control.set_bounds(0, -90.0, -30.0).unwrap();
    for _ in 0..40_000 {
        cell.step().unwrap();
        control.after_step(&mut cell).unwrap();
    }
    let soma = cell.cv_at("soma", 0.5).unwrap();
    let v = cell.v()[soma];
    println!("after 1 s: v = {v} mV, pas.e = {}", cell.parameter(0));
    assert!((v + 60.0).abs() < 0.1, "v = {v}");
}
