//! METHOD runge: rk4 (tests/mechanisms/rk4.mod) advances two coupled gates, one driven by a
//! sinusoid of t, with NEURON's fourth-order Runge-Kutta step. Its trace equals NEURON's
//! (tests/reference/runge.py) on the build-time path and on both engines of the run-time path,
//! and its tangents equal central finite differences.

use std::path::{Path, PathBuf};

use super::netcons::paths;
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, MechId, Morphology, ParamSpec, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/rk4.mod")
}

/// The reference protocol: a 20 µm × 20 µm soma with rk4 and a 0.1 nA pulse from 2 to 12 ms.
fn cell(mech: Box<dyn Mechanism>) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(mech, &Region::All).unwrap();
    cell.add_iclamp("soma", 0.5, 2.0, 10.0, 0.1).unwrap();
    cell
}

#[test]
fn runge_steps_give_neurons_trace() {
    let reference = crate::models::csv_columns(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data/runge/rk4.csv"),
    );
    for (engine, mech) in paths(&file(), "rk4") {
        let mut cell = cell(mech);
        let read = |c: &Cell, column: &str| match column {
            "v" => c.v()[0],
            field => c.field(MechId(0), field).unwrap()[0],
        };
        for (column, d) in
            crate::models::against_reference(&mut cell, &reference, &["v", "m", "h"], &read)
        {
            println!("rk4 ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

/// The tangents of v with respect to gbar, e, w and per equal central finite differences (per
/// reaches v only through the stages' times).
#[test]
fn runge_tangents_match_finite_differences() {
    let cat = Catalogue::load_with(&[&file()], EngineChoice::Jit).unwrap();
    let build = || cell(cat.make("rk4").unwrap());
    let specs: Vec<ParamSpec> = ["gbar", "e", "w", "per"]
        .iter()
        .map(|p| ParamSpec::mechanism("rk4", p))
        .collect();
    crate::models::fd::check(&build, &specs, &[0], 20.0, &[1e-5; 4], 1e-6);
}
