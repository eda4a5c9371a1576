//! Writing through a POINTER: pyNN's weight adjuster stdwa_songabbott.mod (from the corpus) sets
//! the weight of a synapse (tests/mechanisms/wsyn.mod) from its NET_RECEIVE, bound by
//! tests/reference/data/pointer_write/songabbott.toml; against NEURON's traces
//! (tests/reference/pointer_write.py) on both engines, and the tangents, which flow through the
//! pointer into the synapse's weight, against central finite differences. Skipped when the corpus
//! has not been fetched (tests/corpus/fetch.sh).

use crate::models::{csv_column, max_abs_diff};
use std::path::{Path, PathBuf};
use std::process::Command;

use gradmod::output::Traces;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data/pointer_write")
}

fn corpus_fetched() -> bool {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/files/pynn__pyNN_neuron_nmodl_stdwa_songabbott.mod");
    if !file.exists() {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
    }
    file.exists()
}

/// v, the synapse's conductance and weight, and the adjuster's deltaw equal NEURON's, with the
/// JIT and with the evaluator; the weight moves (up after pre-then-post pairs, down after
/// post-then-pre), so the pointer is written.
#[test]
fn pointer_write_matches_neuron() {
    if !corpus_fetched() {
        return;
    }
    let reference = dir().join("songabbott.csv");
    let w = csv_column(&reference, 3);
    let (up, down) = (
        w.windows(2).any(|p| p[1] > p[0] + 1e-4),
        w.windows(2).any(|p| p[1] < p[0] - 1e-4),
    );
    assert!(up && down, "the weight moves both ways");
    for engine in ["jit", "evaluator"] {
        let out = std::env::temp_dir().join(format!(
            "gradmod-pointer-write-{engine}-{}",
            std::process::id()
        ));
        let status = Command::new(env!("CARGO_BIN_EXE_gradmod"))
            .env("GRADMOD_ENGINE", engine)
            .args(["run", dir().join("songabbott.toml").to_str().unwrap()])
            .args(["--no-plot", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        for (j, name) in ["v", "g", "w", "deltaw"].iter().enumerate() {
            let d = max_abs_diff(
                &csv_column(&out.join("traces.csv"), j + 1),
                &csv_column(&reference, j + 1),
            );
            println!("{engine}: max |{name} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine} {name}: {d:e}");
        }
    }
}

/// Runs the model with overrides (the default engine).
fn simulate(overrides: &[&str]) -> Traces {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    crate::models::simulate_model_file(&dir().join("songabbott.toml"), &overrides)
}

/// The tangents of v and of the synapse's g and w with respect to the adjuster's aLTP and tauLTD
/// (which reach the synapse only through the pointer) and the synapse's w0 match central finite
/// differences of overridden runs. Event times are fixed, so the traces are smooth in each.
#[test]
fn pointer_write_tangents_match_finite_differences() {
    if !corpus_fetched() {
        return;
    }
    let base = simulate(&[]);
    for (param, value, h) in [
        ("StdwaSA.aLTP", 0.1, 1e-6),
        ("StdwaSA.tauLTD", 20.0, 1e-4),
        ("WSyn.w0", 0.002, 1e-8),
    ] {
        let plus = simulate(&[&format!("{param}={}", value + h)]);
        let minus = simulate(&[&format!("{param}={}", value - h)]);
        let k = base.parameters.iter().position(|p| p == param).unwrap();
        for (i, &probe) in base.with_tangents.iter().enumerate() {
            let tangent = &base.tangents[i][k];
            let scale = tangent.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let err = tangent
                .iter()
                .zip(plus.values[probe].iter().zip(&minus.values[probe]))
                .map(|(s, (p, m))| (s - (p - m) / (2.0 * h)).abs())
                .fold(0.0f64, f64::max);
            let name = &base.names[probe];
            println!(
                "d{name}/d({param}) max {scale:e}, relative error {:e}",
                err / scale
            );
            assert!(scale > 0.0, "{param} moves {name}");
            assert!(err / scale < 1e-6, "{param}, {name}: {}", err / scale);
        }
    }
}
