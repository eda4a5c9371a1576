//! METHOD runge: rk4 (tests/mechanisms/rk4.mod) advances two coupled gates, one driven by a
//! sinusoid of t, with NEURON's fourth-order Runge-Kutta step. Its trace equals NEURON's
//! (tests/reference/runge.py) on the build-time path and on both engines of the run-time path,
//! and its tangents equal central finite differences.

use std::path::{Path, PathBuf};

use crate::models::{pulse_against_neuron, soma_with_pulse};
use gradmod_runtime::ParamSpec;
use gradmod_vm::{Catalogue, EngineChoice};

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/rk4.mod")
}

#[test]
fn runge_steps_give_neurons_trace() {
    pulse_against_neuron(
        &file(),
        "rk4",
        0.1,
        "runge/rk4.csv",
        &["v", "m", "h"],
        &|_| 1e-9,
    );
}

/// The tangents of v with respect to gbar, e, w and per equal central finite differences (per
/// reaches v only through the stages' times).
#[test]
fn runge_tangents_match_finite_differences() {
    let cat = Catalogue::load_with(&[&file()], EngineChoice::Jit).unwrap();
    let build = || soma_with_pulse(cat.make("rk4").unwrap(), 0.1);
    let specs: Vec<ParamSpec> = ["gbar", "e", "w", "per"]
        .iter()
        .map(|p| ParamSpec::mechanism("rk4", p))
        .collect();
    crate::models::fd::check(&build, &specs, &[0], 20.0, &[1e-5; 4], 1e-6);
}
