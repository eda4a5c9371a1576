//! Point processes that spike (`net_event`) and WATCH conditions, against NEURON's traces and
//! spike times (tests/reference/spiking.py, data in tests/reference/data/spiking/), on the
//! build-time path where the mechanism has one and on both engines of the run-time path; their
//! tangents against central finite differences (event times held fixed: the window and steps
//! are such that no spike moves to another step).
//!
//! - Izhikevich and AdExpIF of PyNN (from the wheel corpus; skipped when the corpus is not
//!   fetched): WATCH armed through `net_send(0, flag)` from INITIAL, resets and `net_event`,
//!   driven by a current step (Izhikevich also kicked through a connection).
//! - WatchFire (tests/mechanisms/watchfire.mod): WATCH on a condition over a state.
//! - NEURON's NetStim (corpus) driving an ExpSyn on an hh soma through a connection of the model
//!   file (`netcons = [{ from = "stim", ... }]`, tests/reference/data/spiking/netstim.toml).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gradmod_compiler::ir::Slope;
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, MechId, Morphology, ParamSpec, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

use crate::models::generated;

const DATA: &str = "tests/reference/data/spiking";

/// NEURON's trace `name`.csv.
fn reference(name: &str) -> HashMap<String, Vec<f64>> {
    crate::models::csv_columns(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(DATA)
            .join(format!("{name}.csv")),
    )
}

/// NEURON's spike times of model `name`.
fn reference_spikes(name: &str) -> Vec<f64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(DATA)
        .join("spikes.csv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .filter(|(m, _)| *m == name)
        .map(|(_, t)| t.parse().unwrap())
        .collect()
}

fn corpus_file(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/files")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
        None
    }
}

/// A 20 µm × 20 µm soma of one segment with capacitance `cm` and, optionally, pas (g, e).
fn soma(cm: f64, pas: Option<(f64, f64)>) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.set_cm(&Region::All, cm).unwrap();
    if let Some((g, e)) = pas {
        let id = cell.insert(generated("pas"), &Region::All).unwrap();
        cell.set_field(id, "g", &Region::All, g).unwrap();
        cell.set_field(id, "e", &Region::All, e).unwrap();
    }
    cell
}

/// One of the reference protocols of tests/reference/spiking.py: the cell, the spiking point
/// process and its spike source.
struct Protocol {
    cell: Cell,
    id: MechId,
    source: usize,
}

/// Connections of a protocol: each a weight and its event times.
type Trains = Vec<(f64, Vec<f64>)>;

/// The protocol `name` with `mech` as its point process.
fn protocol(name: &str, mech: Box<dyn Mechanism>) -> Protocol {
    let (mut cell, params, trains, clamp): (Cell, Vec<(&str, f64)>, Trains, _) = match name {
        "izhikevich" => (
            soma(1.0, None),
            vec![("Cm", std::f64::consts::PI * 20.0 * 20.0 * 1e-5)],
            vec![(3.0, vec![40.0, 40.3])],
            (5.0, 70.0, 0.1),
        ),
        "adexp" => (
            soma(20.0, Some((0.0024, -70.6))),
            vec![],
            vec![],
            (5.0, 70.0, 0.8),
        ),
        "watchfire" => (
            soma(1.0, Some((1e-4, -65.0))),
            vec![],
            vec![(0.004, vec![30.0, 30.2, 61.0])],
            (5.0, 50.0, 0.03),
        ),
        "invlfire" => (
            soma(1.0, Some((1e-4, -65.0))),
            vec![],
            vec![(0.4, vec![3.0, 3.5, 22.0, 40.0])],
            (0.0, 0.0, 0.0),
        ),
        "initkick" => (
            soma(1.0, Some((1e-4, -65.0))),
            vec![],
            vec![],
            (0.0, 0.0, 0.0),
        ),
        "watchfire_armed" => (
            soma(1.0, Some((1e-4, -65.0))),
            vec![("vth", -66.0)],
            vec![(-0.003, vec![10.0])],
            (0.0, 0.0, 0.0),
        ),
        _ => unreachable!("{name}"),
    };
    let id = cell.place(mech, &[("soma", 0.5)]).unwrap();
    for (p, x) in params {
        cell.set_field(id, p, &Region::All, x).unwrap();
    }
    for (w, times) in trains {
        let nc = cell.connect(id, 0, w).unwrap();
        for t in times {
            cell.deliver(t, nc).unwrap();
        }
    }
    cell.add_iclamp("soma", 0.5, clamp.0, clamp.1, clamp.2)
        .unwrap();
    let source = cell.event_source(id, 0).unwrap();
    Protocol { cell, id, source }
}

/// Runs `p` as the reference does (3200 steps, every 8th sampled); the largest difference from
/// NEURON per column (`v` or a field of the point process), and the spike times.
fn compare(p: &mut Protocol, name: &str) -> (Vec<(String, f64)>, Vec<f64>) {
    let neuron = reference(name);
    let mut names: Vec<&String> = neuron.keys().filter(|c| *c != "t").collect();
    names.sort();
    let cv = p.cell.cv_at("soma", 0.5).unwrap();
    let mut worst = vec![0.0f64; names.len()];
    p.cell.init().unwrap();
    let expected: Vec<&Vec<f64>> = names.iter().map(|c| &neuron[*c]).collect();
    for r in 0..neuron["t"].len() {
        if r > 0 {
            for _ in 0..8 {
                p.cell.step().unwrap();
            }
        }
        for (j, (c, column)) in names.iter().zip(&expected).enumerate() {
            let ours = if c.as_str() == "v" {
                p.cell.v()[cv]
            } else {
                p.cell.field(p.id, c).unwrap()[0]
            };
            let d = (ours - column[r]).abs();
            worst[j] = worst[j].max(if d.is_nan() { f64::INFINITY } else { d });
        }
    }
    let spikes = p
        .cell
        .take_spikes()
        .into_iter()
        .filter(|s| s.detector == p.source)
        .map(|s| s.time)
        .collect();
    (names.into_iter().cloned().zip(worst).collect(), spikes)
}

/// Checks a comparison: every column within `tol` and the spike times NEURON's (NEURON's t is
/// a sum of half steps, gradmod's a multiple of dt: they differ in the last bits).
fn check(what: &str, name: &str, (worst, spikes): (Vec<(String, f64)>, Vec<f64>), tol: f64) {
    for (c, d) in &worst {
        println!("{what} {name}: max |{c} - NEURON| {d:.1e}");
    }
    // NEURON delivers at the end of its last step the events due by then (a spike at 80 ms
    // exactly), which gradmod delivers at the start of a step it does not run.
    let expected: Vec<f64> = reference_spikes(name)
        .into_iter()
        .filter(|&t| t < 80.0 - 0.0125)
        .collect();
    println!("{what} {name}: spikes {spikes:?}, NEURON {expected:?}");
    for (c, d) in &worst {
        assert!(*d <= tol, "{what} {name}: {c} differs by {d:e}");
    }
    assert_eq!(spikes.len(), expected.len(), "{what} {name}: {spikes:?}");
    for (a, b) in spikes.iter().zip(&expected) {
        assert!(
            (a - b).abs() < 1e-9,
            "{what} {name}: spike at {a}, NEURON {b}"
        );
    }
}

/// The run-time engines' mechanism `name` from `file`, compiled with the slope dI/dv `slope`
/// (NEURON's finite difference for the currents nonlinear in v, so that the comparison is to
/// rounding).
fn engines(file: &Path, name: &str, slope: Slope) -> Vec<(String, Box<dyn Mechanism>)> {
    [
        (EngineChoice::Jit, "jit"),
        (EngineChoice::Evaluator, "evaluator"),
    ]
    .into_iter()
    .map(|(choice, engine)| {
        let mut cat = Catalogue::with_slope(slope).with_engine(choice);
        cat.add_paths(&[file]).unwrap_or_else(|e| panic!("{e}"));
        (engine.to_string(), cat.make(name).unwrap())
    })
    .collect()
}

/// PyNN's Izhikevich cell: WATCH (v > vthresh) armed from INITIAL, its resets of v and u and its
/// spikes equal NEURON's; kicks through a connection go through the same test of the
/// condition as in NEURON (after the events due by t).
#[test]
fn izhikevich_watch_and_net_event_match_neuron() {
    let Some(file) = corpus_file("pynn__pyNN_neuron_nmodl_izhikevich.mod") else {
        return;
    };
    for (engine, mech) in engines(&file, "Izhikevich", Slope::Neuron) {
        let mut p = protocol("izhikevich", mech);
        check(&engine, "izhikevich", compare(&mut p, "izhikevich"), 1e-6);
    }
}

/// PyNN's adaptive exponential integrate-and-fire cell: WATCH, net_event, the spike's peak and
/// the refractory clamp through self-events equal NEURON's.
#[test]
fn adexp_watch_and_net_event_match_neuron() {
    let Some(file) = corpus_file("pynn__pyNN_neuron_nmodl_adexp.mod") else {
        return;
    };
    for (engine, mech) in engines(&file, "AdExpIF", Slope::Neuron) {
        let mut p = protocol("adexp", mech);
        check(&engine, "adexp", compare(&mut p, "adexp"), 1e-6);
    }
}

/// NEURON's IntervalFire, an artificial cell whose self-events fall at times of a logarithm and
/// move (net_move) when a connection kicks it, spikes with net_event at NEURON's times, its m
/// as NEURON's.
#[test]
fn interval_fire_spikes_as_in_neuron() {
    let Some(file) = corpus_file("neuron__neuron_.data_share_nrn_demo_release_invlfire.mod") else {
        return;
    };
    for (engine, mech) in engines(&file, "IntervalFire", Slope::Symbolic) {
        let mut p = protocol("invlfire", mech);
        check(&engine, "invlfire", compare(&mut p, "invlfire"), 1e-9);
    }
}

/// WatchFire (a condition over a state) on every path: generated Rust, JIT, evaluator.
#[test]
fn watch_over_a_state_matches_neuron_on_every_path() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/watchfire.mod");
    let mut paths = vec![(
        "build time".to_string(),
        crate::models::test_mechanisms::by_name("WatchFire").expect("built"),
    )];
    paths.extend(engines(&file, "WatchFire", Slope::Symbolic));
    for (engine, mech) in paths {
        let mut p = protocol("watchfire", mech);
        check(&engine, "watchfire", compare(&mut p, "watchfire"), 1e-6);
    }
}

/// A condition that already holds when it is armed is no crossing (NEURON's WatchCondition
/// starts from its value at activation): WatchFire armed above its threshold at t = 0 fires
/// only after a kick below it, on the recovery, as in NEURON.
#[test]
fn a_condition_holding_when_armed_fires_only_after_falling_as_in_neuron() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/watchfire.mod");
    for (engine, mech) in engines(&file, "WatchFire", Slope::Symbolic) {
        let mut p = protocol("watchfire_armed", mech);
        check(
            &engine,
            "watchfire_armed",
            compare(&mut p, "watchfire_armed"),
            1e-6,
        );
    }
    assert_eq!(reference_spikes("watchfire_armed").len(), 1);
}

/// `net_send(0, flag)` from INITIAL is delivered at initialisation, before the last BREAKPOINT,
/// as NEURON's finitialize does: the first sample shows the conductance it switched on and its
/// current (before, gradmod delivered it in the first step).
#[test]
fn a_self_event_at_t_zero_is_delivered_by_init_as_by_finitialize() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/initkick.mod");
    let mut paths = vec![(
        "build time".to_string(),
        crate::models::test_mechanisms::by_name("InitKick").expect("built"),
    )];
    paths.extend(engines(&file, "InitKick", Slope::Symbolic));
    for (engine, mech) in paths {
        let mut p = protocol("initkick", mech);
        check(&engine, "initkick", compare(&mut p, "initkick"), 1e-12);
        assert_eq!(reference("initkick")["g"][0], 0.001);
    }
}

/// v of the Izhikevich protocol every step, and its tangents for `specs` (parameter `set.0`
/// moved to `set.1`), until `steps`.
fn izhikevich_run(
    mech: &dyn Fn() -> Box<dyn Mechanism>,
    specs: &[ParamSpec],
    set: Option<(usize, f64)>,
    steps: usize,
) -> (Vec<f64>, Vec<Vec<f64>>, Vec<f64>) {
    let mut p = protocol("izhikevich", mech());
    for s in specs {
        p.cell.add_parameter(s.clone()).unwrap();
    }
    if let Some((k, x)) = set {
        p.cell.set_parameter(k, x).unwrap();
    }
    let cv = p.cell.cv_at("soma", 0.5).unwrap();
    let (mut v, mut tangents) = (Vec::new(), vec![Vec::new(); specs.len()]);
    p.cell.init().unwrap();
    for _ in 0..steps {
        p.cell.step().unwrap();
        v.push(p.cell.v()[cv]);
        for (k, t) in tangents.iter_mut().enumerate() {
            t.push(p.cell.tangent(k)[cv]);
        }
    }
    let spikes = p.cell.take_spikes().iter().map(|s| s.time).collect();
    (v, tangents, spikes)
}

/// The tangents of v of the Izhikevich cell with respect to a, b and d (which move the spike
/// times, held fixed in the tangents) equal central finite differences over the first 60 ms,
/// four spikes and both kicks, where the perturbed runs spike in the same steps.
#[test]
fn izhikevich_tangents_match_finite_differences() {
    let Some(file) = corpus_file("pynn__pyNN_neuron_nmodl_izhikevich.mod") else {
        return;
    };
    let cat = Catalogue::load_with(&[&file], EngineChoice::Jit).unwrap();
    let mech = || cat.make("Izhikevich").unwrap();
    let specs = [
        ParamSpec::mechanism("Izhikevich", "a"),
        ParamSpec::mechanism("Izhikevich", "b"),
        ParamSpec::mechanism("Izhikevich", "d"),
    ];
    let theta = [0.02, 0.2, 2.0];
    let steps = 2400;
    let (_, tangents, spikes) = izhikevich_run(&mech, &specs, None, steps);
    assert_eq!(spikes.len(), 4, "{spikes:?}");
    for k in 0..specs.len() {
        let h = 1e-6 * theta[k];
        let (plus, _, sp) = izhikevich_run(&mech, &specs, Some((k, theta[k] + h)), steps);
        let (minus, _, sm) = izhikevich_run(&mech, &specs, Some((k, theta[k] - h)), steps);
        assert!(
            sp == spikes && sm == spikes,
            "a spike moved to another step"
        );
        let (scale, err) = gradmod_testkit::fd::deviation(&tangents[k], &plus, &minus, h);
        println!(
            "izhikevich d(v)/d({:?}): up to {scale:.3e}, error {err:.1e}",
            specs[k].target
        );
        assert!(scale > 0.0 && err <= 1e-6 * scale, "{err:e} of {scale:e}");
    }
}

/// `gradmod run` of the model text `toml` (its path to NEURON's netstim.mod made absolute); the
/// output folder.
fn run_model(toml: &str, tag: &str, netstim: &Path) -> PathBuf {
    let paths = [(
        "../../../corpus/files/neuron__neuron_.data_share_modfile_netstim.mod",
        netstim,
    )];
    crate::models::run_model_text(toml, &paths, &format!("spiking-{tag}"))
}

/// NetStim driving an ExpSyn on an hh soma through a connection of the model file equals
/// NEURON (v, m, h, n and the synapse's g), and the tangent of v with respect to the
/// connection's weight equals a central difference of two runs.
#[test]
fn netstim_drives_a_synapse_through_a_model_file_connection_as_in_neuron() {
    let Some(netstim) = corpus_file("neuron__neuron_.data_share_modfile_netstim.mod") else {
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(DATA);
    let text = std::fs::read_to_string(dir.join("netstim.toml")).unwrap();
    let base = run_model(&text, "base", &netstim);
    let ours = crate::models::csv_columns(&base.join("traces.csv"));
    let neuron = reference("netstim");
    for c in ["v", "m", "h", "n", "g"] {
        let d = crate::models::max_abs_diff(&ours[c], &neuron[c]);
        println!("netstim.toml: max |{c} - NEURON| {d:.1e}");
        assert!(d < 1e-6, "{c}: {d:e}");
    }
    let tangent = &crate::models::csv_columns(&base.join("tangents.csv"))["d(v)/d(input.weight)"];
    let h = 0.004 * 1e-6;
    let moved = |w: f64, tag: &str| {
        let t = text.replace("weight = 0.004", &format!("weight = {w:?}"));
        crate::models::csv_columns(&run_model(&t, tag, &netstim).join("traces.csv"))["v"].clone()
    };
    let (plus, minus) = (moved(0.004 + h, "plus"), moved(0.004 - h, "minus"));
    let (scale, err) = gradmod_testkit::fd::deviation(tangent, &plus, &minus, h);
    println!("netstim.toml: d(v)/d(input.weight) up to {scale:.3e}, error {err:.1e}");
    assert!(scale > 1.0 && err <= 1e-6 * scale, "{err:e} of {scale:e}");
}

/// A network whose connection has a point process as its source (`from = "CELL.LABEL"`): a cell
/// holding only NetStim drives the ExpSyn of an hh cell, which then follows NEURON's trace of
/// the single-cell model (the same spikes, through a connection of the same delay).
#[test]
fn a_network_connection_from_a_point_process_matches_neuron() {
    let Some(netstim) = corpus_file("neuron__neuron_.data_share_modfile_netstim.mod") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("gradmod-spiking-net-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let soma = "[[section]]\nname = \"soma\"\nlength = 20.0\ndiameter = 20.0\n";
    let stim = format!(
        "[mechanisms]\npaths = [{:?}]\n{soma}[[mechanism]]\nname = \"pas\"\n\
         [[point_process]]\nname = \"NetStim\"\nat = \"soma(0.5)\"\nlabel = \"stim\"\n\
         parameters = {{ start = 5.0, interval = 7.0, number = 8, noise = 0.0 }}\n",
        netstim.to_str().unwrap()
    );
    let post = format!(
        "{soma}[[mechanism]]\nname = \"hh\"\n[[point_process]]\nname = \"ExpSyn\"\n\
         at = \"soma(0.5)\"\nlabel = \"syn\"\nparameters = {{ tau = 2.0, e = 0.0 }}\n\
         [[probe]]\nname = \"v\"\nat = \"soma(0.5)\"\ntangents = false\n"
    );
    let net = "[simulation]\ntstop = 80.0\nsample_every = 8\n\
               [[cell]]\nname = \"pre\"\nmodel = \"stim.toml\"\n\
               [[cell]]\nname = \"post\"\nmodel = \"post.toml\"\n\
               [[connection]]\nfrom = \"pre.stim\"\nto = \"post.syn\"\nweight = 0.004\ndelay = 1.0\n";
    std::fs::write(dir.join("stim.toml"), stim).unwrap();
    std::fs::write(dir.join("post.toml"), post).unwrap();
    std::fs::write(dir.join("network.toml"), net).unwrap();
    let out = dir.join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args([
            "run",
            dir.join("network.toml").to_str().unwrap(),
            "--no-plot",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let ours = crate::models::csv_columns(&out.join("post").join("traces.csv"));
    let d = crate::models::max_abs_diff(&ours["v"], &reference("netstim")["v"]);
    println!("network: max |v - NEURON| {d:.1e}");
    assert!(d < 1e-6, "{d:e}");
}
