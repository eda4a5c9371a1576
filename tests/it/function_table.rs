//! FUNCTION_TABLE: ftab (tests/mechanisms/ftab.mod) reads its steady state, time constant and a
//! scale from tables the model gives (at points, at equally spaced points, and a constant, the
//! three ways NEURON's hoc fills them); ftabi is the same solved by derivimplicit. Its trace equals NEURON's (tests/reference/function_table.py)
//! on the build-time path and both engines of the run-time path; its tangents, through the
//! interpolation's slope, equal central finite differences; a table left without values stops
//! the run with an error naming it.

use std::path::{Path, PathBuf};

use super::netcons::paths;
use gradmod_runtime::function_table::FunctionTable;
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, MechId, Morphology, ParamSpec, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/ftab.mod")
}

/// The tables of the reference script.
fn tables() -> [(&'static str, FunctionTable); 3] {
    [
        (
            "ninf",
            FunctionTable::Points {
                x: vec![-100.0, -80.0, -60.0, -40.0, -20.0, 0.0, 20.0],
                y: vec![0.0, 0.01, 0.05, 0.3, 0.7, 0.9, 0.97],
            },
        ),
        (
            "ntau",
            FunctionTable::Even {
                min: -90.0,
                max: 15.0,
                y: vec![1.0, 2.0, 4.0, 5.0, 3.0, 1.5, 1.0, 0.8],
            },
        ),
        ("scale", FunctionTable::Constant(1.5)),
    ]
}

/// The reference protocol: a 20 µm × 20 µm soma with ftab and a 0.3 nA pulse from 2 to 20 ms,
/// with the tables given (all but `skip`).
fn cell(mech: Box<dyn Mechanism>, skip: Option<&str>) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    let id = cell.insert(mech, &Region::All).unwrap();
    for (name, table) in tables() {
        if Some(name) != skip {
            cell.set_function_table(id, name, table).unwrap();
        }
    }
    cell.add_iclamp("soma", 0.5, 2.0, 18.0, 0.3).unwrap();
    cell
}

/// ftab (cnexp) and ftabi (derivimplicit, the table reads run once before the Newton
/// iterations) give NEURON's traces on every path.
#[test]
fn function_tables_give_neurons_trace() {
    for name in ["ftab", "ftabi"] {
        trace_against_neuron(name);
    }
}

fn trace_against_neuron(name: &str) {
    let reference = crate::models::csv_columns(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/reference/data/function_table/{name}.csv")),
    );
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/mechanisms/{name}.mod"));
    for (engine, mech) in paths(&file, name) {
        let mut cell = cell(mech, None);
        let read = |c: &Cell, column: &str| match column {
            "v" => c.v()[0],
            field => c.field(MechId(0), field).unwrap()[0],
        };
        for (column, d) in
            crate::models::against_reference(&mut cell, &reference, &["v", "n"], &read)
        {
            println!("{name} ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

/// The tangents of v with respect to gbar and e equal central finite differences: v moves the
/// tables' arguments, so the tangents go through the interpolation's slope.
#[test]
fn function_table_tangents_match_finite_differences() {
    for choice in [EngineChoice::Jit, EngineChoice::Evaluator] {
        let cat = Catalogue::load_with(&[&file()], choice).unwrap();
        let build = || cell(cat.make("ftab").unwrap(), None);
        let specs = [
            ParamSpec::mechanism("ftab", "gbar"),
            ParamSpec::mechanism("ftab", "e"),
        ];
        crate::models::fd::check(&build, &specs, &[0], 30.0, &[1e-5; 2], 1e-6);
    }
}

#[test]
fn a_function_table_without_values_is_refused_by_name() {
    let cat = Catalogue::load_with(&[&file()], EngineChoice::Evaluator).unwrap();
    let mut cell = cell(cat.make("ftab").unwrap(), Some("ntau"));
    let err = cell.init().unwrap_err().to_string();
    assert!(
        err.contains("FUNCTION_TABLE `ntau` of `ftab` has no values"),
        "{err}"
    );
    let bad = FunctionTable::Points {
        x: vec![0.0, -1.0],
        y: vec![1.0, 2.0],
    };
    let err = cell.set_function_table(MechId(0), "ninf", bad).unwrap_err();
    assert!(err.to_string().contains("must increase"), "{err}");
    let err = cell
        .set_function_table(MechId(0), "minf", FunctionTable::Constant(1.0))
        .unwrap_err();
    assert!(
        err.to_string().contains("has no FUNCTION_TABLE `minf`"),
        "{err}"
    );
}

fn model_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data/function_table/ftab.toml"),
    )
    .unwrap()
}

/// The model description gives the tables (`[[function_table]]`): `gradmod run` gives NEURON's
/// trace.
#[test]
fn a_model_file_gives_the_tables() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/ftab.mod");
    let out = crate::models::run_model_text(
        &model_text(),
        &[("../../../mechanisms/ftab.mod", &dir)],
        "function-table",
    );
    let ours = crate::models::csv_columns(&out.join("traces.csv"));
    let neuron = crate::models::csv_columns(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data/function_table/ftab.csv"),
    );
    let d = crate::models::max_abs_diff(&ours["v"], &neuron["v"]);
    println!("ftab from the model file: max |v - NEURON| {d:.1e}");
    assert!(d < 1e-9, "v differs from NEURON by {d:e}");
}

/// Entries that do not say a table are refused at their place in the file, and a table the
/// model leaves out is named.
#[test]
fn bad_function_table_entries_are_refused_with_their_place() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/ftab.mod");
    let text = model_text().replace("../../../mechanisms/ftab.mod", dir.to_str().unwrap());
    let cases = [
        (
            text.replace("value = 1.5", "value = 1.5\ny = [1.0]"),
            "function_table[2]: give `value`, or `x` and `y`",
        ),
        (
            text.replace(
                "mechanism = \"ftab\"\nname = \"scale\"",
                "mechanism = \"ftb\"\nname = \"scale\"",
            ),
            "no mechanism `ftb` is inserted or placed",
        ),
        (
            text.replace("x = [-100.0, -80.0", "x = [-100.0, -120.0"),
            "abscissae must increase",
        ),
        (
            text.replace(
                "name = \"scale\"\nvalue = 1.5",
                "name = \"scale2\"\nvalue = 1.5",
            ),
            "has no FUNCTION_TABLE `scale2`",
        ),
        (
            text.replace(
                "name = \"scale\"\nvalue = 1.5",
                "name = \"ntau\"\nvalue = 1.5",
            )
            .replacen(
                "[[function_table]]\nmechanism = \"ftab\"\nname = \"ntau\"\nxmin",
                "[[function_table]]\nmechanism = \"ftab\"\nname = \"ninf\"\nxmin",
                1,
            ),
            "FUNCTION_TABLE `scale` of `ftab` has no values",
        ),
    ];
    for (i, (toml, want)) in cases.iter().enumerate() {
        let path =
            std::env::temp_dir().join(format!("gradmod-ftab-bad-{i}-{}.toml", std::process::id()));
        std::fs::write(&path, toml).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gradmod"))
            .args(["run", path.to_str().unwrap(), "--no-plot", "--out"])
            .arg(std::env::temp_dir().join(format!("gradmod-ftab-bad-out-{i}")))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(want),
            "case {i}: {err}"
        );
    }
}
