//! Recursion: recur (tests/mechanisms/recur.mod) sums a series by a FUNCTION that calls itself
//! and counts down by a PROCEDURE that does. Inlined up to eight calls deep, it gives NEURON's
//! trace (tests/reference/recursion.py) on the build-time path and on both engines of the
//! run-time path, with tangents equal to central finite differences; a run that needs deeper
//! calls stops with the sentinel's error instead of going on with wrong values.

use std::path::{Path, PathBuf};

use super::netcons::paths;
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, Error, MechId, Morphology, ParamSpec, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/recur.mod")
}

/// The reference protocol: a 20 µm × 20 µm soma with recur and a 0.5 nA pulse from 2 to 12 ms.
fn cell(mech: Box<dyn Mechanism>) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(mech, &Region::All).unwrap();
    cell.add_iclamp("soma", 0.5, 2.0, 10.0, 0.5).unwrap();
    cell
}

#[test]
fn recursive_calls_give_neurons_trace() {
    let reference = crate::models::csv_columns(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data/recursion/recur.csv"),
    );
    for (engine, mech) in paths(&file(), "recur") {
        let mut cell = cell(mech);
        let read = |c: &Cell, column: &str| match column {
            "v" => c.v()[0],
            field => c.field(MechId(0), field).unwrap()[0],
        };
        for (column, d) in
            crate::models::against_reference(&mut cell, &reference, &["v", "m", "s", "c"], &read)
        {
            println!("recur ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

/// The tangents of v with respect to gbar, e and a (the series' ratio, which reaches v through
/// every level of the recursion) equal central finite differences.
#[test]
fn recursive_calls_have_exact_tangents() {
    let cat = Catalogue::load_with(&[&file()], EngineChoice::Jit).unwrap();
    let build = || cell(cat.make("recur").unwrap());
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
        let mut cell = cell(mech);
        cell.set_field(MechId(0), "n", &Region::All, 12.0).unwrap();
        let err = cell.run(1.0, None).expect_err(engine.as_str());
        println!("{engine}: {err}");
        assert!(
            matches!(&err, Error::NonFinite { what, .. } if what.contains("recur")),
            "{engine}: {err}"
        );
    }
}
