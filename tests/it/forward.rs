//! The generated `hh` and `pas` against the runtime's hand-written test mechanisms and against
//! NEURON 9.0.2 reference traces (models A and B(100) of docs/MODELS.md).

// The runtime's hand-written test mechanisms index parallel arrays by range.

use crate::models::{generated, max_abs_diff, model_a, model_a_probes, model_b, reference_column};
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, Morphology, Probe, Recorder, Region, Settings};
use gradmod_testkit::{hh, pas, point};

/// Runs `cell` for `tstop` ms, recording v at `cvs` every step.
fn run(mut cell: Cell, cvs: &[usize], tstop: f64) -> Vec<Vec<f64>> {
    let probes = cvs.iter().map(|&cv| Probe::Voltage { cv }).collect();
    let mut rec = Recorder::new(probes, 1);
    cell.run(tstop, Some(&mut rec)).unwrap();
    rec.traces
}

#[test]
fn generated_hh_reproduces_the_hand_written_hh_on_model_a() {
    let cell = model_a(0.5, generated("hh"));
    let (s, a) = model_a_probes(&cell);
    let ours = run(cell, &[s, a], 100.0);
    let theirs = run(model_a(0.5, Box::new(hh::Hh::new())), &[s, a], 100.0);
    let d = max_abs_diff(&ours[0], &theirs[0]).max(max_abs_diff(&ours[1], &theirs[1]));
    println!("model A, generated vs hand-written hh: max |dV| {d:e} mV");
    assert!(
        ours[1].iter().any(|&v| v > 0.0),
        "a spike reaches the axon's end"
    );
    assert!(d < 1e-9, "max |dV| {d:e} mV");
}

/// A branched cell with hh everywhere and pas on the dendrites (tag 3).
fn branched(hh: Box<dyn Mechanism>, pas: Box<dyn Mechanism>) -> Cell {
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 15.0, 15.0, None, 1).unwrap();
    let d1 = m
        .add_frustum("dend1", 3, 150.0, 3.0, 1.0, Some((soma, 1.0)), 5)
        .unwrap();
    m.add_cylinder("dend2", 3, 100.0, 1.5, Some((soma, 1.0)), 4)
        .unwrap();
    m.add_cylinder("dend1a", 3, 80.0, 0.8, Some((d1, 1.0)), 3)
        .unwrap();
    m.add_cylinder("axon", 2, 200.0, 1.0, Some((soma, 0.0)), 6)
        .unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    let hh = cell.insert(hh, &Region::All).unwrap();
    cell.set_field(hh, "gnabar", &Region::Tag(3), 0.06).unwrap();
    let pas = cell.insert(pas, &Region::Tag(3)).unwrap();
    cell.set_field(pas, "g", &Region::All, 2e-4).unwrap();
    cell.set_field(pas, "e", &Region::All, -65.0).unwrap();
    cell.add_iclamp("soma", 0.5, 2.0, 1.0, 0.3).unwrap();
    cell
}

#[test]
fn generated_hh_and_pas_reproduce_the_hand_written_ones_on_a_branched_cell() {
    let cell = branched(generated("hh"), generated("pas"));
    let cvs = [
        cell.cv_at("soma", 0.5).unwrap(),
        cell.cv_at("dend1a", 0.9).unwrap(),
        cell.cv_at("axon", 0.95).unwrap(),
    ];
    let ours = run(cell, &cvs, 50.0);
    let theirs = run(
        branched(Box::new(hh::Hh::new()), Box::new(pas::Pas::new())),
        &cvs,
        50.0,
    );
    let d = (0..cvs.len())
        .map(|c| max_abs_diff(&ours[c], &theirs[c]))
        .fold(0.0, f64::max);
    println!("branched cell, generated vs hand-written hh and pas: max |dV| {d:e} mV");
    assert!(d < 1e-9, "max |dV| {d:e} mV");
}

#[test]
fn generated_pas_reproduces_the_hand_written_pas() {
    let build = |pas: Box<dyn Mechanism>| {
        let mut m = Morphology::new();
        m.add_cylinder("cable", 3, 500.0, 2.0, None, 20).unwrap();
        let mut cell = Cell::new(m, Settings::default()).unwrap();
        let id = cell.insert(pas, &Region::All).unwrap();
        cell.set_field(id, "g", &Region::All, 1e-4).unwrap();
        cell.add_iclamp("cable", 0.0, 5.0, 20.0, 0.05).unwrap();
        cell
    };
    let cell = build(generated("pas"));
    let cvs = [
        cell.cv_at("cable", 0.0).unwrap(),
        cell.cv_at("cable", 1.0).unwrap(),
    ];
    let ours = run(cell, &cvs, 40.0);
    let theirs = run(build(Box::new(pas::Pas::new())), &cvs, 40.0);
    let d = max_abs_diff(&ours[0], &theirs[0]).max(max_abs_diff(&ours[1], &theirs[1]));
    println!("passive cable, generated vs hand-written pas: max |dV| {d:e} mV");
    assert!(d < 1e-12, "max |dV| {d:e} mV");
}

#[test]
fn generated_hh_matches_neuron_on_model_a() {
    let cell = model_a(0.5, generated("hh"));
    let (s, a) = model_a_probes(&cell);
    let ours = run(cell, &[s, a], 100.0);
    let ds = max_abs_diff(&ours[0], &reference_column("A_hh_axon.csv", "v_soma"));
    let da = max_abs_diff(&ours[1], &reference_column("A_hh_axon.csv", "v_axon_end"));
    println!("model A vs NEURON: max |dV| soma {ds:e} mV, axon end {da:e} mV");
    assert!(ds < 1e-6 && da < 1e-6);
}

#[test]
fn generated_hh_matches_neuron_on_model_b100() {
    let cell = model_b(100, generated("hh"));
    let first = cell.cv_at("cable", 0.005).unwrap();
    let last = cell.cv_at("cable", 0.995).unwrap();
    let ours = run(cell, &[first, last], 100.0);
    let d0 = max_abs_diff(&ours[0], &reference_column("B100_hh_cable.csv", "v_first"));
    let d1 = max_abs_diff(&ours[1], &reference_column("B100_hh_cable.csv", "v_last"));
    println!("model B(100) vs NEURON: max |dV| first {d0:e} mV, last {d1:e} mV");
    assert!(d0 < 1e-6 && d1 < 1e-6);
}

#[test]
fn generated_expsyn_reproduces_the_hand_written_one() {
    let build = |syn: Box<dyn Mechanism>| {
        let mut cell = model_a(0.0, Box::new(hh::Hh::new()));
        let id = cell.place(syn, &[("axon", 0.3)]).unwrap();
        cell.set_field(id, "tau", &Region::All, 3.0).unwrap();
        cell.schedule(2.0, id, 0, 0.002).unwrap();
        cell.schedule(4.0, id, 0, 0.004).unwrap();
        cell
    };
    let cell = build(generated("ExpSyn"));
    let (s, a) = model_a_probes(&cell);
    let ours = run(cell, &[s, a], 30.0);
    let theirs = run(build(Box::<point::ExpSyn>::default()), &[s, a], 30.0);
    let d = max_abs_diff(&ours[0], &theirs[0]).max(max_abs_diff(&ours[1], &theirs[1]));
    println!("model A with a synapse, generated vs hand-written ExpSyn: max |dV| {d:e} mV");
    assert!(
        ours[1].iter().any(|&v| v > 0.0),
        "the synapse fires the axon"
    );
    assert!(d < 1e-9, "max |dV| {d:e} mV");
}

/// Model A driven by the generated `Clamp` (an ELECTRODE_CURRENT point process) instead of the
/// runtime's IClamp.
fn model_a_with_clamp() -> Cell {
    let mut cell = model_a(0.0, generated("hh"));
    let clamp = cell.place(generated("Clamp"), &[("soma", 0.5)]).unwrap();
    cell.set_field(clamp, "del", &Region::All, 10.0).unwrap();
    cell.set_field(clamp, "dur", &Region::All, 1.0).unwrap();
    cell.set_field(clamp, "amp", &Region::All, 0.5).unwrap();
    cell
}

#[test]
fn generated_electrode_current_reproduces_the_runtime_iclamp() {
    let cell = model_a_with_clamp();
    let (s, a) = model_a_probes(&cell);
    let ours = run(cell, &[s, a], 30.0);
    let theirs = run(model_a(0.5, generated("hh")), &[s, a], 30.0);
    let d = max_abs_diff(&ours[0], &theirs[0]).max(max_abs_diff(&ours[1], &theirs[1]));
    println!(
        "model A, generated electrode-current clamp vs the runtime's IClamp: max |dV| {d:e} mV"
    );
    assert!(ours[0].iter().any(|&v| v > 0.0), "the clamp fires the soma");
    assert!(d < 1e-9, "max |dV| {d:e} mV");
}

#[test]
fn mechanisms_named_with_rust_keywords_compile_and_run() {
    let build = |leak: Box<dyn Mechanism>| {
        let mut cell = model_a(0.5, generated("hh"));
        cell.insert(leak, &Region::All).unwrap();
        cell
    };
    let cell = build(generated("type"));
    let (s, _) = model_a_probes(&cell);
    let ours = run(cell, &[s], 30.0);
    let plain = run(model_a(0.5, generated("hh")), &[s], 30.0);
    // The extra leak changes the trace, and the mechanism's fields keep their NMODL names.
    assert!(max_abs_diff(&ours[0], &plain[0]) > 1e-3);
    let m = generated("type");
    let names: Vec<&str> = m.info().fields.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "match",
            "j",
            "k",
            "w",
            "cv",
            "ctx",
            "None",
            "FieldInfo",
            "self",
            "loop",
            "dloop_dv"
        ]
    );
}

/// NEURON's finitialize evaluates every BREAKPOINT once after INITIAL, so that what BREAKPOINT
/// assigns (hh's `gna`, the ion current `ina`) holds its value at t = 0, when the first sample is
/// recorded; the first step then starts from the same values.
#[test]
fn breakpoint_runs_once_at_initialisation_as_in_neuron() {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    let hh = cell.insert(generated("hh"), &Region::All).unwrap();
    cell.init().unwrap();
    let field = |name: &str| cell.field(hh, name).unwrap()[0];
    let (gnabar, mm, h) = (field("gnabar"), field("m"), field("h"));
    let gna = field("gna");
    assert!(gna > 0.0, "gna at t = 0 is {gna}: BREAKPOINT did not run");
    assert_eq!(gna, gnabar * mm * mm * mm * h);
    let cv = cell.mechanism(hh).nodes()[0];
    let na = cell.ion_index("na").unwrap();
    let ions = cell.ions();
    let expected = gna * (cell.v()[cv] - ions.arrays[na].rev[cv]);
    let ina = ions.arrays[na].current[cv];
    assert!(
        (ina - expected).abs() <= 1e-15 * expected.abs(),
        "ina at t = 0: {ina} against gna (v - ena) = {expected}"
    );
}
