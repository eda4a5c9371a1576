//! FROM loops whose bounds are known only at run time and arrays indexed at run time
//! (`compiler/tests/parse_extra/runtime_loop.mod`): lowering keeps them as loops, the IR
//! interpreter runs them, the tangent of a parameter used inside such a loop equals the central
//! finite difference, an index out of range is an error naming the mechanism and the array, and
//! the kernel plans keep them as loops (sequential bodies).

use gradmod_compiler::back::kernels::{Body, Item, plan};
use gradmod_compiler::driver::{back_end_stages, load_source};
use gradmod_compiler::interp::{InterpError, Machine};
use gradmod_compiler::ir::{Builtin, Module, StmtKind, VarId};
use gradmod_compiler::passes;

const SOURCE: &str = include_str!("../parse_extra/runtime_loop.mod");

fn lowered() -> Module {
    let front = load_source("runtime_loop.mod", SOURCE);
    front.module.expect("runtime_loop.mod lowers")
}

fn var(m: &Module, name: &str) -> VarId {
    m.lookup(name)
        .unwrap_or_else(|| panic!("no variable `{name}`"))
}

#[test]
fn run_time_bounds_lower_to_loops_and_indexed_statements() {
    let m = lowered();
    let mut loops = 0;
    let (mut gets, mut sets) = (0, 0);
    for b in &m.blocks {
        for s in &b.body {
            s.for_each_stmt(&mut |s| match s.kind {
                StmtKind::Loop { .. } => loops += 1,
                StmtKind::GetElement { .. } => gets += 1,
                StmtKind::SetElement { .. } => sets += 1,
                _ => {}
            });
        }
    }
    // INITIAL's and BREAKPOINT's loops; two reads in BREAKPOINT; two writes in INITIAL and two
    // in NET_RECEIVE.
    assert_eq!((loops, gets, sets), (2, 2, 4));
    let printed = gradmod_compiler::back::nmodl::print_module(&m);
    // The loop variable is the block's LOCAL `k` (renamed apart in BREAKPOINT).
    assert!(printed.contains("FROM k = 0 TO nmax - 1 {"), "{printed}");
    assert!(printed.contains("w[k] = gmax * (k + 1)"), "{printed}");
    assert!(printed.contains("FROM k_1 = 0 TO n - 1 {"), "{printed}");
    assert!(printed.contains("w_elem = w[k_1]"), "{printed}");
    assert!(printed.contains("ts[n] = t"), "{printed}");
}

/// A machine past INITIAL with `nmax` spikes queued, and the currents computed.
fn current(m: &Module, tau: f64, gmax: f64) -> f64 {
    let mut mach = Machine::new(m);
    mach.values[var(m, "tau").index()] = tau;
    mach.values[var(m, "gmax").index()] = gmax;
    mach.values[m.builtin(Builtin::V).unwrap().index()] = -60.0;
    mach.values[m.builtin(Builtin::T).unwrap().index()] = 2.0;
    mach.run(m.initial.unwrap()).unwrap();
    mach.skip_solves = true;
    mach.run(m.breakpoint.unwrap()).unwrap();
    mach.values[var(m, "i").index()]
}

#[test]
fn tangent_of_a_parameter_inside_a_run_time_loop_equals_finite_differences() {
    let mut m = lowered();
    passes::run(&mut m, None).expect("the passes accept run-time loops");
    let maps = m.tangent.clone().unwrap();
    let (init, cur) = (maps.init.unwrap(), maps.current.unwrap());
    let tangent_of = |x: VarId| {
        maps.inputs
            .iter()
            .chain(&maps.outputs)
            .find(|p| p.0 == x)
            .unwrap()
            .1
    };
    let (tau, gmax, i) = (var(&m, "tau"), var(&m, "gmax"), var(&m, "i"));
    for (p, value) in [(tau, 3.0), (gmax, 0.01)] {
        // The tangent maps along the direction that moves `p` alone.
        let mut mach = Machine::new(&m);
        mach.values[tau.index()] = 3.0;
        mach.values[gmax.index()] = 0.01;
        mach.values[m.builtin(Builtin::V).unwrap().index()] = -60.0;
        mach.values[m.builtin(Builtin::T).unwrap().index()] = 2.0;
        mach.values[tangent_of(p).index()] = 1.0;
        mach.run(init).unwrap();
        mach.run(cur).unwrap();
        let exact = mach.values[tangent_of(i).index()];
        let h = 1e-6 * value;
        let at = |x: f64| {
            if p == tau {
                current(&m, x, 0.01)
            } else {
                current(&m, 3.0, x)
            }
        };
        let fd = (at(value + h) - at(value - h)) / (2.0 * h);
        assert!(exact.abs() > 1e-6, "d(i)/d{} vanishes", m.var(p).name);
        assert!(
            (exact - fd).abs() <= 1e-6 * exact.abs(),
            "d(i)/d{}: tangent {exact}, finite difference {fd}",
            m.var(p).name
        );
    }
}

#[test]
fn an_index_out_of_range_names_the_mechanism_and_the_array() {
    let m = lowered();
    let mut mach = Machine::new(&m);
    mach.run(m.initial.unwrap()).unwrap();
    mach.values[var(&m, "n").index()] = 8.0;
    let err = mach.run(m.net_receive.as_ref().unwrap().body).unwrap_err();
    assert!(
        matches!(err, InterpError::IndexOutOfRange { len: 8, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "mechanism `RunLoop`: index 8 of array `ts` is out of range (its elements are 0 to 7)"
    );
}

#[test]
fn kernel_plans_keep_run_time_loops_as_loops() {
    back_end_stages(lowered()).expect("the back-end stages accept run-time loops");
    let m = passes::run_all(lowered()).expect("the passes accept run-time loops");
    let ks = plan(&m, None).expect("the kernel plans accept run-time loops");
    // INITIAL, BREAKPOINT and NET_RECEIVE loop or index at run time; the SOLVE does not.
    assert!(ks.init.is_sequential());
    assert!(ks.currents.is_sequential());
    assert!(!ks.states.is_sequential());
    assert!(ks.net_receive.as_ref().is_some_and(|b| b.is_sequential()));
    let loops = |b: &Body| {
        b.outer
            .iter()
            .chain(&b.inner)
            .filter(|i| matches!(i, Item::LoopStart { .. }))
            .count()
    };
    // One loop in INITIAL, and one in BREAKPOINT's current and in its tangent.
    assert_eq!(loops(&ks.init), 1);
    assert_eq!(loops(&ks.currents), 1);
    let tangent = &ks.tangent;
    assert_eq!(loops(&tangent.currents), 1);
    // The local arrays are the two arrays (and in the tangent kernels their tangent arrays).
    let names: Vec<&str> = ks
        .currents
        .arrays
        .iter()
        .map(|&(a, _)| m.array(a).name.as_str())
        .collect();
    assert!(names.contains(&"w") && names.contains(&"ts"), "{names:?}");
}
