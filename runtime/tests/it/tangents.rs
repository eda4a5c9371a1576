//! Tangents against central finite differences of full simulations: for every parameter of the
//! hand-written hh and pas, plus cm, Ra and the IClamp amplitude, on model A and a branched cell.

use gradmod_runtime::{Cell, ClampId, ParamSpec, Region};
use gradmod_testkit::fd;
use gradmod_testkit::models::{branched_hh, model_a, model_a_probes};

/// Checks every tangent trace against a central difference with relative step 1e-5.
fn check(build: &dyn Fn() -> Cell, specs: &[ParamSpec], cvs: &[usize], tstop: f64, tol: f64) {
    fd::check(build, specs, cvs, tstop, &vec![1e-5; specs.len()], tol);
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
    use gradmod_testkit::point::ExpSyn;
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
    use gradmod_runtime::{Morphology, Settings};
    use gradmod_testkit::pas::Pas;
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
