//! Voltage processes (Arbor's `VOLTAGE_PROCESS`, runtime/src/voltage_process.rs): the test
//! mechanisms vlimit and vclamp, written as Arbor's built-in v_limit and v_clamp, on the models
//! of tests/reference/arbor/vp_limit.toml and vp_clamp.toml give Arbor 0.12's own traces
//! (tests/reference/data/arbor, made by tests/reference/arbor/voltage_process.py), and their
//! tangents equal central finite differences of gradmod.

use std::path::PathBuf;

use gradmod::output::Traces;

fn model_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/arbor")
        .join(format!("{name}.toml"))
}

/// The traces of model `name` with overrides.
fn simulate(name: &str, overrides: &[String]) -> Traces {
    crate::models::simulate_model_file(&model_file(name), overrides)
}

/// Arbor's v per probe (the columns after t), by row: every fourth step.
fn arbor(name: &str) -> Vec<Vec<f64>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/data/arbor")
        .join(format!("{name}.csv"));
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    (1..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c]).collect())
        .collect()
}

/// The largest difference (mV) between gradmod's v and Arbor's; Arbor's row i is gradmod's
/// sample 4 i (Arbor samples at the start of a step what gradmod records at the end of the
/// step before).
fn difference(traces: &Traces, reference: &[Vec<f64>]) -> f64 {
    assert_eq!(traces.values.len(), reference.len());
    let mut worst: f64 = 0.0;
    for (got, want) in traces.values.iter().zip(reference) {
        assert_eq!(got.len(), 4 * want.len() + 1);
        for (i, w) in want.iter().enumerate() {
            worst = worst.max((got[4 * i] - w).abs());
        }
    }
    worst
}

// Both simulators take the same backward-Euler step of a passive cable (no gating states, whose
// integrators differ between them) and run a voltage process after the voltage solve, so they
// agree to rounding: the tolerance is 1e-12 mV.

#[test]
fn vlimit_holds_v_between_its_bounds_as_arbor_does() {
    let traces = simulate("vp_limit", &[]);
    let d = difference(&traces, &arbor("vp_limit"));
    println!("v_limit against Arbor 0.12: {d:.1e} mV");
    assert!(d < 1e-12, "{d}");
    // Both bounds take effect: held at -68 before the step and at -60 during it.
    let v = &traces.values[0];
    assert_eq!(v[4 * 40], -68.0);
    assert_eq!(v[4 * 200], -60.0);
}

#[test]
fn vclamp_sets_the_first_cv_as_arbor_does() {
    let traces = simulate("vp_clamp", &[]);
    let d = difference(&traces, &arbor("vp_clamp"));
    println!("v_clamp against Arbor 0.12: {d:.1e} mV");
    assert!(d < 1e-12, "{d}");
    // The first sample is v_init (a voltage process runs after the first step's solve), the
    // second is the clamp's value.
    assert_eq!(traces.values[0][0], -65.0);
    assert_eq!(traces.values[0][1], -50.0);
}

/// Each parameter's tangent of every probe against a central difference of step `h`.
fn check_tangents(name: &str, params: &[(&str, f64, f64)]) {
    let base = simulate(name, &[]);
    for (k, &(key, theta, h)) in params.iter().enumerate() {
        let plus = simulate(name, &[format!("{key}={}", theta + h)]);
        let minus = simulate(name, &[format!("{key}={}", theta - h)]);
        let mut worst: f64 = 0.0;
        let mut scale: f64 = 0.0;
        for (i, &p) in base.with_tangents.iter().enumerate() {
            for (j, &t) in base.tangents[i][k].iter().enumerate() {
                let fd = (plus.values[p][j] - minus.values[p][j]) / (2.0 * h);
                worst = worst.max((t - fd).abs());
                scale = scale.max(fd.abs());
            }
        }
        println!("{name}: dv/d{key}: max |tangent - FD| {worst:.1e} of {scale:.1e}");
        assert!(scale > 1e-3, "{key} moves v");
        assert!(worst < 1e-6 * scale, "{key}: {worst} of {scale}");
    }
}

#[test]
fn vlimit_tangents_equal_central_differences() {
    // v_high sets v while it holds (dv/dv_high = 1), and the tangent then decays from there;
    // pas.g and the clamp's amplitude move v only where neither bound holds.
    check_tangents(
        "vp_limit",
        &[
            ("vlimit.v_high", -60.0, 1e-4),
            ("pas.g", 0.001, 1e-8),
            ("IClamp.amp", 0.2, 1e-5),
        ],
    );
}

#[test]
fn vclamp_tangents_equal_central_differences() {
    check_tangents(
        "vp_clamp",
        &[("vclamp.v0", -50.0, 1e-4), ("pas.g", 0.001, 1e-8)],
    );
}
