//! Every parameter of every mechanism in `mod_files/` (the built-in catalogue), differentiated
//! end to end: in a cell that carries the mechanism, each tangent trace equals the central
//! finite difference of two full simulations to a relative error below 1e-6 of the trace's
//! maximum. The traces are the membrane voltage for mechanisms that pass current, and the
//! observed states for the homeostatic observers, which pass none. A last test checks that the
//! cases below cover every PARAMETER of every catalogue mechanism, so a new .mod file cannot
//! escape the check.
//!
//! The cases include the pattern of NEURON's Exp2Syn (a factor computed in INITIAL and read in
//! NET_RECEIVE) and of the IO sodium channels (minf set by the state update and read by the next
//! step's currents), whose tangents the compiler carries from one kernel to the next.

use std::collections::BTreeSet;

use crate::models::{catalogue, fd, generated, model_a, model_a_probes};
use gradmod_runtime::mechanism::FieldRole;
use gradmod_runtime::{Cell, MechId, Morphology, ParamSpec, Probe, Recorder, Region, Settings};

/// A recorded quantity and how to read its tangent in direction k.
#[derive(Clone, Copy, Debug)]
enum Observed {
    /// The voltage of a CV.
    Voltage(usize),
    /// A state of instance 0 of a mechanism: (mechanism, field index, σ position).
    State(MechId, usize, usize),
}

impl Observed {
    fn value(self) -> Probe {
        match self {
            Observed::Voltage(cv) => Probe::Voltage { cv },
            Observed::State(mech, field, _) => Probe::Field {
                mech,
                field,
                instance: 0,
            },
        }
    }

    fn tangent(self, k: usize) -> Probe {
        match self {
            Observed::Voltage(cv) => Probe::Tangent { k, cv },
            Observed::State(mech, _, state) => Probe::StateTangent {
                mech,
                state,
                k,
                instance: 0,
            },
        }
    }
}

/// The state `field` of mechanism `name` in `cell`, instance 0.
fn state(cell: &Cell, name: &str, field: &str) -> Observed {
    let mech = cell.mechanism_id(name).unwrap();
    let f = cell.field_index(mech, field).unwrap();
    let pos = cell.mechanism(mech).info().state_position(f).unwrap();
    Observed::State(mech, f, pos)
}

/// One cell and the parameters differentiated in it.
struct Case {
    name: &'static str,
    build: fn() -> Cell,
    params: &'static [(&'static str, &'static str)],
    observe: fn(&Cell) -> Vec<Observed>,
    tstop: f64,
    /// Parameters whose finite difference needs a relative step of 1e-3 instead of 1e-5: with
    /// the smaller step it is dominated by the rounding of the two simulations (its error falls
    /// as the step grows, measured from 1e-6 to 1e-3).
    coarse: &'static [(&'static str, &'static str)],
}

/// Runs `case` with parameter k moved to `set.1` when given; returns every recorded trace
/// (per observed quantity: its value, then its K tangents) and the parameters' values.
fn run(case: &Case, set: Option<(usize, f64)>) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut cell = (case.build)();
    for &(m, p) in case.params {
        cell.add_parameter(ParamSpec::mechanism(m, p)).unwrap();
    }
    let theta: Vec<f64> = (0..case.params.len()).map(|k| cell.parameter(k)).collect();
    if let Some((k, x)) = set {
        cell.set_parameter(k, x).unwrap();
    }
    let mut probes = Vec::new();
    for o in (case.observe)(&cell) {
        probes.push(o.value());
        probes.extend((0..case.params.len()).map(|k| o.tangent(k)));
    }
    let mut rec = Recorder::new(probes, 1);
    cell.run(case.tstop, Some(&mut rec)).unwrap();
    (rec.traces, theta)
}

/// Checks every tangent trace of `case` against central differences with relative step 1e-5,
/// or 1e-3 for the case's `coarse` parameters (absolute for a parameter that is zero); prints
/// one line per trace.
fn check(case: &Case) {
    let kk = case.params.len();
    let (base, theta) = run(case, None);
    let observed = base.len() / (kk + 1);
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for (k, &(m, p)) in case.params.iter().enumerate() {
        let rel = if case.coarse.contains(&(m, p)) {
            1e-3
        } else {
            1e-5
        };
        let h = fd::step(theta[k], rel);
        let (plus, _) = run(case, Some((k, theta[k] + h)));
        let (minus, _) = run(case, Some((k, theta[k] - h)));
        for o in 0..observed {
            let vi = o * (kk + 1);
            let (scale, err) = fd::deviation(&base[vi + 1 + k], &plus[vi], &minus[vi], h);
            let rel = err / scale;
            lines.push(format!(
                "{}: d(trace {o})/d({m}.{p}): max {scale:.3e}, relative error {rel:.2e}",
                case.name
            ));
            // A parameter may leave one of several traces untouched (an observer's ftarget
            // moves e but not f); it must move at least one.
            if scale > 0.0 && rel >= 1e-6 {
                failures.push(lines.last().unwrap().clone());
            }
        }
        let moved = (0..observed).any(|o| base[o * (kk + 1) + 1 + k].iter().any(|&x| x != 0.0));
        if !moved {
            failures.push(format!("{}: {m}.{p} moves none of the traces", case.name));
        }
    }
    for l in &lines {
        println!("{l}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn model_a_observed(cell: &Cell) -> Vec<Observed> {
    let (s, a) = model_a_probes(cell);
    vec![Observed::Voltage(s), Observed::Voltage(a)]
}

/// Model A (`hh`) with `pas` added on the axon.
fn hh_pas() -> Cell {
    let mut cell = model_a(0.5, generated("hh"));
    let pas = cell.insert(generated("pas"), &Region::Tag(2)).unwrap();
    cell.set_field(pas, "g", &Region::All, 2e-4).unwrap();
    cell
}

/// Model A with a calcium current (the test mechanism `cachan`), `cad` accumulating it into cai
/// and `kca` reading cai: tangents flow through ica, cai and eca.
fn calcium() -> Cell {
    let mut cell = model_a(0.5, generated("hh"));
    cell.insert(generated("cachan"), &Region::All).unwrap();
    let cad = cell.insert(generated("cad"), &Region::All).unwrap();
    // Away from the resting value, so that the pump and the decay move cai.
    cell.set_field(cad, "cainf", &Region::All, 2e-4).unwrap();
    let kca = cell.insert(generated("kca"), &Region::All).unwrap();
    cell.set_field(kca, "gkbar", &Region::All, 0.002).unwrap();
    // Fast enough that the floor taumin holds while cai is high (above about 0.02 mM) and not
    // otherwise, so that both branches of the clamp run.
    cell.set_field(kca, "beta", &Region::All, 1.0).unwrap();
    cell.set_field(kca, "taumin", &Region::All, 0.6).unwrap();
    cell
}

/// Model A without its clamp, with an ExpSyn on the axon and an Exp2Syn at the soma, each
/// receiving two events.
fn synapses() -> Cell {
    let mut cell = model_a(0.0, generated("hh"));
    let syn = cell.place(generated("ExpSyn"), &[("axon", 0.3)]).unwrap();
    cell.set_field(syn, "tau", &Region::All, 3.0).unwrap();
    cell.schedule(2.0, syn, 0, 0.002).unwrap();
    cell.schedule(4.0, syn, 0, 0.004).unwrap();
    let syn2 = cell.place(generated("Exp2Syn"), &[("soma", 0.5)]).unwrap();
    cell.set_field(syn2, "tau1", &Region::All, 0.5).unwrap();
    cell.set_field(syn2, "tau2", &Region::All, 3.0).unwrap();
    cell.schedule(8.0, syn2, 0, 0.01).unwrap();
    cell.schedule(9.0, syn2, 0, 0.02).unwrap();
    cell
}

/// A small inferior-olive cell: soma (tag 1), a dendrite of four CVs (tag 3) and an axon of two
/// (tag 2), every IO channel where the IO model puts it, near the reference conductances in
/// S/cm² (the calcium-activated potassium raised four times as in the fitting experiment; one K
/// conductance for soma and axon), v_init −60 mV, a clamp at the dendrite that starts a calcium
/// spike and a long one at the soma.
fn io() -> Cell {
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    m.add_cylinder("dend", 3, 200.0, 2.0, Some((soma, 1.0)), 4)
        .unwrap();
    m.add_cylinder("axon", 2, 40.0, 1.0, Some((soma, 0.0)), 2)
        .unwrap();
    let settings = Settings {
        v_init: -60.0,
        ..Settings::default()
    };
    let mut cell = Cell::new(m, settings).unwrap();
    let (s, a, d) = (Region::Tag(1), Region::Tag(2), Region::Tag(3));
    let paint: [(&str, &str, Region, f64); 11] = [
        ("io_leak", "g", Region::All, 1.3e-6),
        ("io_cal", "gbar", s.clone(), 3e-4),
        ("io_na_s", "gbar", s.clone(), 3e-3),
        ("io_kdr", "gbar", s.clone(), 4e-3),
        // One conductance in soma and axon, so that the parameter tied across both is one value.
        (
            "io_k",
            "gbar",
            Region::Union(vec![s.clone(), a.clone()]),
            1e-2,
        ),
        ("io_na_a", "gbar", a, 2.5e-2),
        ("io_cah", "gbar", d.clone(), 1.6e-2),
        ("io_cad", "decay", d.clone(), 0.075),
        ("io_kca", "gbar", d.clone(), 0.1),
        ("io_h", "gbar", d, 2.5e-3),
        ("io_leak", "g", s, 1.3e-6),
    ];
    for (name, field, region, value) in paint {
        let id = match cell.mechanism_id(name) {
            Ok(id) => id,
            Err(_) => cell.insert(generated(name), &region).unwrap(),
        };
        if field != "decay" {
            cell.set_field(id, field, &region, value).unwrap();
        }
    }
    cell.add_iclamp("dend", 0.5, 5.0, 5.0, 0.3).unwrap();
    // A long depolarisation of the soma, so that its slow delayed rectifier opens too.
    cell.add_iclamp("soma", 0.5, 30.0, 40.0, 1.0).unwrap();
    cell
}

fn io_observed(cell: &Cell) -> Vec<Observed> {
    vec![
        Observed::Voltage(cell.cv_at("soma", 0.5).unwrap()),
        Observed::Voltage(cell.cv_at("dend", 0.9).unwrap()),
        Observed::Voltage(cell.cv_at("axon", 0.9).unwrap()),
    ]
}

/// Model A's soma with the observers; the clamp makes one spike, which they see.
fn observers() -> Cell {
    let mut cell = model_a(0.5, generated("hh"));
    for name in ["rate_obs", "rate_objective"] {
        let id = cell.insert(generated(name), &Region::Tag(1)).unwrap();
        cell.set_field(id, "tauf", &Region::All, 20.0).unwrap();
    }
    let obj = cell.mechanism_id("rate_objective").unwrap();
    cell.set_field(obj, "ftarget", &Region::All, 3.0).unwrap();
    cell.insert(generated("excitability"), &Region::Tag(1))
        .unwrap();
    cell
}

fn observer_states(cell: &Cell) -> Vec<Observed> {
    vec![
        state(cell, "rate_obs", "f"),
        state(cell, "rate_objective", "f"),
        state(cell, "rate_objective", "e"),
        state(cell, "excitability", "a"),
    ]
}

const CASES: [Case; 5] = [
    Case {
        name: "hh and pas",
        build: hh_pas,
        params: &[
            ("hh", "gnabar"),
            ("hh", "gkbar"),
            ("hh", "gl"),
            ("hh", "el"),
            ("pas", "g"),
            ("pas", "e"),
        ],
        observe: model_a_observed,
        tstop: 20.0,
        coarse: &[],
    },
    Case {
        name: "calcium",
        build: calcium,
        params: &[
            ("cad", "depth"),
            ("cad", "taur"),
            ("cad", "cainf"),
            ("cad", "vmax"),
            ("cad", "kd"),
            ("kca", "gkbar"),
            ("kca", "beta"),
            ("kca", "cac"),
            ("kca", "taumin"),
            ("cachan", "gbar"),
        ],
        observe: model_a_observed,
        tstop: 30.0,
        coarse: &[("cad", "cainf"), ("cad", "kd")],
    },
    Case {
        name: "synapses",
        build: synapses,
        params: &[
            ("ExpSyn", "tau"),
            ("ExpSyn", "e"),
            ("Exp2Syn", "tau1"),
            ("Exp2Syn", "tau2"),
            ("Exp2Syn", "e"),
        ],
        observe: model_a_observed,
        tstop: 25.0,
        coarse: &[],
    },
    Case {
        name: "inferior olive",
        build: io,
        params: &[
            ("io_leak", "g"),
            ("io_leak", "e"),
            ("io_cal", "gbar"),
            ("io_cal", "eca"),
            ("io_na_s", "gbar"),
            ("io_na_s", "ena"),
            ("io_kdr", "gbar"),
            ("io_kdr", "ek"),
            ("io_k", "gbar"),
            ("io_k", "ek"),
            ("io_na_a", "gbar"),
            ("io_na_a", "ena"),
            ("io_cah", "gbar"),
            ("io_cah", "eca"),
            ("io_cad", "cai0"),
            ("io_cad", "influx"),
            ("io_cad", "decay"),
            ("io_kca", "gbar"),
            ("io_kca", "ek"),
            ("io_h", "gbar"),
            ("io_h", "eh"),
        ],
        observe: io_observed,
        tstop: 150.0,
        coarse: &[],
    },
    Case {
        name: "observers",
        build: observers,
        params: &[
            ("rate_obs", "vth"),
            ("rate_obs", "k"),
            ("rate_obs", "tauh"),
            ("rate_obs", "tauf"),
            ("rate_obs", "eps"),
            ("rate_objective", "ftarget"),
            ("rate_objective", "vth"),
            ("rate_objective", "k"),
            ("rate_objective", "tauh"),
            ("rate_objective", "tauf"),
            ("rate_objective", "eps"),
            ("excitability", "vs"),
            ("excitability", "ks"),
            ("excitability", "taua"),
        ],
        observe: observer_states,
        tstop: 30.0,
        coarse: &[],
    },
];

#[test]
fn hh_and_pas_parameters() {
    check(&CASES[0]);
}

#[test]
fn calcium_parameters() {
    check(&CASES[1]);
}

#[test]
fn synapse_parameters_including_the_factor_exp2syn_keeps_from_initial() {
    check(&CASES[2]);
}

#[test]
fn inferior_olive_parameters() {
    check(&CASES[3]);
}

#[test]
fn observer_parameters() {
    check(&CASES[4]);
}

/// The cases cover every PARAMETER of every mechanism in the catalogue.
#[test]
fn every_catalogue_parameter_is_covered() {
    let covered: BTreeSet<(&str, &str)> = CASES
        .iter()
        .flat_map(|c| c.params.iter().copied())
        .collect();
    let mut missing = Vec::new();
    for &name in catalogue::NAMES {
        let info = generated(name).info();
        for f in info.fields {
            if f.role == FieldRole::Parameter && !covered.contains(&(info.name, f.name)) {
                missing.push(format!("{}.{}", info.name, f.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "parameters without an end-to-end gradient check: {}",
        missing.join(", ")
    );
}

/// Exp2Syn with tau1 above tau2: its INITIAL clamps tau1 to 0.9999·tau2, so V does not depend
/// on the tau1 given. The compiler carries the clamped parameter's tangent from INITIAL to the
/// other blocks (and the runtime runs INITIAL's tangent before INITIAL overwrites tau1), so
/// dV/dtau1 is exactly zero. (dV/dtau2 is not compared with finite differences here: at
/// tau1 = 0.9999·tau2 the factor is one over a difference of nearly equal exponentials, and
/// neither derivative resolves much below its rounding.)
#[test]
fn exp2syn_with_its_initial_clamp_of_tau1() {
    let mut cell = model_a(0.0, generated("hh"));
    let syn = cell.place(generated("Exp2Syn"), &[("soma", 0.5)]).unwrap();
    cell.set_field(syn, "tau1", &Region::All, 4.0).unwrap();
    cell.set_field(syn, "tau2", &Region::All, 3.5).unwrap();
    cell.schedule(2.0, syn, 0, 0.02).unwrap();
    cell.add_parameter(ParamSpec::mechanism("Exp2Syn", "tau1"))
        .unwrap();
    let (s, a) = model_a_probes(&cell);
    let probes = vec![
        Probe::Voltage { cv: s },
        Probe::Tangent { k: 0, cv: s },
        Probe::Tangent { k: 0, cv: a },
    ];
    let mut rec = Recorder::new(probes, 1);
    cell.run(20.0, Some(&mut rec)).unwrap();
    assert!(
        rec.traces[0].iter().any(|&v| v > 0.0),
        "the synapse makes no spike"
    );
    let worst = rec.traces[1]
        .iter()
        .chain(&rec.traces[2])
        .fold(0.0f64, |m, x| m.max(x.abs()));
    assert!(worst == 0.0, "dV/dtau1 reaches {worst:e}");
}
