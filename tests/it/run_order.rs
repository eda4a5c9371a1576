//! Mechanisms run in NEURON's order, whatever order a model file lists them in: every mechanism
//! that writes an ion concentration runs ahead of the others in INITIAL and in each step's
//! currents and state update (NEURON's `nrn_writes_conc`). The inferior-olive cell, whose `io_kca`
//! reads the `cali` that `io_cad` writes, gives bit-identical traces and tangents with `io_kca`
//! listed before or after `io_cad`; it fired its first spike at 24.5 ms instead of 102 ms when
//! `io_kca` came first.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh, empty temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradmod-order-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `models/io_cell.toml` with its SWC path made absolute, and the same with the `[[mechanism]]`
/// entry of `io_kca` moved before that of `io_cad`.
fn io_cell_both_orders() -> (String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("models/io_cell.toml")).unwrap();
    let swc = root.join("tests/reference/data/C4A.swc");
    let text = text.replace(
        "\"../tests/reference/data/C4A.swc\"",
        &format!("{:?}", swc.display().to_string()),
    );
    let cad = text.find("[[mechanism]]\nname = \"io_cad\"").unwrap();
    let kca = text.find("[[mechanism]]\nname = \"io_kca\"").unwrap();
    let after = kca + text[kca + 1..].find("[[mechanism]]").unwrap() + 1;
    assert!(cad < kca, "the model file lists io_cad first");
    let swapped = format!(
        "{}{}{}{}",
        &text[..cad],
        &text[kca..after],
        &text[cad..kca],
        &text[after..]
    );
    (text, swapped)
}

/// Runs `gradmod run` on a model text for 150 ms; returns its traces and tangents as text.
fn run(dir: &Path, name: &str, model: &str) -> (String, String) {
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, model).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--set",
            "tstop=150",
            "--no-plot",
        ])
        .args(["--out", dir.join(name).to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |f: &str| std::fs::read_to_string(dir.join(name).join(f)).unwrap();
    (read("traces.csv"), read("tangents.csv"))
}

/// The time of the first sample of `v_soma` above 0 mV.
fn first_spike(traces: &str) -> Option<f64> {
    let mut lines = traces.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let col = header.iter().position(|h| *h == "v_soma")?;
    lines.find_map(|l| {
        let row: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
        (row[col] > 0.0).then_some(row[0])
    })
}

#[test]
fn concentration_writers_run_first_whatever_the_listed_order() {
    let dir = temp_dir("io");
    let (listed, swapped) = io_cell_both_orders();
    let (traces_a, tangents_a) = run(&dir, "listed", &listed);
    let (traces_b, tangents_b) = run(&dir, "swapped", &swapped);
    let spike = first_spike(&traces_a).expect("a spike");
    assert!((101.0..103.0).contains(&spike), "first spike at {spike} ms");
    assert_eq!(first_spike(&traces_b), Some(spike));
    assert!(traces_a == traces_b, "the traces differ");
    assert!(tangents_a == tangents_b, "the tangents differ");
    let _ = std::fs::remove_dir_all(&dir);
}
