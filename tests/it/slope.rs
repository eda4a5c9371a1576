//! `--slope neuron`: NEURON's finite-difference slope di/dv (the BREAKPOINT block at v + 0.001 mV
//! and at v) instead of the exact, symbolic one. For a current nonlinear in v (a GHK calcium
//! current, tests/reference/data/ghk/) gradmod then reproduces NEURON's trace to rounding, which
//! the exact slope cannot; for model A, whose currents are linear in v, both agree with NEURON.

use crate::models::{csv_column, max_abs_diff};
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/data")
        .join(file)
}

/// The `v` column of `gradmod run MODEL --slope SLOPE`'s traces.csv (column 1).
fn run(model: &Path, slope: &str, name: &str) -> Vec<f64> {
    csv_column(&run_into(model, slope, name, &[]).join("traces.csv"), 1)
}

/// Runs `gradmod run MODEL --slope SLOPE` with `extra` arguments; returns its output folder.
fn run_into(model: &Path, slope: &str, name: &str, extra: &[String]) -> PathBuf {
    let out = std::env::temp_dir().join(format!("gradmod-slope-{name}-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args([
            "run",
            model.to_str().unwrap(),
            "--no-plot",
            "--slope",
            slope,
            "--out",
        ])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    out
}

/// With NEURON's slope the conductance a mechanism adds to the matrix is a finite difference,
/// not the coefficient I_v of S in its current's tangent, so the kernels subtract g S_k from
/// dI_k themselves (the runtime adds G S_k): the tangents of the GHK model along the GHK
/// permeability and the leak still equal central differences of NEURON-slope runs (to 2e-10 and
/// 4e-9 of their largest value; taking the tangent at S_k = 0, right for the symbolic slope only,
/// is off by 7e-7 here).
#[test]
fn neuron_slope_tangents_equal_finite_differences_on_a_ghk_current() {
    let dir = std::env::temp_dir().join(format!("gradmod-slope-fd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(data("ghk/ghkca.mod"), dir.join("ghkca.mod")).unwrap();
    let text = std::fs::read_to_string(data("ghk/ghk.toml")).unwrap()
        + "[[parameter]]\ntarget = \"ghkca.pbar\"\n[[parameter]]\ntarget = \"pas.g\"\n";
    let model = dir.join("ghk.toml");
    std::fs::write(&model, text).unwrap();
    let tangents = run_into(&model, "neuron", "fd-tangents", &[]).join("tangents.csv");
    for (k, (param, value)) in [("ghkca.pbar", 1e-6), ("pas.g", 1e-4)]
        .into_iter()
        .enumerate()
    {
        let h = value * 1e-4;
        let side = |sign: f64, tag: &str| {
            let set = vec!["--set".into(), format!("{param}={}", value + sign * h)];
            let out = run_into(&model, "neuron", &format!("fd-{k}-{tag}"), &set);
            csv_column(&out.join("traces.csv"), 1)
        };
        let (plus, minus) = (side(1.0, "p"), side(-1.0, "m"));
        let tangent = csv_column(&tangents, 1 + k);
        let fd: Vec<f64> = plus
            .iter()
            .zip(&minus)
            .map(|(p, m)| (p - m) / (2.0 * h))
            .collect();
        let scale = fd.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        let err = max_abs_diff(&tangent, &fd);
        println!("{param}: max |dv/dθ| {scale:.3e}, max error {err:.2e}");
        assert!(
            scale > 0.0 && err < 1e-7 * scale,
            "{param}: {err:e} of {scale:e}"
        );
    }
}

#[test]
fn neuron_slope_reproduces_neuron_on_a_ghk_current() {
    let neuron = csv_column(&data("ghk/neuron.csv"), 1);
    let model = data("ghk/ghk.toml");
    let fd = max_abs_diff(&run(&model, "neuron", "ghk-neuron"), &neuron);
    let exact = max_abs_diff(&run(&model, "symbolic", "ghk-symbolic"), &neuron);
    println!(
        "GHK: |v - NEURON| {fd:.1e} mV with NEURON's slope, {exact:.1e} mV with the exact one"
    );
    assert!(fd < 1e-10, "{fd:e}");
    assert!(
        exact > 1e-8,
        "the exact slope differs from NEURON's here ({exact:e})"
    );
}

#[test]
fn both_slopes_agree_with_neuron_on_model_a() {
    let neuron = csv_column(&data("A_hh_axon.csv"), 1);
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/A_hh_axon.toml");
    for slope in ["symbolic", "neuron"] {
        let d = max_abs_diff(&run(&model, slope, &format!("a-{slope}")), &neuron);
        assert!(d < 1e-9, "{slope}: {d:e}");
    }
}
