//! Event constructs of NMODL against NEURON reference traces (tests/reference/events.py, data in
//! tests/reference/data/events/) and their tangents against central finite differences.
//!
//! - `at_time(te)`: with the fixed step, 1 in the one step whose time t satisfies
//!   t - dt < te - 1e-11 <= t (tests/mechanisms/attime.mod).
//! - `ARTIFICIAL_CELL`: a point process without membrane, here counting events
//!   (tests/mechanisms/counter.mod).
//! - `v = ...` in NET_RECEIVE: the node's membrane potential set by an event, kicks and
//!   integrate-and-fire resets (tests/mechanisms/vkick.mod).

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

/// NET_RECEIVE that sets v (kicks and resets, two of them in one step, a current step): v, the
/// state the reset moves and the v each event saw equal NEURON's on both engines.
#[test]
fn net_receive_sets_v_as_in_neuron() {
    let path = data("vkick.csv");
    let neuron: Vec<Vec<f64>> = (1..4).map(|j| column(&path, j)).collect();
    // The kick at 1 ms moves v by 5 mV within the step that delivers it, the reset at 5 ms to
    // about vreset = -60 mV.
    assert!(neuron[0][41] - neuron[0][40] > 4.9);
    assert!((neuron[0][201] + 60.0).abs() < 0.1 && neuron[0][200] > -56.0);
    for engine in ["jit", "evaluator"] {
        let traces = run(&data("vkick.toml"), engine);
        for (j, name) in ["v", "u", "seen"].iter().enumerate() {
            let d = max_diff(&column(&traces, j + 1), &neuron[j]);
            println!("vkick ({engine}): max |{name} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine} {name}: {d:e}");
        }
    }
}

/// Model A with VKick at the soma: kicks, a kick that fires a spike and resets. The tangents with
/// respect to vreset (v jumps to it, so S_k jumps to 1 at the soma), the adaptation increment d,
/// its current's gu and hh's gkbar match finite differences; event times are held fixed.
#[test]
fn net_receive_setting_v_tangents_match_finite_differences() {
    let build = || {
        let mut cell = model_a(0.0, generated("hh"));
        let p = cell.place(generated("VKick"), &[("soma", 0.5)]).unwrap();
        cell.set_field(p, "gu", &Region::All, 0.05).unwrap();
        for (time, weight) in [
            (2.0, 6.0),
            (6.0, -1.0),
            (9.0, 30.0),
            (13.0, -1.0),
            (15.0, 4.0),
        ] {
            cell.schedule(time, p, 0, weight).unwrap();
        }
        cell
    };
    let (s, a) = model_a_probes(&build());
    let specs = vec![
        ParamSpec::mechanism("VKick", "vreset"),
        ParamSpec::mechanism("VKick", "d"),
        ParamSpec::mechanism("VKick", "gu"),
        ParamSpec::mechanism("hh", "gkbar"),
    ];
    check(&build, &specs, &[s, a], 20.0, &[1e-6; 4], 1e-6);
}

/// INITIAL that assigns v works on a copy, as NEURON's `nrn_init` does (`v = _v; initmodel()`,
/// never written back): later statements of INITIAL read the assigned value, and so does a
/// PROCEDURE it calls, but the node keeps the voltage it started at (NEURON 9.0.2 keeps -70 mV
/// after `finitialize(-70)` with Arbor's lif.mod inserted, which sets `v = V_rev` = -65 mV).
#[test]
fn initial_assigning_v_changes_only_its_copy() {
    use gradmod_runtime::{Cell, Morphology, Settings};
    let dir = std::env::temp_dir().join(format!("gradmod-vinit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vinit.mod");
    std::fs::write(
        &path,
        "NEURON { SUFFIX vinit RANGE x, y, vstart }\n\
         PARAMETER { vstart = -50 (mV) }\n\
         ASSIGNED { v (mV) x (mV) y (mV) }\n\
         INITIAL { x = v v = vstart y = 0 twice() }\n\
         PROCEDURE twice() { y = 2 * v }\n",
    )
    .unwrap();
    for engine in [
        gradmod_vm::EngineChoice::Jit,
        gradmod_vm::EngineChoice::Evaluator,
    ] {
        let vm = gradmod_vm::Catalogue::load_with(std::slice::from_ref(&path), engine).unwrap();
        let mut m = Morphology::new();
        m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
        let mut cell = Cell::new(m, Settings::default()).unwrap();
        let id = cell
            .insert(vm.mechanisms()[0].make(), &Region::All)
            .unwrap();
        cell.add_parameter(ParamSpec::mechanism("vinit", "vstart"))
            .unwrap();
        cell.init().unwrap();
        let cv = cell.cv_at("soma", 0.5).unwrap();
        assert_eq!(cell.v()[cv], -65.0, "the node keeps its voltage");
        assert_eq!(cell.field(id, "x").unwrap()[0], -65.0);
        assert_eq!(cell.field(id, "y").unwrap()[0], -100.0);
        assert_eq!(cell.tangent(0)[cv], 0.0, "and its tangent");
    }
}
