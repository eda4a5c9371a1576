//! Library functions beyond C's math that published files call: `erf` (the C library's) and
//! NEURON's `nrn_ghk` (tests/mechanisms/ghkerf.mod). The trace, the gate, `nrn_ghk`'s own value
//! and the time constant equal NEURON's (tests/reference/library_functions.py) on the
//! build-time path and on both engines of the run-time path, and the tangents equal central
//! finite differences.

use std::path::{Path, PathBuf};

use crate::models::{pulse_against_neuron, soma_with_pulse};
use gradmod_runtime::ParamSpec;
use gradmod_vm::{Catalogue, EngineChoice};

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/ghkerf.mod")
}

#[test]
fn erf_and_nrn_ghk_give_neurons_values() {
    // gk is about 2000 in magnitude: 1e-9 of it is rounding.
    pulse_against_neuron(
        &file(),
        "ghkerf",
        0.5,
        "library_functions/ghkerf.csv",
        &["v", "m", "gk", "tau"],
        &|column| if column == "gk" { 1e-9 * 2100.0 } else { 1e-9 },
    );
}

/// The tangents of v with respect to gbar, e and p (which reaches v only through nrn_ghk's
/// magnitude in the time constant) equal central finite differences.
#[test]
fn erf_and_nrn_ghk_tangents_match_finite_differences() {
    let cat = Catalogue::load_with(&[&file()], EngineChoice::Jit).unwrap();
    let build = || soma_with_pulse(cat.make("ghkerf").unwrap(), 0.5);
    let specs: Vec<ParamSpec> = ["gbar", "e", "p"]
        .iter()
        .map(|p| ParamSpec::mechanism("ghkerf", p))
        .collect();
    crate::models::fd::check(&build, &specs, &[0], 20.0, &[1e-5; 3], 1e-6);
}
