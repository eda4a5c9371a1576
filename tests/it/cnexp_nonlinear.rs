//! METHOD cnexp on equations that are not linear in their state, as NEURON 9 runs them
//! (docs/DESIGN.md, "cnexp of a nonlinear equation"): cnpoly's polynomial equation takes
//! nocmodl's cnexp step with a = df/dm (the constant term dropped, as NEURON drops it), cnrat's
//! block, whose state sits in a denominator, is solved by derivimplicit. Both traces equal
//! NEURON's (tests/reference/cnexp_nonlinear.py) on the build-time path and on both engines of the
//! run-time path, and the tangents equal central finite differences. solveif's SOLVE, inside an
//! `if` of BREAKPOINT whose condition is false, still runs every step, as in NEURON.

use std::path::{Path, PathBuf};

use crate::models::{pulse_against_neuron, soma_with_pulse};
use gradmod_runtime::ParamSpec;
use gradmod_vm::{Catalogue, EngineChoice};

fn file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/mechanisms/{name}.mod"))
}

#[test]
fn a_polynomial_equation_takes_neurons_cnexp_step() {
    let csv = "cnexp_nonlinear/cnpoly.csv";
    pulse_against_neuron(&file("cnpoly"), "cnpoly", 0.5, csv, &["v", "m"], &|_| 1e-9);
}

/// NEURON's derivimplicit stops at its convergence test (nrn_newton_thread), gradmod's takes ten
/// Newton iterations (docs/DESIGN.md, "Newton's method kept as a loop"): the traces agree to
/// NEURON's convergence error, 8e-9 mV.
#[test]
fn a_block_beyond_polynomials_is_solved_by_derivimplicit() {
    let csv = "cnexp_nonlinear/cnrat.csv";
    pulse_against_neuron(&file("cnrat"), "cnrat", 0.5, csv, &["v", "m", "h"], &|_| {
        1e-7
    });
}

#[test]
fn a_solve_inside_if_runs_every_step_as_in_neuron() {
    let csv = "cnexp_nonlinear/solveif.csv";
    pulse_against_neuron(&file("solveif"), "solveif", 0.5, csv, &["v", "m"], &|_| {
        1e-9
    });
}

#[test]
fn nonlinear_cnexp_tangents_match_finite_differences() {
    for (name, params) in [
        ("cnpoly", &["gbar", "e", "k"][..]),
        ("cnrat", &["gbar", "e", "kd"]),
        // solveif's `on` reaches nothing (its condition is empty, as in NEURON).
        ("solveif", &["gbar", "e"]),
    ] {
        let cat = Catalogue::load_with(&[&file(name)], EngineChoice::Jit).unwrap();
        let build = || soma_with_pulse(cat.make(name).unwrap(), 0.5);
        let specs: Vec<ParamSpec> = params
            .iter()
            .map(|p| ParamSpec::mechanism(name, p))
            .collect();
        crate::models::fd::check(&build, &specs, &[0], 20.0, &vec![1e-5; specs.len()], 1e-6);
    }
}
