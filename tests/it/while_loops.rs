//! While loops: WhileLoop (tests/mechanisms/whileloop.mod) sums a Taylor series of exp in a
//! FUNCTION until its terms no longer change the sum (10 to 25 terms, following v) and adds 7/8
//! of each weight in NET_RECEIVE in halving steps. Its traces equal NEURON's
//! (tests/reference/while_loop.py, data in tests/reference/data/events/) on both engines of the
//! run-time path, the build-time path runs as they do, and its tangents equal central finite
//! differences.

use std::path::{Path, PathBuf};

use super::netcons::{compare, paths, read, tangent_deviations, with_trains};
use gradmod_compiler::ir::Slope;
use gradmod_runtime::{NetConId, ParamSpec};
use gradmod_vm::{Catalogue, EngineChoice};

/// The connections of the reference run: weights 0.004 and 0.009, and 0 (its loop runs no
/// iteration), as in the reference script.
const TRAINS: [(f64, &[f64]); 3] = [
    (0.004, &[1.0, 3.5, 9.25, 17.0]),
    (0.009, &[2.0, 4.4, 6.35, 12.9, 21.3]),
    (0.0, &[5.0, 7.7, 15.0, 24.6]),
];

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/whileloop.mod")
}

/// v, g, the number of terms of the last series and of halvings of the last event equal
/// NEURON's on both engines of the run-time path with NEURON's slope di/dv (the current is not
/// linear in v, so the exact slope differs from NEURON's by about 1e-5 mV).
#[test]
fn while_loops_give_neurons_traces() {
    for (choice, engine) in [
        (EngineChoice::Jit, "jit"),
        (EngineChoice::Evaluator, "evaluator"),
    ] {
        let mut cat = Catalogue::with_slope(Slope::Neuron).with_engine(choice);
        cat.add_paths(&[file()]).unwrap_or_else(|e| panic!("{e}"));
        let (mut cell, id, ncs) = with_trains(cat.make("WhileLoop").unwrap(), &[], &TRAINS);
        for (column, d) in compare(&mut cell, id, &ncs, "whileloop.csv") {
            println!("WhileLoop ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

/// The build-time path (generated Rust, the exact slope) runs as both engines do with the exact
/// slope: v, g, nterms and nhalf to rounding.
#[test]
fn while_loops_run_alike_on_every_path() {
    let runs: Vec<(String, Vec<[f64; 4]>)> = paths(&file(), "WhileLoop")
        .into_iter()
        .map(|(engine, mech)| {
            let (mut cell, id, ncs) = with_trains(mech, &[], &TRAINS);
            cell.init().unwrap();
            let rows = (0..1200)
                .map(|_| {
                    cell.step().unwrap();
                    ["v", "g", "nterms", "nhalf"].map(|c| read(&cell, id, &ncs, c))
                })
                .collect();
            (engine, rows)
        })
        .collect();
    assert_eq!(
        runs.len(),
        3,
        "the build-time path, the JIT and the evaluator"
    );
    let (first, rows) = &runs[0];
    for (engine, other) in &runs[1..] {
        let d = rows
            .iter()
            .zip(other)
            .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
            .fold(0.0f64, f64::max);
        println!("WhileLoop: max difference {first} - {engine} {d:.1e}");
        assert!(d < 1e-12, "{first} and {engine} differ by {d:e}");
    }
}

/// The tangents of v with respect to tau, vh and vk of WhileLoop and to the two nonzero weights
/// equal central finite differences, on both engines: the loops run as often as on the
/// simulated path (their conditions are data, held fixed), and the tangent of the series is the
/// series of the tangents. (The zero weight sits where its loop starts to run: no derivative.)
#[test]
fn while_loop_tangents_match_finite_differences() {
    for choice in [EngineChoice::Jit, EngineChoice::Evaluator] {
        let cat = Catalogue::load_with(&[&file()], choice).unwrap();
        let mech = || cat.make("WhileLoop").unwrap();
        let specs = [
            ParamSpec::mechanism("WhileLoop", "tau"),
            ParamSpec::mechanism("WhileLoop", "vh"),
            ParamSpec::mechanism("WhileLoop", "vk"),
            ParamSpec::netcon_weight(NetConId(0)),
            ParamSpec::netcon_weight(NetConId(1)),
        ];
        let theta: [f64; 5] = [3.0, -50.0, 8.0, 0.004, 0.009];
        let deviations = tangent_deviations(&mech, &TRAINS, &specs, &theta);
        for (k, &(scale, err)) in deviations.iter().enumerate() {
            println!(
                "WhileLoop ({choice:?}) tangent {k}: max |tangent| {scale:.3e}, max error {err:.1e}"
            );
            assert!(scale > 0.0, "parameter {k}: every tangent is zero");
            assert!(
                err <= 1e-6 * scale,
                "parameter {k}: error {err:e} of {scale:e}"
            );
        }
    }
}
