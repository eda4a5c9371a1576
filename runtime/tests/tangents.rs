//! Tangents against central finite differences of full simulations: for every parameter of the
//! hand-written hh and pas, plus cm, Ra and the IClamp amplitude, on model A and a branched cell.

mod common;

use common::models::{branched_hh, model_a, model_a_probes};
use gradmod_runtime::{Cell, ClampId, ParamSpec, Probe, Recorder, Region};

/// Runs a cell with the given parameters declared, recording v and every tangent at `cvs`.
fn run(
    build: &dyn Fn() -> Cell,
    specs: &[ParamSpec],
    cvs: &[usize],
    set: Option<(usize, f64)>,
    tstop: f64,
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut cell = build();
    for s in specs {
        cell.add_parameter(s.clone()).unwrap();
    }
    let theta: Vec<f64> = (0..specs.len()).map(|k| cell.parameter(k)).collect();
    if let Some((k, value)) = set {
        cell.set_parameter(k, value).unwrap();
    }
    let mut probes = Vec::new();
    for &cv in cvs {
        probes.push(Probe::Voltage { cv });
        for k in 0..specs.len() {
            probes.push(Probe::Tangent { k, cv });
        }
    }
    let mut rec = Recorder::new(probes, 1);
    cell.run(tstop, Some(&mut rec)).unwrap();
    (rec.traces, theta)
}

/// Checks every tangent column against a central difference with relative step `rel`; returns the
/// worst error relative to each trace's maximum.
fn check(build: &dyn Fn() -> Cell, specs: &[ParamSpec], cvs: &[usize], tstop: f64, tol: f64) {
    let kk = specs.len();
    let (base, theta) = run(build, specs, cvs, None, tstop);
    for k in 0..kk {
        let h = if theta[k] != 0.0 {
            1e-5 * theta[k].abs()
        } else {
            1e-5
        };
        let (plus, _) = run(build, specs, cvs, Some((k, theta[k] + h)), tstop);
        let (minus, _) = run(build, specs, cvs, Some((k, theta[k] - h)), tstop);
        for (c, cv) in cvs.iter().enumerate() {
            let vi = c * (kk + 1);
            let tangent = &base[vi + 1 + k];
            let scale = tangent.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let err = tangent
                .iter()
                .zip(plus[vi].iter().zip(&minus[vi]))
                .map(|(s, (p, m))| (s - (p - m) / (2.0 * h)).abs())
                .fold(0.0f64, f64::max);
            println!(
                "{:?} at CV {}: max |dV/dθ| {scale:.4e}, relative error {:.2e}",
                specs[k].target,
                cv,
                err / scale
            );
            assert!(scale > 0.0, "tangent {k} is identically zero");
            assert!(
                err / scale < tol,
                "tangent {k} at CV {} off by {:e}",
                cv,
                err / scale
            );
        }
    }
}

#[test]
fn model_a_tangents_match_finite_differences() {
    let build = || model_a(0.5);
    let cell = build();
    let (s, a) = model_a_probes(&cell);
    let specs = vec![
        ParamSpec::mechanism("hh", "gnabar"),
        ParamSpec::mechanism("hh", "gkbar"),
        ParamSpec::mechanism("hh", "gl"),
        ParamSpec::mechanism("hh", "el"),
        ParamSpec::cm(),
        ParamSpec::ra(),
        ParamSpec::iclamp_amp(ClampId(0)),
    ];
    check(&build, &specs, &[s, a], 30.0, 1e-6);
}

#[test]
fn branched_cell_tangents_match_finite_differences() {
    let build = branched_hh;
    let cell = build();
    let cvs = [
        cell.cv_at("soma", 0.5).unwrap(),
        cell.cv_at("dend1a", 0.9).unwrap(),
        cell.cv_at("axon", 0.95).unwrap(),
    ];
    let specs = vec![
        ParamSpec::mechanism("hh", "gnabar").in_region(Region::Tag(3)),
        ParamSpec::mechanism("hh", "gkbar")
            .in_region(Region::Tag(1))
            .in_region(Region::Tag(2))
            .log_scaled(),
        ParamSpec::mechanism("pas", "g"),
        ParamSpec::mechanism("pas", "e"),
        ParamSpec::cm().in_region(Region::Tag(3)),
        ParamSpec::ra().in_region(Region::section("dend1")),
        ParamSpec::iclamp_amp(ClampId(0)).log_scaled(),
    ];
    check(&build, &specs, &cvs, 20.0, 1e-6);
}

/// Model A with an ExpSyn on the axon receiving two events: NET_RECEIVE and the synapse's own
/// parameters (tau, e) are differentiated too.
#[test]
fn synapse_tangents_match_finite_differences() {
    use common::point::ExpSyn;
    let build = || {
        let mut cell = model_a(0.0);
        let syn = cell
            .place(Box::new(ExpSyn::default()), &[("axon", 0.3)])
            .unwrap();
        cell.set_field(syn, "tau", &Region::All, 3.0).unwrap();
        cell.schedule(2.0, syn, 0, 0.002).unwrap();
        cell.schedule(4.0, syn, 0, 0.004).unwrap();
        cell
    };
    let cell = build();
    let (s, a) = model_a_probes(&cell);
    let specs = vec![
        ParamSpec::mechanism("ExpSyn", "tau"),
        ParamSpec::mechanism("ExpSyn", "e"),
        ParamSpec::mechanism("hh", "gkbar"),
    ];
    check(&build, &specs, &[s, a], 20.0, 1e-6);
}

/// With forgetting rate λ, the tangent of a one-compartment passive membrane with respect to the leak
/// reversal converges to the fixed point of S ← (1 − λ dt)(S (1 − r) + r), r = g/(1e-3 cm/dt + g).
#[test]
fn forgetting_scales_tangents() {
    use common::pas::Pas;
    use gradmod_runtime::{Morphology, Settings};
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 10.0, 10.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(Box::new(Pas::new()), &Region::All).unwrap();
    let k = cell
        .add_parameter(ParamSpec::mechanism("pas", "e"))
        .unwrap();
    let lambda = 0.5;
    cell.set_forgetting(lambda).unwrap();
    cell.run(50.0, None).unwrap();
    let dt = 0.025;
    let g = 0.001;
    let r = g / (1e-3 / dt + g);
    let f = 1.0 - lambda * dt;
    let fixed = f * r / (1.0 - f * (1.0 - r));
    let soma = cell.cv_at("soma", 0.5).unwrap();
    let got = cell.tangent(k)[soma];
    println!("forgetting: tangent {got}, fixed point {fixed}");
    assert!((got - fixed).abs() < 1e-12, "{got} vs {fixed}");
    // Without forgetting the tangent tends to 1 (v follows e one to one).
    assert!(got < 0.7, "forgetting must shrink the tangent below 1");
}
