//! Event constructs of NMODL against NEURON reference traces (tests/reference/events.py, data in
//! tests/reference/data/events/) and their tangents against central finite differences.
//!
//! - `at_time(te)`: with the fixed step, 1 in the one step whose time t satisfies
//!   t - dt < te - 1e-11 <= t (tests/mechanisms/attime.mod).
//! - `ARTIFICIAL_CELL`: a point process without membrane, here counting events
//!   (tests/mechanisms/counter.mod).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::models::fd::{check, run as run_fd};
use crate::models::{generated, model_a, model_a_probes};
use gradmod_runtime::{ParamSpec, Region};

fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/data/events")
        .join(file)
}

/// Column `j` of a CSV file with one header line.
fn column(path: &Path, j: usize) -> Vec<f64> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(j).unwrap().parse().unwrap())
        .collect()
}

/// The traces.csv of `gradmod run MODEL` with the engine `engine`.
fn run(model: &Path, engine: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!(
        "gradmod-events-{}-{engine}-{}",
        model.file_stem().unwrap().to_string_lossy(),
        std::process::id()
    ));
    let status = Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .env("GRADMOD_ENGINE", engine)
        .args(["run", model.to_str().unwrap(), "--no-plot", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    out.join("traces.csv")
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn at_time_pulses_match_neuron() {
    let neuron = column(&data("attime.csv"), 1);
    // The pulses must be there: 1 ms and 3.0125 ms move v by about 4 and 8 mV.
    assert!(neuron[41] - neuron[40] > 3.0 && neuron[121] - neuron[120] > 7.0);
    for engine in ["jit", "evaluator"] {
        let ours = column(&run(&data("attime.toml"), engine), 1);
        let d = max_diff(&ours, &neuron);
        println!("at_time ({engine}): max |v - NEURON| {d:.1e} mV");
        assert!(d < 1e-9, "{engine}: {d:e}");
    }
}

/// Model A with the at_time pulses at the soma, large enough to fire a spike: the tangents with
/// respect to the amplitudes and hh's gkbar match finite differences. The pulse time `del` is held
/// fixed (at_time is a step function of it): its tangent is 0, as is its finite difference away
/// from the step boundaries.
#[test]
fn at_time_tangents_match_finite_differences() {
    let build = || {
        let mut cell = model_a(0.0, generated("hh"));
        let p = cell
            .place(generated("AtTimePulse"), &[("soma", 0.5)])
            .unwrap();
        cell.set_field(p, "del", &Region::All, 2.0).unwrap();
        cell.set_field(p, "del2", &Region::All, 5.0125).unwrap();
        cell.set_field(p, "amp", &Region::All, 40.0).unwrap();
        cell.set_field(p, "base", &Region::All, 0.05).unwrap();
        cell
    };
    let (s, a) = model_a_probes(&build());
    let specs = vec![
        ParamSpec::mechanism("AtTimePulse", "amp"),
        ParamSpec::mechanism("AtTimePulse", "base"),
        ParamSpec::mechanism("hh", "gkbar"),
    ];
    check(&build, &specs, &[s, a], 20.0, &[1e-5; 3], 1e-6);
    // The pulse time: its tangent is 0, and so is the finite difference (the pulse moves by 0
    // steps), while the trace itself does depend on it (a pulse one step later spikes later).
    let del = [ParamSpec::mechanism("AtTimePulse", "del")];
    let (base, theta) = run_fd(&build, &del, &[s], None, 20.0, 1);
    let (plus, _) = run_fd(&build, &del, &[s], Some((0, theta[0] + 1e-5)), 20.0, 1);
    let (later, _) = run_fd(&build, &del, &[s], Some((0, theta[0] + 0.025)), 20.0, 1);
    assert!(base[1].iter().all(|&x| x == 0.0));
    assert_eq!(plus[0], base[0]);
    assert!(crate::models::max_abs_diff(&later[0], &base[0]) > 1.0);
}

#[test]
fn artificial_cell_receives_events_as_in_neuron() {
    let path = data("counter.csv");
    let (total, n) = (column(&path, 1), column(&path, 2));
    assert_eq!(n.last(), Some(&3.0));
    for engine in ["jit", "evaluator"] {
        let traces = run(&data("counter.toml"), engine);
        assert_eq!(column(&traces, 1), total, "{engine}: total");
        assert_eq!(column(&traces, 2), n, "{engine}: n");
    }
}

/// An artificial cell has no membrane: one that reads v or writes a current is rejected, with
/// the location of the mechanism.
#[test]
fn artificial_cell_with_a_membrane_is_rejected() {
    let dir = std::env::temp_dir().join(format!("gradmod-events-art-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body, what) in [
        (
            "reads_v.mod",
            "NEURON { ARTIFICIAL_CELL A RANGE x }\nASSIGNED { x }\nNET_RECEIVE (w) { x = v }\n",
            "an ARTIFICIAL_CELL cannot use v, area or diam",
        ),
        (
            "current.mod",
            "NEURON { ARTIFICIAL_CELL B NONSPECIFIC_CURRENT i }\nASSIGNED { i }\nBREAKPOINT { i = 0 }\n",
            "an ARTIFICIAL_CELL cannot use a membrane current or an ion",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_gradmod"))
            .arg("check")
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name} was accepted");
        assert!(err.contains(what), "{name}: {err}");
        assert!(err.contains(&format!("{name}:1:")), "{name}: {err}");
    }
}
