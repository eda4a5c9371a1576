//! Large nonlinear KINETIC schemes, which the solver runs as Newton's method kept as loops
//! (docs/DESIGN.md, "Newton's method kept as a loop"), against NEURON's traces
//! (tests/reference/newton_kinetic.py, data in tests/reference/data/newton/):
//!
//! - cabuf (tests/mechanisms/cabuf.mod, 14 states: calcium with four buffers and a pump) on the
//!   build-time path and on both engines of the run-time path, and its tangents against central
//!   finite differences (tests/it/vm_equivalence.rs finds the three paths bit-identical, tangents
//!   included);
//! - the calretinin variant of the published cdp5 family (22 states, from the corpus; skipped
//!   when the corpus is not fetched) on both engines of the run-time path.
//!
//! They agree to rounding: v within 1e-10 mV, each state within 1e-10 of its largest value (3.5e-13
//! mV on cabuf, 4.4e-13 mV on cdp5 CR), because the loops stop as NEURON's `sparse` does (once an
//! iteration's increments sum to at most 1e-6, states below zero set to zero; with ten fixed
//! iterations instead, cabuf differed by NEURON's convergence error, 6e-8 mV). The generated code
//! of each stays linear in the
//! scheme's size (compiler/tests/it/passes_implicit.rs bounds it).

use std::path::{Path, PathBuf};

use crate::models::{fd, generated};
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, MechId, Morphology, ParamSpec, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

/// The NEURON trace `file` of data/newton: its header and rows.
fn reference(file: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/data/newton")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

/// The reference protocol's cell: a 20 µm × 20 µm soma with pas (g 1e-4, e -65), `mech`
/// inserted, and 0.2 nA from 5 to 25 ms at soma(0.5).
fn cell_with(mech: Box<dyn Mechanism>) -> (Cell, MechId) {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(generated("pas"), &Region::All).unwrap();
    let pas = cell.mechanism_id("pas").unwrap();
    cell.set_field(pas, "g", &Region::All, 1e-4).unwrap();
    cell.set_field(pas, "e", &Region::All, -65.0).unwrap();
    let id = cell.insert(mech, &Region::All).unwrap();
    cell.add_iclamp("soma", 0.5, 5.0, 20.0, 0.2).unwrap();
    (cell, id)
}

/// Runs the reference protocol (1200 steps, every 4th compared) and returns, per column of the
/// NEURON trace `file`, the largest difference relative to the column's largest magnitude (v:
/// absolute, in mV).
fn compare(mech: Box<dyn Mechanism>, file: &str) -> Vec<(String, f64)> {
    let (header, rows) = reference(file);
    let (mut cell, id) = cell_with(mech);
    let cv = cell.cv_at("soma", 0.5).unwrap();
    let mut worst = vec![0.0f64; header.len()];
    cell.init().unwrap();
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            for _ in 0..4 {
                cell.step().unwrap();
            }
        }
        for (j, column) in header.iter().enumerate().skip(1) {
            let x = if column == "v" {
                cell.v()[cv]
            } else {
                cell.field(id, column).unwrap()[0]
            };
            let d = (x - row[j]).abs();
            worst[j] = worst[j].max(if d.is_nan() { f64::INFINITY } else { d });
        }
    }
    let scale: Vec<f64> = (0..header.len())
        .map(|j| rows.iter().map(|r| r[j].abs()).fold(0.0, f64::max))
        .collect();
    header
        .into_iter()
        .zip(worst)
        .enumerate()
        .skip(1)
        .map(|(j, (c, d))| {
            let d = if c == "v" { d } else { d / scale[j] };
            (c, d)
        })
        .collect()
}

fn cabuf_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/cabuf.mod")
}

/// The mechanism `name` of `file` on the JIT and on the evaluator.
fn engines(file: &Path, name: &str) -> Vec<(&'static str, Box<dyn Mechanism>)> {
    [
        (EngineChoice::Jit, "jit"),
        (EngineChoice::Evaluator, "evaluator"),
    ]
    .into_iter()
    .map(|(choice, engine)| {
        let cat = Catalogue::load_with(&[file], choice).unwrap_or_else(|e| panic!("{e}"));
        (engine, cat.make(name).unwrap())
    })
    .collect()
}

#[test]
fn a_large_nonlinear_kinetic_scheme_gives_neurons_traces() {
    let mut paths = vec![("build time", generated("cabuf"))];
    paths.extend(engines(&cabuf_file(), "cabuf"));
    for (engine, mech) in paths {
        for (column, d) in compare(mech, "cabuf.csv") {
            println!("cabuf ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-10, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

#[test]
fn a_large_nonlinear_kinetic_scheme_has_the_tangents_of_central_differences() {
    let params = ["pin", "gk", "k1f", "m1", "TotalPump", "vh"];
    let specs: Vec<ParamSpec> = params
        .iter()
        .map(|p| ParamSpec::mechanism("cabuf", p))
        .collect();
    let build = || cell_with(generated("cabuf")).0;
    let cv = build().cv_at("soma", 0.5).unwrap();
    fd::check(&build, &specs, &[cv], 30.0, &[1e-5; 6], 1e-6);
}

#[test]
fn the_published_cdp5_calretinin_scheme_gives_neurons_traces_on_both_engines() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/files/dbbs_catalogue__dbbs_catalogue_mods_neuron_cdp5__CR.mod");
    if !file.exists() {
        println!(
            "note: the corpus has not been fetched (tests/corpus/fetch.sh); nothing to compare"
        );
        return;
    }
    for (engine, mech) in engines(&file, "glia__dbbs__cdp5__CR") {
        for (column, d) in compare(mech, "cdp5_CR.csv") {
            println!("cdp5 CR ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-10, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}
