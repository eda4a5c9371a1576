//! Arbor's diffusive concentration `Xd` (runtime/src/diffusion.rs) on the cable of
//! tests/reference/arbor/diffusion.toml: an injection into the first of five CVs spreads as in
//! Arbor 0.12 itself (tests/reference/data/arbor, made by tests/reference/arbor/diffusion.py),
//! with a decay as well to the difference of the two cnexp steps, and the tangents of Xd with
//! respect to the injection's amplitude and the decay rate equal central finite differences.

use std::path::PathBuf;

use gradmod::output::Traces;

fn model_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/arbor/diffusion.toml")
}

/// The traces of the diffusion model with overrides.
fn simulate(overrides: &[String]) -> Traces {
    crate::models::simulate_model_file(&model_file(), overrides)
}

/// Arbor's Xd per CV (columns x0..x4), by row.
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
    (1..=5)
        .map(|c| rows.iter().map(|r| r[c]).collect())
        .collect()
}

/// The largest relative difference between gradmod's Xd and Arbor's, over every CV and sample
/// of both but the injection's (Arbor samples after the injection's BREAKPOINT added to Xd, gradmod
/// before that step).
fn difference(traces: &Traces, reference: &[Vec<f64>]) -> f64 {
    let injection = 4;
    let mut worst: f64 = 0.0;
    for (got, want) in traces.values.iter().zip(reference) {
        // Arbor samples t < 1 ms, gradmod t <= 1 ms.
        assert_eq!(got.len(), want.len() + 1);
        for (j, (g, w)) in got.iter().zip(want).enumerate() {
            if j != injection {
                worst = worst.max((g - w).abs() / w.abs());
            }
        }
    }
    worst
}

#[test]
fn injection_spreads_as_in_arbor() {
    let traces = simulate(&["xd_decay.tau=0".into()]);
    let d = difference(&traces, &arbor("diffusion_inject"));
    println!("Xd against Arbor 0.12 (injection): {d:.1e} relative");
    assert!(d < 1e-12, "{d}");
    // The injection reached the last CV, 80 µm away.
    let last = traces.values[4].last().unwrap();
    assert!(*last > 1.01, "{last}");
}

#[test]
fn injection_and_decay_agree_with_arbor_to_its_cnexp() {
    // gradmod's cnexp multiplies by exp(-tau dt), Arbor's by its (1,1) Padé form
    // (1 - tau dt/2)/(1 + tau dt/2): 1.6e-7 apart per step, 6.4e-6 after 40 steps.
    let traces = simulate(&[]);
    let d = difference(&traces, &arbor("diffusion_inject_decay"));
    println!("Xd against Arbor 0.12 (injection and decay): {d:.1e} relative");
    let per_step = (-0.0125f64).exp() / ((1.0 - 0.00625) / (1.0 + 0.00625)) - 1.0;
    assert!(d < 41.0 * per_step.abs() && d > 0.0, "{d}");
}

#[test]
fn xd_tangents_equal_central_differences() {
    let base = simulate(&[]);
    assert_eq!(base.with_tangents.len(), 5);
    for (k, (key, theta)) in [("xd_inject.alpha", 200.0), ("xd_decay.tau", 0.5)]
        .into_iter()
        .enumerate()
    {
        let h = 1e-4 * theta;
        let plus = simulate(&[format!("{key}={}", theta + h)]);
        let minus = simulate(&[format!("{key}={}", theta - h)]);
        let mut worst: f64 = 0.0;
        let mut scale: f64 = 0.0;
        for (i, &p) in base.with_tangents.iter().enumerate() {
            for (j, &t) in base.tangents[i][k].iter().enumerate() {
                let fd = (plus.values[p][j] - minus.values[p][j]) / (2.0 * h);
                worst = worst.max((t - fd).abs());
                scale = scale.max(fd.abs());
            }
        }
        println!("dXd/d{key}: max |tangent - FD| {worst:.1e} of {scale:.1e}");
        assert!(scale > 1e-3, "{key} moves Xd");
        assert!(worst < 1e-7 * scale, "{key}: {worst} of {scale}");
    }
}
