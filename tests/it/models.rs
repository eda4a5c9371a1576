//! Shared by the end-to-end tests: the built-in catalogue (generated from `mod_files/` by the
//! build script), the standard models of docs/MODELS.md over any `hh`, and the NEURON reference data.

pub use gradmod::catalogue;
/// The finite-difference checker, shared with the runtime's own tangent tests.
pub use gradmod_testkit::fd;
pub use gradmod_testkit::max_abs_diff;
/// Models A and B(N) over any `hh`, and model A's recorded CVs.
pub use gradmod_testkit::models::{
    model_a_probes, model_a_with as model_a, model_b_with as model_b,
};

/// Mechanisms only the tests use (`tests/mechanisms/`), compiled by the build script.
pub mod test_mechanisms {
    gradmod_runtime::include_mechanisms!("test_mechanisms");
}

use gradmod_runtime::mechanism::Mechanism;

/// A new mechanism from the generated catalogue or the test mechanisms.
pub fn generated(name: &str) -> Box<dyn Mechanism> {
    catalogue::by_name(name)
        .or_else(|| test_mechanisms::by_name(name))
        .unwrap_or_else(|| panic!("no generated mechanism `{name}`"))
}

/// A column of a reference CSV in `tests/reference/data` (see its README for the format).
pub fn reference_column(file: &str, column: &str) -> Vec<f64> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/data")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let j = header
        .iter()
        .position(|h| *h == column)
        .unwrap_or_else(|| panic!("{file} has no column {column}"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').nth(j).unwrap().parse().unwrap())
        .collect()
}

/// `gradmod run --no-plot` of the model text `toml`, after each `(from, to)` of `paths` replaces a
/// relative path of the text by an absolute one; the output folder (in the system's temporary
/// directory, named after `tag` and the process). Fails the test with gradmod's message if the
/// run fails.
pub fn run_model_text(
    toml: &str,
    paths: &[(&str, &std::path::Path)],
    tag: &str,
) -> std::path::PathBuf {
    run_model_text_on(toml, paths, tag, None)
}

/// [`run_model_text`] with the run-time engine `engine` (`GRADMOD_ENGINE`: `jit` or `evaluator`)
/// where one is given.
pub fn run_model_text_on(
    toml: &str,
    paths: &[(&str, &std::path::Path)],
    tag: &str,
    engine: Option<&str>,
) -> std::path::PathBuf {
    let mut toml = toml.to_string();
    for (from, to) in paths {
        toml = toml.replace(from, to.to_str().unwrap());
    }
    let tmp = std::env::temp_dir();
    let model = tmp.join(format!("gradmod-{tag}-{}.toml", std::process::id()));
    std::fs::write(&model, toml).unwrap();
    let out = tmp.join(format!("gradmod-{tag}-{}", std::process::id()));
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gradmod"));
    if let Some(engine) = engine {
        command.env("GRADMOD_ENGINE", engine);
    }
    let status = command
        .args(["run", model.to_str().unwrap(), "--no-plot", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    out
}

/// Column `j` of a CSV file with one header line.
pub fn csv_column(path: &std::path::Path, j: usize) -> Vec<f64> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(j).unwrap().parse().unwrap())
        .collect()
}

/// The columns of a CSV file with one header line, by name.
pub fn csv_columns(path: &std::path::Path) -> std::collections::HashMap<String, Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let mut cols: std::collections::HashMap<String, Vec<f64>> = Default::default();
    for l in lines {
        for (name, x) in header.iter().zip(l.split(',')) {
            cols.entry(name.clone())
                .or_default()
                .push(x.parse().unwrap());
        }
    }
    cols
}

/// The traces of the first cell of the model file at `path`, built over the built-in library
/// with the `--set` overrides `overrides`.
pub fn simulate_model_file(
    path: &std::path::Path,
    overrides: &[String],
) -> gradmod::output::Traces {
    use gradmod::{Library, model, run};
    let m = model::Model::load(path).unwrap();
    let overrides: Vec<_> = overrides
        .iter()
        .map(|s| model::Override::parse(s).unwrap())
        .collect();
    let built = model::build(&m, &Library::builtin(), &overrides).unwrap_or_else(|e| panic!("{e}"));
    run::simulate(built, false).unwrap().0.remove(0).1
}

/// The names of a mechanism's PARAMETER fields, in the order of its fields.
pub fn parameter_names(info: &gradmod_runtime::mechanism::MechanismInfo) -> Vec<&'static str> {
    info.fields
        .iter()
        .filter(|f| f.role == gradmod_runtime::mechanism::FieldRole::Parameter)
        .map(|f| f.name)
        .collect()
}

/// Runs `cell` from initialisation through the rows of a NEURON trace `reference` (a row every
/// 4 steps, the first at t = 0, as the reference scripts sample) and returns, for each of
/// `columns`, the largest difference between `read(cell, column)` and the trace.
pub fn against_reference(
    cell: &mut gradmod_runtime::Cell,
    reference: &std::collections::HashMap<String, Vec<f64>>,
    columns: &[&str],
    read: &dyn Fn(&gradmod_runtime::Cell, &str) -> f64,
) -> Vec<(String, f64)> {
    let rows = reference["v"].len();
    let mut ours = vec![Vec::with_capacity(rows); columns.len()];
    cell.init().unwrap();
    for r in 0..rows {
        if r > 0 {
            for _ in 0..4 {
                cell.step().unwrap();
            }
        }
        for (o, c) in ours.iter_mut().zip(columns) {
            o.push(read(cell, c));
        }
    }
    columns
        .iter()
        .zip(&ours)
        .map(|(c, o)| (c.to_string(), max_abs_diff(o, &reference[*c])))
        .collect()
}

/// The single-mechanism protocol of tests/reference/neuron_build.py (`run_pulse`): a 20 µm × 20 µm
/// soma with `mech` alone and an IClamp of `amp` nA from 2 to 12 ms.
pub fn soma_with_pulse(mech: Box<dyn Mechanism>, amp: f64) -> gradmod_runtime::Cell {
    use gradmod_runtime::{Cell, Morphology, Region, Settings};
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(mech, &Region::All).unwrap();
    cell.add_iclamp("soma", 0.5, 2.0, 10.0, amp).unwrap();
    cell
}

/// Runs density mechanism `name` of `file` through the single-mechanism protocol with a pulse of
/// `amp` nA on the build-time path, the JIT and the evaluator, and asserts that each of `columns`
/// (v, or a field of the mechanism) stays within `tolerance(column)` of NEURON's trace in
/// tests/reference/data/`csv`.
pub fn pulse_against_neuron(
    file: &std::path::Path,
    name: &str,
    amp: f64,
    csv: &str,
    columns: &[&str],
    tolerance: &dyn Fn(&str) -> f64,
) {
    let reference = csv_columns(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/reference/data")
            .join(csv),
    );
    for (engine, mech) in crate::netcons::paths(file, name) {
        let mut cell = soma_with_pulse(mech, amp);
        let read = |c: &gradmod_runtime::Cell, column: &str| match column {
            "v" => c.v()[0],
            field => c.field(gradmod_runtime::MechId(0), field).unwrap()[0],
        };
        for (column, d) in against_reference(&mut cell, &reference, columns, &read) {
            println!("{name} ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(
                d < tolerance(&column),
                "{engine}: {column} differs from NEURON by {d:e}"
            );
        }
    }
}
