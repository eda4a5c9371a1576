//! FOR_NETCONS: ForNetcons (tests/mechanisms/fornetcons.mod) raises, every 6 ms, the potentiation
//! A of every connection onto it by how recently that connection fired, in a FOR_NETCONS loop of
//! its NET_RECEIVE. Its traces and every connection's values equal NEURON's
//! (tests/reference/for_netcons.py, data in tests/reference/data/events/) on the build-time path
//! and on both engines of the run-time path, and its tangents equal central finite differences.

use std::path::{Path, PathBuf};

use super::netcons::{compare, paths, tangent_deviations, with_trains};
use gradmod_runtime::{NetConId, ParamSpec};
use gradmod_vm::{Catalogue, EngineChoice};

/// The connections of the reference run (weight, event times), as in the reference script.
const TRAINS: [(f64, &[f64]); 3] = [
    (0.002, &[1.0, 3.5, 9.25, 17.0, 23.3]),
    (0.004, &[2.0, 4.4, 11.35, 12.9, 21.3]),
    (0.003, &[5.0, 7.7, 15.0, 24.6]),
];

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/fornetcons.mod")
}

#[test]
fn for_netcons_gives_neurons_traces_and_connection_values() {
    for (engine, mech) in paths(&file(), "ForNetcons") {
        let (mut cell, id, ncs) = with_trains(mech, &[], &TRAINS);
        for (column, d) in compare(&mut cell, id, &ncs, "fornetcons.csv") {
            println!("ForNetcons ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

/// The tangents of v with respect to dA, tauA and tau and to the connections' weights equal
/// central finite differences on both engines: the loop's changes to the connections' values
/// carry their tangents into the events that follow. (The period moves event times, which the
/// tangents hold fixed.)
#[test]
fn for_netcons_tangents_match_finite_differences() {
    for choice in [EngineChoice::Jit, EngineChoice::Evaluator] {
        let cat = Catalogue::load_with(&[&file()], choice).unwrap();
        let mech = || cat.make("ForNetcons").unwrap();
        let specs = [
            ParamSpec::mechanism("ForNetcons", "dA"),
            ParamSpec::mechanism("ForNetcons", "tauA"),
            ParamSpec::mechanism("ForNetcons", "tau"),
            ParamSpec::netcon_weight(NetConId(0)),
            ParamSpec::netcon_weight(NetConId(1)),
            ParamSpec::netcon_weight(NetConId(2)),
        ];
        let theta: [f64; 6] = [0.3, 10.0, 2.0, 0.002, 0.004, 0.003];
        let deviations = tangent_deviations(&mech, &TRAINS, &specs, &theta);
        for (k, &(scale, err)) in deviations.iter().enumerate() {
            println!(
                "ForNetcons ({choice:?}) tangent {k}: max |tangent| {scale:.3e}, max error {err:.1e}"
            );
            assert!(scale > 0.0, "parameter {k}: every tangent is zero");
            assert!(
                err <= 1e-6 * scale,
                "parameter {k}: error {err:e} of {scale:e}"
            );
        }
    }
}
