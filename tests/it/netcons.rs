//! Values kept per connection by NET_RECEIVE (its arguments after the weight, set by the INITIAL
//! nested in it) and self-events (`net_send` with flags, `net_move`), against NEURON's traces
//! (tests/reference/netcons.py, data in tests/reference/data/events/), on the build-time path and
//! on both engines of the run-time path; their tangents against central finite differences.
//!
//! - tmgsyn (PyNN's Tsodyks-Markram synapse, from the wheel corpus; skipped when the corpus is
//!   not fetched): two connections of different weights, each keeping y, z, u and tsyn.
//! - SelfPulse (tests/mechanisms/selfevent.mod): self-events sent from INITIAL and NET_RECEIVE,
//!   which carry the values of the connection whose event sent them.
//! - Mover (tests/mechanisms/mover.mod): `net_move` postpones the pending self-event.

use std::path::{Path, PathBuf};

use crate::models::generated;
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, MechId, Morphology, NetConId, ParamSpec, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

/// The NEURON trace `file` of data/events: its header and rows.
pub(crate) fn reference(file: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/data/events")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

/// A 20 µm × 20 µm soma with pas, as in the reference scripts.
pub(crate) fn soma() -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(generated("pas"), &Region::All).unwrap();
    let pas = cell.mechanism_id("pas").unwrap();
    cell.set_field(pas, "g", &Region::All, 1e-4).unwrap();
    cell.set_field(pas, "e", &Region::All, -65.0).unwrap();
    cell
}

/// `mech` at soma(0.5) with `params`, and one connection per train of (weight, times).
pub(crate) fn with_trains(
    mech: Box<dyn Mechanism>,
    params: &[(&str, f64)],
    trains: &[(f64, &[f64])],
) -> (Cell, MechId, Vec<NetConId>) {
    let mut cell = soma();
    let id = cell.place(mech, &[("soma", 0.5)]).unwrap();
    for &(p, x) in params {
        cell.set_field(id, p, &Region::All, x).unwrap();
    }
    let mut ncs = Vec::new();
    for &(w, times) in trains {
        let nc = cell.connect(id, 0, w).unwrap();
        for &t in times {
            cell.deliver(t, nc).unwrap();
        }
        ncs.push(nc);
    }
    (cell, id, ncs)
}

/// v at soma(0.5) after each of 1200 steps of `mech` driven by `trains`, and its tangents
/// `[k][step]` with respect to `specs`, parameter k first set to x where `set` is `Some((k, x))`.
pub(crate) fn trace_and_tangents(
    mech: Box<dyn Mechanism>,
    trains: &[(f64, &[f64])],
    specs: &[ParamSpec],
    set: Option<(usize, f64)>,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let (mut cell, _, _) = with_trains(mech, &[], trains);
    for s in specs {
        cell.add_parameter(s.clone()).unwrap();
    }
    if let Some((k, x)) = set {
        cell.set_parameter(k, x).unwrap();
    }
    let cv = cell.cv_at("soma", 0.5).unwrap();
    let (mut values, mut tangents) = (Vec::new(), vec![Vec::new(); specs.len()]);
    cell.init().unwrap();
    for _ in 0..1200 {
        cell.step().unwrap();
        values.push(cell.v()[cv]);
        for (k, t) in tangents.iter_mut().enumerate() {
            t.push(cell.tangent(k)[cv]);
        }
    }
    (values, tangents)
}

/// For each of `specs` (whose values are `theta`): the largest |dv/dθ| over the run and its
/// largest deviation from a central difference of two full runs (relative step 1e-5).
pub(crate) fn tangent_deviations(
    mech: &dyn Fn() -> Box<dyn Mechanism>,
    trains: &[(f64, &[f64])],
    specs: &[ParamSpec],
    theta: &[f64],
) -> Vec<(f64, f64)> {
    let (_, tangents) = trace_and_tangents(mech(), trains, specs, None);
    (0..specs.len())
        .map(|k| {
            let h = 1e-5 * theta[k].abs();
            let (plus, _) = trace_and_tangents(mech(), trains, specs, Some((k, theta[k] + h)));
            let (minus, _) = trace_and_tangents(mech(), trains, specs, Some((k, theta[k] - h)));
            gradmod_testkit::fd::deviation(&tangents[k], &plus, &minus, h)
        })
        .collect()
}

/// What a column of the reference data is, read from the cell: `v`, a field of the mechanism, or
/// `ncJ_NAME`, the value of NET_RECEIVE argument NAME kept by connection J.
pub(crate) fn read(cell: &Cell, id: MechId, ncs: &[NetConId], column: &str) -> f64 {
    if column == "v" {
        return cell.v()[cell.cv_at("soma", 0.5).unwrap()];
    }
    let info = cell.mechanism(id).info();
    if let Some((nc, arg)) = column.strip_prefix("nc").and_then(|c| c.split_once('_')) {
        let a = info.net_args.iter().position(|n| *n == arg).unwrap();
        let nc = ncs[nc.parse::<usize>().unwrap()];
        return cell.netcon_values(nc).unwrap()[a];
    }
    cell.field(id, column).unwrap()[0]
}

/// Runs the reference protocol (1200 steps, every 4th recorded) and returns the largest
/// difference from NEURON per column.
pub(crate) fn compare(
    cell: &mut Cell,
    id: MechId,
    ncs: &[NetConId],
    file: &str,
) -> Vec<(String, f64)> {
    let (header, rows) = reference(file);
    let mut worst = vec![0.0f64; header.len()];
    cell.init().unwrap();
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            for _ in 0..4 {
                cell.step().unwrap();
            }
        }
        for (j, column) in header.iter().enumerate().skip(1) {
            let d = (read(cell, id, ncs, column) - row[j]).abs();
            worst[j] = worst[j].max(if d.is_nan() { f64::INFINITY } else { d });
        }
    }
    header.into_iter().zip(worst).skip(1).collect()
}

/// The three paths a test mechanism can take: generated Rust, the JIT and the evaluator.
pub(crate) fn paths(dir: &Path, name: &str) -> Vec<(String, Box<dyn Mechanism>)> {
    let mut out = Vec::new();
    if let Some(m) = crate::models::test_mechanisms::by_name(name) {
        out.push(("build time".to_string(), m));
    }
    for (choice, engine) in [
        (EngineChoice::Jit, "jit"),
        (EngineChoice::Evaluator, "evaluator"),
    ] {
        let cat = Catalogue::load_with(&[dir], choice).unwrap_or_else(|e| panic!("{e}"));
        out.push((engine.to_string(), cat.make(name).unwrap()));
    }
    out
}

const TM_PARAMS: [(&str, f64); 6] = [
    ("e", 0.0),
    ("tau", 3.0),
    ("tau_rec", 40.0),
    ("tau_facil", 100.0),
    ("U", 0.3),
    ("u0", 0.0),
];
const TM_TRAINS: [(f64, &[f64]); 2] = [
    (0.004, &[1.0, 2.3, 4.05, 7.7, 8.2, 15.0, 22.6]),
    (0.009, &[3.1, 4.4, 6.35, 12.9, 13.3, 19.0]),
];

fn tmgsyn_file() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/files/pynn__pyNN_neuron_nmodl_tmgsyn.mod");
    if p.exists() {
        Some(p)
    } else {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
        None
    }
}

#[test]
fn tsodyks_markram_synapse_keeps_values_per_connection_as_neuron_does() {
    let Some(file) = tmgsyn_file() else { return };
    for (engine, mech) in paths(&file, "tmgsyn") {
        let (mut cell, id, ncs) = with_trains(mech, &TM_PARAMS, &TM_TRAINS);
        for (column, d) in compare(&mut cell, id, &ncs, "tmgsyn.csv") {
            println!("tmgsyn ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

#[test]
fn self_events_carry_their_connection_as_in_neuron() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/selfevent.mod");
    let trains: [(f64, &[f64]); 2] = [
        (0.003, &[1.0, 2.0, 6.0, 6.9]),
        (0.005, &[2.5, 9.0, 9.7, 14.2]),
    ];
    for (engine, mech) in paths(&dir, "SelfPulse") {
        let (mut cell, id, ncs) = with_trains(mech, &[], &trains);
        for (column, d) in compare(&mut cell, id, &ncs, "selfevent.csv") {
            println!("SelfPulse ({engine}): max |{column} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

#[test]
fn net_move_postpones_the_pending_self_event_as_in_neuron() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/mover.mod");
    for (engine, mech) in paths(&dir, "Mover") {
        let (mut cell, id, ncs) = with_trains(mech, &[], &[(1.0, &[2.0, 5.5, 6.0, 14.0])]);
        for (column, d) in compare(&mut cell, id, &ncs, "mover.csv") {
            assert!(d == 0.0, "{engine}: {column} differs from NEURON by {d:e}");
        }
    }
}

/// v at the soma and every value connection 1 keeps, recorded every step, with their tangents
/// for every parameter: `(values, tangents)`, the tangents laid out `[k][trace]`.
fn tm_run(
    mech: &dyn Fn() -> Box<dyn Mechanism>,
    specs: &[ParamSpec],
    set: Option<(usize, f64)>,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let (mut cell, _, ncs) = with_trains(mech(), &TM_PARAMS, &TM_TRAINS);
    for s in specs {
        cell.add_parameter(s.clone()).unwrap();
    }
    if let Some((k, x)) = set {
        cell.set_parameter(k, x).unwrap();
    }
    let cv = cell.cv_at("soma", 0.5).unwrap();
    let kk = specs.len();
    let (mut values, mut tangents) = (Vec::new(), vec![Vec::new(); kk]);
    cell.init().unwrap();
    for _ in 0..1000 {
        cell.step().unwrap();
        let args = cell.netcon_values(ncs[1]).unwrap().to_vec();
        let dargs = cell.netcon_tangents(ncs[1]).unwrap().to_vec();
        let n = args.len();
        values.push(cell.v()[cv]);
        values.extend(&args[1..]);
        for (k, t) in tangents.iter_mut().enumerate() {
            t.push(cell.tangent(k)[cv]);
            t.extend(&dargs[k * n + 1..(k + 1) * n]);
        }
    }
    (values, tangents)
}

/// The tangents of v and of the values connection 1 keeps, with respect to U, tau_rec and
/// tau_facil of tmgsyn and to the weight of each connection, equal central finite differences.
/// Event times are data: they are held fixed, and move with no parameter here.
#[test]
fn tsodyks_markram_tangents_match_finite_differences() {
    let Some(file) = tmgsyn_file() else { return };
    let cat = Catalogue::load_with(&[&file], EngineChoice::Jit).unwrap();
    let mech = || cat.make("tmgsyn").unwrap();
    let specs = [
        ParamSpec::mechanism("tmgsyn", "U"),
        ParamSpec::mechanism("tmgsyn", "tau_rec"),
        ParamSpec::mechanism("tmgsyn", "tau_facil"),
        ParamSpec::netcon_weight(NetConId(0)),
        ParamSpec::netcon_weight(NetConId(1)),
    ];
    let (_, tangents) = tm_run(&mech, &specs, None);
    let theta = [0.3, 40.0, 100.0, 0.004, 0.009];
    for k in 0..specs.len() {
        let h = 1e-5 * theta[k];
        let (plus, _) = tm_run(&mech, &specs, Some((k, theta[k] + h)));
        let (minus, _) = tm_run(&mech, &specs, Some((k, theta[k] - h)));
        let (scale, err) = gradmod_testkit::fd::deviation(&tangents[k], &plus, &minus, h);
        println!("tmgsyn tangent {k}: max |tangent| {scale:.3e}, max error {err:.1e}");
        assert!(scale > 0.0, "parameter {k}: every tangent is zero");
        assert!(
            err <= 1e-6 * scale,
            "parameter {k}: error {err:e} of {scale:e}"
        );
    }
}

/// The columns of a CSV file with one header line, by name.
fn csv_columns(path: &Path) -> std::collections::HashMap<String, Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let mut cols: std::collections::HashMap<String, Vec<f64>> =
        header.iter().map(|h| (h.clone(), Vec::new())).collect();
    for l in lines {
        for (h, x) in header.iter().zip(l.split(',')) {
            cols.get_mut(h).unwrap().push(x.parse().unwrap());
        }
    }
    cols
}

/// `gradmod run` of the model text `toml` (the reference model's, its mechanism path made
/// absolute); the output folder.
fn run_model(toml: &str, tag: &str) -> PathBuf {
    let mech = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/selfevent.mod");
    let paths = [("../../../mechanisms/selfevent.mod", mech.as_path())];
    crate::models::run_model_text(toml, &paths, &format!("netcons-{tag}"))
}

/// A model file's `netcons` entries are connections: SelfPulse driven through two of them by
/// `gradmod run` equals NEURON, and the tangent of v with respect to a connection's weight (a
/// `[[parameter]]` named by the connection) equals a central difference of two runs.
#[test]
fn model_file_connections_match_neuron_and_their_weights_differentiate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data/events");
    let text = std::fs::read_to_string(dir.join("selfevent.toml")).unwrap();
    let base = run_model(&text, "base");
    let ours = csv_columns(&base.join("traces.csv"));
    let neuron = csv_columns(&dir.join("selfevent.csv"));
    for c in ["v", "g"] {
        let d = crate::models::max_abs_diff(&ours[c], &neuron[c]);
        println!("selfevent.toml: max |{c} - NEURON| {d:.1e}");
        assert!(d < 1e-9, "{c}: {d:e}");
    }
    let tangent = &csv_columns(&base.join("tangents.csv"))["d(v)/d(second.weight)"];
    let h = 0.005 * 1e-5;
    let moved = |w: f64, tag: &str| {
        let t = text.replace("weight = 0.005", &format!("weight = {w:?}"));
        csv_columns(&run_model(&t, tag).join("traces.csv"))["v"].clone()
    };
    let (plus, minus) = (moved(0.005 + h, "plus"), moved(0.005 - h, "minus"));
    let (scale, err) = gradmod_testkit::fd::deviation(tangent, &plus, &minus, h);
    println!("selfevent.toml: d(v)/d(second.weight) up to {scale:.3e}, error {err:.1e}");
    assert!(scale > 1.0 && err <= 1e-6 * scale, "{err:e} of {scale:e}");
}
