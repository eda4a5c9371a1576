//! Recursion: recur (tests/mechanisms/recur.mod) sums a series by a FUNCTION that calls itself
//! and counts down by a PROCEDURE that does. Inlined up to eight calls deep, it gives NEURON's
//! trace (tests/reference/recursion.py) on the build-time path and on both engines of the
//! run-time path, with tangents equal to central finite differences; a run that needs deeper
//! calls stops with the sentinel's error instead of going on with wrong values.

use std::path::{Path, PathBuf};

use super::netcons::paths;
use crate::models::{pulse_against_neuron, soma_with_pulse};
use gradmod_runtime::{Error, MechId, ParamSpec, Region};
use gradmod_vm::{Catalogue, EngineChoice};

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/recur.mod")
}

#[test]
fn recursive_calls_give_neurons_trace() {
    pulse_against_neuron(
        &file(),
        "recur",
        0.5,
        "recursion/recur.csv",
        &["v", "m", "s", "c"],
        &|_| 1e-9,
    );
}

/// The tangents of v with respect to gbar, e and a (the series' ratio, which reaches v through
/// every level of the recursion) equal central finite differences.
#[test]
fn recursive_calls_have_exact_tangents() {
    let cat = Catalogue::load_with(&[&file()], EngineChoice::Jit).unwrap();
    let build = || soma_with_pulse(cat.make("recur").unwrap(), 0.5);
    let specs: Vec<ParamSpec> = ["gbar", "e", "a"]
        .iter()
        .map(|p| ParamSpec::mechanism("recur", p))
        .collect();
    crate::models::fd::check(&build, &specs, &[0], 20.0, &[1e-5; 3], 1e-6);
}

/// With n = 12 the series needs twelve nested calls, beyond the eight inlined: the run stops at
/// initialisation with an error naming the mechanism, on every path.
#[test]
fn recursion_beyond_the_cut_off_stops_the_run() {
    for (engine, mech) in paths(&file(), "recur") {
        let mut cell = soma_with_pulse(mech, 0.5);
        cell.set_field(MechId(0), "n", &Region::All, 12.0).unwrap();
        let err = cell.run(1.0, None).expect_err(engine.as_str());
        println!("{engine}: {err}");
        assert!(
            matches!(&err, Error::NonFinite { what, .. } if what.contains("recur")),
            "{engine}: {err}"
        );
    }
}
