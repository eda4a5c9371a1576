//! The bundled model files of `models/`, loaded and built by `gradmod run`'s loader with the
//! generated catalogue, reproduce NEURON 9.0.2's reference traces (`tests/reference/data`).

// The modules below are the binary's own; each test binary uses a part of them.

use std::path::{Path, PathBuf};

use gradmod::output::{self, Traces};
use gradmod::{Library, model, plot, run};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads, builds and simulates a model file of `models/` with the built-in catalogue.
fn simulate(file: &str, overrides: &[&str]) -> Traces {
    let m = model::Model::load(&root().join("models").join(file)).unwrap();
    let library = Library::builtin();
    let overrides: Vec<_> = overrides
        .iter()
        .map(|s| model::Override::parse(s).unwrap())
        .collect();
    let built = model::build(&m, &library, &overrides).unwrap_or_else(|e| panic!("{e}"));
    let (mut traces, _) = run::simulate(built, false).unwrap();
    traces.remove(0).1
}

/// A numeric column of a reference CSV file.
fn reference(file: &str, column: &str) -> Vec<f64> {
    let path = root().join("tests/reference/data").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let j = header.iter().position(|h| *h == column).unwrap();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').nth(j).unwrap().parse().unwrap())
        .collect()
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "trace lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn column<'a>(t: &'a Traces, name: &str) -> &'a [f64] {
    let i = t.names.iter().position(|n| n == name).unwrap();
    &t.values[i]
}

#[test]
fn model_a_file_matches_neuron() {
    let t = simulate("A_hh_axon.toml", &[]);
    assert_eq!(t.times.len(), 4001);
    for name in ["v_soma", "v_axon_end"] {
        let d = max_abs_diff(column(&t, name), &reference("A_hh_axon.csv", name));
        println!("model A {name}: max |dV| = {d:e} mV");
        assert!(d < 1e-6, "{name} differs from NEURON by {d:e} mV");
    }
    assert_eq!(
        t.parameters,
        ["hh.gnabar", "hh.gkbar", "hh.gl", "IClamp.amp"]
    );
    assert_eq!(t.with_tangents, [0, 1]);
}

#[test]
fn model_b100_file_matches_neuron() {
    let t = simulate("B100_hh_cable.toml", &[]);
    for name in ["v_first", "v_last"] {
        let d = max_abs_diff(column(&t, name), &reference("B100_hh_cable.csv", name));
        println!("model B(100) {name}: max |dV| = {d:e} mV");
        assert!(d < 1e-6, "{name} differs from NEURON by {d:e} mV");
    }
}

#[test]
fn model_c_passive_file_matches_neuron() {
    let t = simulate("C_passive.toml", &[]);
    assert_eq!(t.times.len(), 1001, "every 4th step");
    for name in ["v_soma", "v_dend7_mid", "v_dend20_end", "v_dend53_end"] {
        let d = max_abs_diff(column(&t, name), &reference("C_passive.csv", name));
        println!("model C passive {name}: max |dV| = {d:e} mV");
        assert!(d < 1e-6, "{name} differs from NEURON by {d:e} mV");
    }
}

/// Tangents from the model file against central finite differences of runs with `--set`
/// overrides: the loader's parameters and overrides address the same model values.
#[test]
fn model_a_tangent_matches_overridden_runs() {
    let base = simulate("A_hh_axon.toml", &["tstop=20"]);
    let h = 1e-6;
    let plus = simulate(
        "A_hh_axon.toml",
        &["tstop=20", &format!("hh.gkbar={}", 0.036 + h)],
    );
    let minus = simulate(
        "A_hh_axon.toml",
        &["tstop=20", &format!("hh.gkbar={}", 0.036 - h)],
    );
    let k = base
        .parameters
        .iter()
        .position(|p| p == "hh.gkbar")
        .unwrap();
    let tangent = &base.tangents[0][k];
    let scale = tangent.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let err = tangent
        .iter()
        .zip(plus.values[0].iter().zip(&minus.values[0]))
        .map(|(s, (p, m))| (s - (p - m) / (2.0 * h)).abs())
        .fold(0.0f64, f64::max);
    println!(
        "d(v_soma)/d(gkbar): max {scale:e}, relative error {:e}",
        err / scale
    );
    assert!(scale > 1.0 && err / scale < 1e-5);
}

/// Writes nothing into the repository: outputs go to a fresh temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradmod-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn model_c_file_writes_outputs() {
    let dir = temp_dir("c-outputs");
    let t = simulate("C_passive.toml", &["tstop=5"]);
    let files = t.write(&dir).unwrap();
    assert_eq!(files.len(), 5);
    let (shape, _) = output::read_npy(&dir.join("tangents.npy")).unwrap();
    assert_eq!(shape, [51, 4, 3]);
    plot::plot(&t, &dir.join("plot.png"), "C").unwrap();
    assert!(Path::new(&dir.join("plot.png")).exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Loads and simulates a network model of `models/`; returns each cell's traces.
fn simulate_network(file: &str, overrides: &[&str]) -> Vec<(String, Traces)> {
    let m = model::Model::load(&root().join("models").join(file)).unwrap();
    let library = Library::builtin();
    let overrides: Vec<_> = overrides
        .iter()
        .map(|s| model::Override::parse(s).unwrap())
        .collect();
    let built = model::build(&m, &library, &overrides).unwrap_or_else(|e| panic!("{e}"));
    run::simulate(built, false).unwrap().0
}

/// The gap-junction network: the unstimulated cell fires only through the junction, and its
/// tangent (θ shared by both cells) matches finite differences of overridden runs.
#[test]
fn gap_junction_network_carries_spikes_and_tangents() {
    let base = simulate_network("network_gap.toml", &["tstop=25"]);
    assert_eq!(base[1].0, "b");
    let b = &base[1].1;
    let peak = |v: &[f64]| v.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
    assert!(peak(&b.values[0]) > 30.0, "b fires through the junction");
    let quiet = simulate_network("network_gap.toml", &["tstop=25", "IClamp.amp=0"]);
    assert!(
        peak(&quiet[1].1.values[0]) < -60.0,
        "b is quiet without a's spike"
    );

    let h = 1e-6;
    let g = 0.036;
    let plus = simulate_network(
        "network_gap.toml",
        &["tstop=25", &format!("hh.gkbar={}", g + h)],
    );
    let minus = simulate_network(
        "network_gap.toml",
        &["tstop=25", &format!("hh.gkbar={}", g - h)],
    );
    let k = b.parameters.iter().position(|p| p == "hh.gkbar").unwrap();
    let tangent = &b.tangents[0][k];
    let scale = tangent.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let err = tangent
        .iter()
        .zip(plus[1].1.values[0].iter().zip(&minus[1].1.values[0]))
        .map(|(s, (p, m))| (s - (p - m) / (2.0 * h)).abs())
        .fold(0.0f64, f64::max);
    println!(
        "network b: d(v_soma)/d(gkbar) max {scale:e}, relative error {:e}",
        err / scale
    );
    assert!(scale > 1.0 && err / scale < 1e-5);
}

/// Builds model text with the catalogue.
fn build_text(text: &str) -> model::build::Built {
    let m = model::Model::parse("inline.toml", text, Path::new(".")).unwrap();
    let library = Library::builtin();
    model::build(&m, &library, &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// The discretisation rules and regions of a model file reach the runtime: nseg by rule and by
/// section, mechanisms painted by path distance, regional cable overrides.
#[test]
fn discretization_regions_and_cable_overrides() {
    let sections = "[[section]]\nname = \"soma\"\nlength = 20.0\ndiameter = 20.0\n\n\
                    [[section]]\nname = \"axon\"\nparent = \"soma\"\nlength = 400.0\n\
                    diameter = 1.0\n";
    let ncv = |extra: &str| {
        build_text(&format!("{sections}{extra}")).cells[0]
            .cell
            .cv_count()
    };
    // NEURON's nodes: one per segment, one zero-area end node per section, the root's 0-end.
    assert_eq!(ncv(""), 2 + 2 + 1);
    assert_eq!(ncv("[discretization]\nmax_length = 10.0\n"), 2 + 40 + 3);
    assert_eq!(ncv("[discretization]\nnseg = 3\n"), 3 + 3 + 3);
    let dl = {
        let mut m = gradmod_runtime::Morphology::new();
        let s = m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
        m.add_cylinder("axon", 2, 400.0, 1.0, Some((s, 1.0)), 1)
            .unwrap();
        m.set_nseg_d_lambda(0.1, 100.0, |_| 100.0, |_| 1.0);
        m.sections().iter().map(|s| s.nseg).sum::<usize>()
    };
    assert_eq!(ncv("[discretization]\nd_lambda = 0.1\n"), dl + 3);

    let built = build_text(&format!(
        "{sections}[discretization]\nmax_length = 10.0\n\n\
         [regions]\nfar = {{ distance = [220.0, 1000.0] }}\n\n\
         [cable]\nRa = 150.0\n[[cable.override]]\nregion = \"far\"\ncm = 2.0\n\n\
         [[mechanism]]\nname = \"pas\"\n\n\
         [[mechanism]]\nname = \"hh\"\nregion = \"far\"\n\n\
         [[parameter]]\ntarget = \"cm\"\nregions = [\"far\"]\nlog = true\n"
    ));
    let cell = &built.cells[0].cell;
    let hh = cell.mechanism_id("hh").unwrap();
    // Axon segment centres lie 25 + 10 j µm from the root: 20 of them (225 to 415) beyond 220 µm.
    assert_eq!(cell.mechanism(hh).instance_count(), 20);
    let pas = cell.mechanism_id("pas").unwrap();
    assert_eq!(cell.mechanism(pas).instance_count(), 42);
    assert_eq!(built.cells[0].parameters, ["log cm@far"]);
    assert_eq!(cell.settings().ra, 150.0);
}
