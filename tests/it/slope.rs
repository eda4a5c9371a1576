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
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    csv_column(&out.join("traces.csv"), 1)
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
