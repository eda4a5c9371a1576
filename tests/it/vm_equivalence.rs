//! The run-time path (mechanisms compiled from .mod files when the model runs, executed by
//! either engine of `gradmod-vm`: the JIT and the array evaluator) against the build-time path
//! (the same files compiled to Rust by the build script): on a single-compartment protocol,
//! every voltage, tangent, field and state tangent is the same to the bit, for every mechanism
//! of `mod_files/`, of the test-only mechanisms and of the wheel corpus, on both engines.

use std::path::Path;

use crate::models::{catalogue, generated, test_mechanisms};
use gradmod_runtime::mechanism::{FieldRole, Mechanism, MechanismKind};
use gradmod_runtime::{
    Cell, Morphology, ParamSpec, PointerSource, Probe, Recorder, Region, Settings,
};
use gradmod_vm::{Catalogue, Engine, EngineChoice};

/// Both engines, each forced (a JIT that cannot be set up fails the test rather than falling
/// back).
const ENGINES: [(EngineChoice, Engine); 2] = [
    (EngineChoice::Jit, Engine::Jit),
    (EngineChoice::Evaluator, Engine::Evaluator),
];

/// The published files of the NEURON and NMODL wheels, compiled by the build script (empty when
/// the corpus has not been fetched).
mod corpus {
    gradmod_runtime::include_mechanisms!("corpus");
}

/// The traces of the single-compartment protocol for `mech`, with every PARAMETER of it
/// differentiated: a 20 µm × 20 µm soma with `pas`, a 0.2 nA step from 5 to 25 ms, events of
/// weight 0.005 at 2, 8 and 15 ms for a mechanism with NET_RECEIVE (and a detector at -60 mV,
/// which the step crosses, for one with POST_EVENT); recorded every step: v, its tangents, every field of the mechanism and every state tangent.
pub fn protocol(mech: Box<dyn Mechanism>, celsius: f64) -> Result<Vec<Vec<f64>>, String> {
    let info = mech.info();
    let name = info.name;
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1)
        .map_err(|e| e.to_string())?;
    let settings = Settings {
        celsius,
        ..Settings::default()
    };
    let mut cell = Cell::new(m, settings).map_err(|e| e.to_string())?;
    if name != "pas" {
        cell.insert(generated("pas"), &Region::All)
            .map_err(|e| e.to_string())?;
    }
    let id = match info.kind {
        MechanismKind::Density => cell.insert(mech, &Region::All),
        MechanismKind::Point => cell.place(mech, &[("soma", 0.5)]),
    }
    .map_err(|e| e.to_string())?;
    cell.add_iclamp("soma", 0.5, 5.0, 20.0, 0.2)
        .map_err(|e| e.to_string())?;
    // Every POINTER points to v at the soma's 0-end (a node of its own, coupled to the middle),
    // so it differs from the instance's own v and carries tangents.
    let end = cell.cv_at("soma", 0.0).map_err(|e| e.to_string())?;
    for f in info.fields.iter().filter(|f| f.role == FieldRole::Pointer) {
        for j in 0..cell.mechanism(id).instance_count() {
            cell.bind_pointer(id, j, f.name, PointerSource::Cv(end))
                .map_err(|e| e.to_string())?;
        }
    }
    // A mechanism that reads a vector (VecStim) plays spike times, two of them in one step.
    if info.vector {
        for j in 0..cell.mechanism(id).instance_count() {
            cell.set_vector(id, j, vec![1.0, 4.5, 4.51, 12.0, 29.0])
                .map_err(|e| e.to_string())?;
        }
    }
    // A FUNCTION_TABLE gets values that rise with its argument from -100 to 20 (mV).
    for name in info.function_tables {
        let table = gradmod_runtime::function_table::FunctionTable::Points {
            x: vec![-100.0, -60.0, -20.0, 20.0],
            y: vec![0.5, 1.0, 2.0, 2.5],
        };
        cell.set_function_table(id, name, table)
            .map_err(|e| e.to_string())?;
    }
    // hnn-core's dipoles divide by their axial resistance ri, 0 by default, as in NEURON
    // (tests/it/before_after.rs runs them as hnn-core sets them up).
    if matches!(name, "dipole" | "Dipole") {
        cell.field_mut(id, "ri")
            .map_err(|e| e.to_string())?
            .fill(1.0);
    }
    // A mechanism with POST_EVENT gets a detector that the current step crosses (at about
    // 6 ms), so that its POST_EVENT runs between the events.
    if info.post_event {
        let cv = cell.cv_at("soma", 0.5).map_err(|e| e.to_string())?;
        cell.add_detector(cv, -60.0).map_err(|e| e.to_string())?;
    }
    if info.net_receive {
        for t in [2.0, 8.0, 15.0] {
            cell.schedule(t, id, 0, 0.005).map_err(|e| e.to_string())?;
        }
    }
    let params = crate::models::parameter_names(info);
    for p in &params {
        cell.add_parameter(ParamSpec::mechanism(name, p))
            .map_err(|e| e.to_string())?;
    }
    let kk = params.len();
    let mut probes = vec![Probe::Voltage { cv: 0 }];
    probes.extend((0..kk).map(|k| Probe::Tangent { k, cv: 0 }));
    probes.extend((0..info.fields.len()).map(|field| Probe::Field {
        mech: id,
        field,
        instance: 0,
    }));
    for state in 0..info.sigma_rows() {
        probes.extend((0..kk).map(|k| Probe::StateTangent {
            mech: id,
            state,
            k,
            instance: 0,
        }));
    }
    let mut rec = Recorder::new(probes, 1);
    cell.run(30.0, Some(&mut rec)).map_err(|e| e.to_string())?;
    Ok(rec.traces)
}

/// The largest relative difference between two sets of traces (NaN and infinities must
/// match exactly).
fn max_relative_difference(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mut worst: f64 = 0.0;
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.len(), y.len());
        for (&x, &y) in x.iter().zip(y) {
            if x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()) {
                continue;
            }
            let d = (x - y).abs() / x.abs().max(y.abs()).max(f64::MIN_POSITIVE);
            worst = worst.max(if d.is_nan() { f64::INFINITY } else { d });
        }
    }
    worst
}

/// Mechanisms whose defaults do nothing: the test clamp and NEURON's IClamp inject 0 nA for
/// 0 ms, and NEURON's SEClamp clamps for 0 ms (dur1 = dur2 = dur3 = 0).
fn inert(name: &str) -> bool {
    // xd_inject's parameter moves only the diffusive concentration, valence_read's only the
    // reversal potential of an ion that carries no current, and negexp_draw's only its draws,
    // none of which moves v (tests/it/diffusion.rs checks xd_inject's tangents). The
    // parameters of the artificial cells NetStim and IntervalFire move only the times of their
    // events and spikes, which the tangents hold fixed.
    matches!(
        name,
        "Clamp"
            | "IClamp"
            | "SEClamp"
            | "xd_inject"
            | "valence_read"
            | "negexp_draw"
            | "NetStim"
            | "IntervalFire"
    )
}

fn load(dir: &str, engine: EngineChoice) -> Catalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Catalogue::load_with(&[root.join(dir)], engine).unwrap_or_else(|e| panic!("{e}"))
}

/// Compares the build-time path with both engines on every mechanism of `dir`, at two
/// temperatures; every mechanism of `dir` must be one of `names`.
fn compare_all(dir: &str, names: &[&str], build_time: &dyn Fn(&str) -> Option<Box<dyn Mechanism>>) {
    let mut failures = Vec::new();
    for (choice, engine) in ENGINES {
        let vm = load(dir, choice);
        assert!(vm.names().all(|n| names.contains(&n)));
        assert!(vm.mechanisms().iter().all(|m| m.engine() == engine));
        failures.extend(compare(&vm, build_time));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The differences between the build-time path and the run-time path on every mechanism of
/// `vm`, at two temperatures.
fn compare(vm: &Catalogue, build_time: &dyn Fn(&str) -> Option<Box<dyn Mechanism>>) -> Vec<String> {
    let mut failures = Vec::new();
    for loaded in vm.mechanisms() {
        let name = loaded.name();
        let engine = loaded.engine();
        let before = failures.len();
        let generated = build_time(name).unwrap_or_else(|| panic!("no generated `{name}`"));
        for celsius in [6.3, 34.0] {
            let want = protocol(build_time(name).unwrap(), celsius);
            let got = protocol(loaded.make(), celsius);
            match (want, got) {
                (Ok(want), Ok(got)) => {
                    // The protocol must exercise the mechanism: finite values throughout, and
                    // a moving tangent (of v or of a state) wherever a parameter is
                    // differentiated, unless its defaults make it inert.
                    if let Some(bad) = got.iter().flatten().find(|x| !x.is_finite()) {
                        failures.push(format!("{name} at {celsius} °C: the {engine} gave {bad}"));
                    }
                    let info = loaded.info();
                    let kk = info
                        .fields
                        .iter()
                        .filter(|f| f.role == FieldRole::Parameter)
                        .count();
                    let tangents = got[1..=kk].iter().chain(&got[1 + kk + info.fields.len()..]);
                    if kk > 0 && !inert(name) && tangents.flatten().all(|&x| x == 0.0) {
                        failures.push(format!("{name} at {celsius} °C: every tangent is zero"));
                    }
                    let d = max_relative_difference(&want, &got);
                    if d > 0.0 {
                        failures.push(format!(
                            "{name} at {celsius} °C: the {engine} differs by {d:.1e} (relative)"
                        ));
                    }
                }
                (want, got) => failures.push(format!(
                    "{name} at {celsius} °C: build time {want:?}, the {engine} {got:?}",
                    want = want.err(),
                    got = got.err()
                )),
            }
        }
        if generated.info() != loaded.info() {
            failures.push(format!("{name}: the metadata differ"));
        }
        println!(
            "{name} on the {engine}: {}",
            if failures.len() == before {
                "bit-identical"
            } else {
                "differs"
            }
        );
    }
    failures
}

#[test]
fn mod_files_agree_with_the_build_time_catalogue() {
    let vm = load("mod_files", EngineChoice::Evaluator);
    assert_eq!(vm.mechanisms().len(), catalogue::NAMES.len());
    compare_all("mod_files", catalogue::NAMES, &catalogue::by_name);
}

#[test]
fn test_mechanisms_agree_with_the_build_time_catalogue() {
    compare_all(
        "tests/mechanisms",
        test_mechanisms::NAMES,
        &test_mechanisms::by_name,
    );
}

#[test]
fn wheel_corpus_agrees_with_the_build_time_catalogue() {
    if corpus::FILES.is_empty() {
        println!(
            "note: the corpus has not been fetched (tests/corpus/fetch.sh); nothing to compare"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/files");
    let mut failures = Vec::new();
    for &(stem, _) in corpus::FILES {
        for (choice, engine) in ENGINES {
            let path = root.join(format!("{stem}.mod"));
            let vm = Catalogue::load_with(&[path], choice).unwrap_or_else(|e| {
                panic!("{stem}: the run-time path rejects what the build accepted: {e}")
            });
            assert!(vm.mechanisms().iter().all(|m| m.engine() == engine));
            let by_file = |_: &str| corpus::by_file(stem);
            failures.extend(
                compare(&vm, &by_file)
                    .into_iter()
                    .map(|f| format!("{stem}: {f}")),
            );
        }
    }
    for (stem, why) in corpus::REJECTED {
        println!("left out of the build: {stem}: {why}");
    }
    println!("{} files compared", corpus::FILES.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
