//! `return` written in VERBATIM (the early exits of published files): EarlyExit
//! (tests/mechanisms/earlyexit.mod) leaves NET_RECEIVE early under a condition on the weight, a
//! FUNCTION with a value and a PROCEDURE in the middle of their bodies. Its traces equal
//! NEURON's (tests/reference/early_return.py, data in tests/reference/data/events/) on the
//! build-time path and on both engines of the run-time path, and its tangents equal central
//! finite differences.

use std::path::{Path, PathBuf};

use super::netcons::{compare, paths, tangent_deviations, with_trains};
use gradmod_runtime::{NetConId, ParamSpec};
use gradmod_vm::{Catalogue, EngineChoice};

/// The connections of the reference run: weight 0.003 (under wmin: its events only count),
/// 0.006, and 0.01 (above wcap: not scaled by gain), as in the reference script.
const TRAINS: [(f64, &[f64]); 3] = [
    (0.003, &[1.0, 3.5, 9.25, 17.0]),
    (0.006, &[2.0, 4.4, 6.35, 12.9, 21.3]),
    (0.01, &[5.0, 7.7, 15.0, 24.6]),
];

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/earlyexit.mod")
}

#[test]
fn early_returns_give_neurons_traces() {
    for (engine, mech) in paths(&file(), "EarlyExit") {
        let (mut cell, id, ncs) = with_trains(mech, &[], &TRAINS);
        for (column, d) in compare(&mut cell, id, &ncs, "earlyexit.csv") {
            println!("EarlyExit ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

/// The tangents of v with respect to gain and tau of EarlyExit and to the weights of the
/// connections equal central finite differences: the exits are taken on the path of the
/// simulation (their conditions are data, held fixed), and what they skip contributes nothing.
/// The connection under wmin moves nothing: its tangent is 0, as its difference quotient is.
#[test]
fn early_return_tangents_match_finite_differences() {
    let cat = Catalogue::load_with(&[&file()], EngineChoice::Jit).unwrap();
    let mech = || cat.make("EarlyExit").unwrap();
    let specs = [
        ParamSpec::mechanism("EarlyExit", "gain"),
        ParamSpec::mechanism("EarlyExit", "tau"),
        ParamSpec::netcon_weight(NetConId(0)),
        ParamSpec::netcon_weight(NetConId(1)),
        ParamSpec::netcon_weight(NetConId(2)),
    ];
    let theta = [1.5, 2.0, 0.003, 0.006, 0.01];
    let deviations = tangent_deviations(&mech, &TRAINS, &specs, &theta);
    for (k, &(scale, err)) in deviations.iter().enumerate() {
        println!("EarlyExit tangent {k}: max |tangent| {scale:.3e}, max error {err:.1e}");
        if k == 2 {
            assert!(
                scale == 0.0 && err == 0.0,
                "the weight under wmin moves v: tangent {scale:e}, error {err:e}"
            );
        } else {
            assert!(scale > 0.0, "parameter {k}: every tangent is zero");
            assert!(
                err <= 1e-6 * scale,
                "parameter {k}: error {err:e} of {scale:e}"
            );
        }
    }
}
