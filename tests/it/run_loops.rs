//! Mechanisms with FROM loops whose bounds are known only at run time and arrays indexed at run
//! time (`tests/mechanisms/runloop.mod`, `kinloop.mod`), compiled to Rust by the build script:
//! their voltage tangents equal central finite differences of whole simulations, and the spikes
//! a synapse sums in its loop are those its NET_RECEIVE stored at run-time indices.

use crate::models::fd::check;
use crate::models::{generated, model_a, model_a_probes};
use gradmod_runtime::{Cell, ParamSpec, Probe, Recorder};

/// Model A with `mech` on the axon, receiving three events if it has NET_RECEIVE.
fn with_synapse(mech: &str) -> Cell {
    let mut cell = model_a(0.0, generated("hh"));
    let syn = cell.place(generated(mech), &[("axon", 0.3)]).unwrap();
    if cell.mechanism(syn).info().net_receive {
        for (t, w) in [(1.0, 0.5), (3.0, 1.0), (6.0, 0.7)] {
            cell.schedule(t, syn, 0, w).unwrap();
        }
    }
    cell
}

/// RunLoop: INITIAL fills nmax elements in a loop, BREAKPOINT sums the spikes received so far
/// in a loop up to n, NET_RECEIVE appends one at index n. Its tau, gmax and e, and hh's gkbar.
#[test]
fn run_time_loop_synapse_tangents_match_finite_differences() {
    let build = || with_synapse("RunLoop");
    let (s, a) = model_a_probes(&build());
    let specs = vec![
        ParamSpec::mechanism("RunLoop", "tau"),
        ParamSpec::mechanism("RunLoop", "gmax"),
        ParamSpec::mechanism("RunLoop", "e"),
        ParamSpec::mechanism("hh", "gkbar"),
    ];
    check(&build, &specs, &[s, a], 10.0, &[1e-5; 4], 1e-6);
}

/// KinLoop: a KINETIC block solved by `sparse` whose transmitter is summed in a FROM loop over
/// the spikes INITIAL stores (run once, before the Newton iterations). Its tau, kon, koff and
/// gmax.
#[test]
fn kinetic_block_with_a_loop_tangents_match_finite_differences() {
    let build = || with_synapse("KinLoop");
    let (s, a) = model_a_probes(&build());
    let specs = vec![
        ParamSpec::mechanism("KinLoop", "tau"),
        ParamSpec::mechanism("KinLoop", "kon"),
        ParamSpec::mechanism("KinLoop", "koff"),
        ParamSpec::mechanism("KinLoop", "gmax"),
    ];
    check(&build, &specs, &[s, a], 10.0, &[1e-5; 4], 1e-6);
}

/// The arrays NET_RECEIVE writes at index n are the mechanism's fields: after three events at
/// 1, 3 and 6 ms, n = nmax + 3 and elements 4 to 6 hold the spike times and weights.
#[test]
fn net_receive_appends_at_a_run_time_index() {
    let mut cell = with_synapse("RunLoop");
    let id = cell.mechanism_id("RunLoop").expect("RunLoop is placed");
    let info = cell.mechanism(id).info();
    let field = |name: &str| {
        info.field_index(name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let names = ["n", "ts[4]", "ts[5]", "ts[6]", "w[4]", "w[6]", "ts[7]"];
    let probes = names
        .iter()
        .map(|n| Probe::Field {
            mech: id,
            field: field(n),
            instance: 0,
        })
        .collect();
    let mut rec = Recorder::new(probes, 1);
    cell.run(8.0, Some(&mut rec)).unwrap();
    let last: Vec<f64> = rec.traces.iter().map(|t| *t.last().unwrap()).collect();
    let gmax = 0.01;
    assert_eq!(last[0], 7.0, "n");
    assert_eq!(&last[1..4], &[1.0, 3.0, 6.0], "spike times");
    assert_eq!(last[4], 0.5 * gmax, "w[4]");
    assert_eq!(last[5], 0.7 * gmax, "w[6]");
    assert_eq!(last[6], 0.0, "ts[7] is never written");
}

/// A new mechanism, from one of the paths that compile it.
type Maker = Box<dyn Fn() -> Box<dyn gradmod_runtime::mechanism::Mechanism>>;

/// A fifth event writes `ts[8]` of an 8-element array: the write fills the kernel's copy of the
/// array with NaN, the elements are stored, and the run stops where v turns non-finite, with an
/// error naming the mechanism's first non-finite field, an element of the array; the build-time
/// Rust and both run-time engines stop alike.
#[test]
fn an_index_out_of_range_stops_the_run_naming_the_mechanism() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("tests/mechanisms/runloop.mod");
    let mut makers: Vec<(String, Maker)> =
        vec![("build time".into(), Box::new(|| generated("RunLoop")))];
    for choice in [
        gradmod_vm::EngineChoice::Jit,
        gradmod_vm::EngineChoice::Evaluator,
    ] {
        let vm = gradmod_vm::Catalogue::load_with(std::slice::from_ref(&file), choice)
            .unwrap_or_else(|e| panic!("{e}"));
        let loaded = vm.mechanisms()[0].clone();
        makers.push((format!("{choice:?}"), Box::new(move || loaded.make())));
    }
    for (what, make) in makers {
        let mut cell = model_a(0.0, generated("hh"));
        let syn = cell.place(make(), &[("axon", 0.3)]).unwrap();
        for t in [1.0, 2.0, 3.0, 4.0, 5.0] {
            cell.schedule(t, syn, 0, 0.5).unwrap();
        }
        let err = cell
            .run(10.0, None)
            .expect_err("a write out of range must stop the run")
            .to_string();
        assert!(
            err.contains("first non-finite field: RunLoop.w[0] = NaN (instance 0)"),
            "{what}: {err}"
        );
        println!("{what}: {err}");
    }
}
