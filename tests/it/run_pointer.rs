//! POINTER variables end to end: two hh cells joined by a gap junction written as a .mod file
//! with a POINTER (tests/mechanisms/gapjunction.mod, bound by tests/reference/gap/gap_pair.toml),
//! against NEURON's traces, its tangents against central finite differences, results independent
//! of the thread count, and the error for an unbound pointer.

use std::path::PathBuf;

use gradmod::output::Traces;
use gradmod::{Library, model, run};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/gap")
}

/// Runs the gap pair with overrides; returns the traces of cells a and b.
fn simulate(overrides: &[&str]) -> Vec<(String, Traces)> {
    let m = model::Model::load(&dir().join("gap_pair.toml")).unwrap();
    let overrides: Vec<_> = overrides
        .iter()
        .map(|s| model::Override::parse(s).unwrap())
        .collect();
    let built = model::build(&m, &Library::builtin(), &overrides).unwrap_or_else(|e| panic!("{e}"));
    run::simulate(built, false).unwrap().0
}

/// NEURON's v_a and v_b (tests/reference/gap/gap_pair.py), by row.
fn reference() -> (Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(dir().join("gap_pair.csv")).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        a.push(f[1]);
        b.push(f[2]);
    }
    (a, b)
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Both cells' voltages equal NEURON's (setpointer to the other soma's v) to rounding, and the
/// unstimulated cell b is driven through the junction.
#[test]
fn pointer_gap_pair_matches_neuron() {
    let cells = simulate(&[]);
    let (ra, rb) = reference();
    let (da, db) = (
        max_abs_diff(&cells[0].1.values[0], &ra),
        max_abs_diff(&cells[1].1.values[0], &rb),
    );
    println!("gap pair vs NEURON: max |dv| a {da:e} mV, b {db:e} mV");
    assert!(da < 1e-7 && db < 1e-7, "a {da}, b {db}");
    let peak_b = rb.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
    assert!(peak_b > -40.0, "b is depolarised through the junction");
    let quiet = simulate(&["GapJunction.g=0"]);
    let peak_quiet = quiet[1].1.values[0]
        .iter()
        .fold(f64::NEG_INFINITY, |m, &x| m.max(x));
    assert!(peak_quiet < -64.0, "without the junction b stays at rest");
}

/// The tangents of both cells' v with respect to the junction conductance and to gnabar (each
/// moving in both cells) match central finite differences of overridden runs: the tangent flows
/// through the pointer.
#[test]
fn pointer_gap_pair_tangents_match_finite_differences() {
    let base = simulate(&[]);
    for (param, value, h) in [("GapJunction.g", 0.002, 1e-7), ("hh.gnabar", 0.12, 1e-6)] {
        let plus = simulate(&[&format!("{param}={}", value + h)]);
        let minus = simulate(&[&format!("{param}={}", value - h)]);
        for c in 0..2 {
            let t = &base[c].1;
            let k = t.parameters.iter().position(|p| p == param).unwrap();
            let tangent = &t.tangents[0][k];
            let scale = tangent.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let err = tangent
                .iter()
                .zip(plus[c].1.values[0].iter().zip(&minus[c].1.values[0]))
                .map(|(s, (p, m))| (s - (p - m) / (2.0 * h)).abs())
                .fold(0.0f64, f64::max);
            println!(
                "cell {}: dv/d({param}) max {scale:e}, relative error {:e}",
                base[c].0,
                err / scale
            );
            assert!(scale > 1.0, "{param} moves cell {}", base[c].0);
            assert!(
                err / scale < 1e-5,
                "{param}, cell {}: {}",
                base[c].0,
                err / scale
            );
        }
    }
}

/// The cells exchange pointer values between steps on one thread, so the traces and tangents
/// are the same to the bit on one thread and on several.
#[test]
fn pointer_gap_pair_is_bit_identical_for_any_thread_count() {
    let on = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
            .install(|| simulate(&[]))
    };
    let (one, four) = (on(1), on(4));
    for c in 0..2 {
        assert_eq!(one[c].1.values, four[c].1.values);
        assert_eq!(one[c].1.tangents, four[c].1.tangents);
    }
}

/// A point process whose POINTER nothing binds is an error at its entry, naming the pointer.
#[test]
fn unbound_pointer_is_an_error_at_its_entry() {
    let text = std::fs::read_to_string(dir().join("cell_a.toml")).unwrap();
    let m = model::Model::parse("cell_a.toml", &text, &dir()).unwrap();
    let e = match model::build(&m, &Library::builtin(), &[]) {
        Ok(_) => panic!("an unbound POINTER must be an error"),
        Err(e) => e.to_string(),
    };
    println!("{e}");
    assert!(e.contains("cell_a.toml"), "{e}");
    assert!(e.contains("POINTER `vgap`"), "{e}");
    assert!(e.contains("point process `gap`"), "{e}");
    // Bound in the cell's own file, to its own soma, it runs (a junction to itself carries no
    // current).
    let bound = text.replace(
        "label = \"gap\"\n",
        "label = \"gap\"\npointers = { vgap = \"v@soma(0.5)\" }\n",
    );
    let m = model::Model::parse("cell_a.toml", &bound, &dir()).unwrap();
    let built = model::build(&m, &Library::builtin(), &[]).unwrap_or_else(|e| panic!("{e}"));
    run::simulate(built, false).unwrap();
    // Only v can be pointed to.
    let other = text.replace(
        "label = \"gap\"\n",
        "label = \"gap\"\npointers = { vgap = \"hh.m@soma(0.5)\" }\n",
    );
    let m = model::Model::parse("cell_a.toml", &other, &dir()).unwrap();
    let e = model::build(&m, &Library::builtin(), &[])
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("membrane potential only"), "{e}");
}

/// A painted (density) mechanism with a POINTER cannot be bound: an error at its entry.
#[test]
fn painted_pointer_is_an_error_at_its_entry() {
    let dir = std::env::temp_dir().join(format!("gradmod-painted-pointer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ptrpas.mod"),
        "NEURON { SUFFIX ptrpas POINTER vx NONSPECIFIC_CURRENT i RANGE g }\n\
         PARAMETER { g = 0.001 (S/cm2) }\n\
         ASSIGNED { v (mV) vx (mV) i (mA/cm2) }\n\
         BREAKPOINT { i = g * (v - vx) }\n",
    )
    .unwrap();
    let text = "[mechanisms]\npaths = [\"ptrpas.mod\"]\n\n[[section]]\nname = \"soma\"\n\
                length = 20.0\ndiameter = 20.0\n\n[[mechanism]]\nname = \"ptrpas\"\n";
    let error = |text: &str| {
        let m = model::Model::parse("painted.toml", text, &dir).unwrap();
        match model::build(&m, &Library::builtin(), &[]) {
            Ok(_) => panic!("a painted POINTER must be an error"),
            Err(e) => e.to_string(),
        }
    };
    let e = error(text);
    assert!(
        e.contains("mechanism[0].name") && e.contains("POINTER (`vx`)"),
        "{e}"
    );
    let e = error(&format!("{text}pointers = {{ vx = \"v@soma(0.5)\" }}\n"));
    assert!(e.contains("mechanism[0].pointers.vx"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Arbor's gap junction `gj.mod` (JUNCTION_PROCESS, from the corpus) is a point process whose
/// POINTER `v_peer` the model binds to the peer's v: put in place of gapjunction.mod in the gap
/// pair (same conductance, its current written i = g*(v - v_peer) instead of an electrode current),
/// both cells equal NEURON's traces, and its tangents are those of the POINTER junction to the bit.
/// Skipped when the corpus has not been fetched (tests/corpus/fetch.sh).
#[test]
fn arbor_junction_process_is_a_pointer_gap_junction() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let gj = root.join("tests/corpus/files/arbor__mechanisms_default_gj.mod");
    if !gj.exists() {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("gradmod-junction-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let rewrite = |name: &str| {
        let text = std::fs::read_to_string(dir().join(name)).unwrap();
        let text = text
            .replace(
                "paths = [\"../../mechanisms/gapjunction.mod\"]",
                &format!("paths = [{:?}]", gj.to_str().unwrap()),
            )
            .replace(
                "name = \"GapJunction\"",
                "name = \"gj\"\nparameters = { g = 0.002 }",
            )
            .replace("GapJunction.g", "gj.g")
            .replace(".vgap", ".v_peer");
        std::fs::write(tmp.join(name), text).unwrap();
    };
    for name in ["gap_pair.toml", "cell_a.toml", "cell_b.toml"] {
        rewrite(name);
    }
    let m = model::Model::load(&tmp.join("gap_pair.toml")).unwrap();
    let built = model::build(&m, &Library::builtin(), &[]).unwrap_or_else(|e| panic!("{e}"));
    let cells = run::simulate(built, false).unwrap().0;
    let pointer = simulate(&[]);
    let (ra, rb) = reference();
    for (c, r) in [(0, &ra), (1, &rb)] {
        let d = max_abs_diff(&cells[c].1.values[0], r);
        println!("gj.mod, cell {}: max |v - NEURON| {d:e} mV", cells[c].0);
        assert!(d < 1e-7, "{d}");
        assert_eq!(cells[c].1.values, pointer[c].1.values);
        assert_eq!(cells[c].1.tangents, pointer[c].1.tangents);
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}
