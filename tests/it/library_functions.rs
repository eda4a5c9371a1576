//! Library functions beyond C's math that published files call: `erf` (the C library's) and
//! NEURON's `nrn_ghk` (tests/mechanisms/ghkerf.mod). The trace, the gate, `nrn_ghk`'s own value
//! and the time constant equal NEURON's (tests/reference/library_functions.py) on the
//! build-time path and on both engines of the run-time path, and the tangents equal central
//! finite differences.

use std::path::{Path, PathBuf};

use super::netcons::paths;
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, MechId, Morphology, ParamSpec, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/ghkerf.mod")
}

/// The reference protocol: a 20 µm × 20 µm soma with ghkerf and a 0.5 nA pulse from 2 to 12 ms.
fn cell(mech: Box<dyn Mechanism>) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(mech, &Region::All).unwrap();
    cell.add_iclamp("soma", 0.5, 2.0, 10.0, 0.5).unwrap();
    cell
}

#[test]
fn erf_and_nrn_ghk_give_neurons_values() {
    let reference = crate::models::csv_columns(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/reference/data/library_functions/ghkerf.csv"),
    );
    for (engine, mech) in paths(&file(), "ghkerf") {
        let mut cell = cell(mech);
        let read = |c: &Cell, column: &str| match column {
            "v" => c.v()[0],
            field => c.field(MechId(0), field).unwrap()[0],
        };
        for (column, d) in
            crate::models::against_reference(&mut cell, &reference, &["v", "m", "gk", "tau"], &read)
        {
            println!("ghkerf ({engine}): max |{column} - NEURON| {d:.1e}");
            // gk is about 2000 in magnitude: 1e-9 of it is rounding.
            let tolerance = if column == "gk" { 1e-9 * 2100.0 } else { 1e-9 };
            assert!(
                d < tolerance,
                "{engine}: {column} differs from NEURON by {d:e}"
            );
        }
    }
}

/// The tangents of v with respect to gbar, e and p (which reaches v only through nrn_ghk's
/// magnitude in the time constant) equal central finite differences.
#[test]
fn erf_and_nrn_ghk_tangents_match_finite_differences() {
    let cat = Catalogue::load_with(&[&file()], EngineChoice::Jit).unwrap();
    let build = || cell(cat.make("ghkerf").unwrap());
    let specs: Vec<ParamSpec> = ["gbar", "e", "p"]
        .iter()
        .map(|p| ParamSpec::mechanism("ghkerf", p))
        .collect();
    crate::models::fd::check(&build, &specs, &[0], 20.0, &[1e-5; 3], 1e-6);
}
