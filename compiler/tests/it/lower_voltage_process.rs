//! Arbor's VOLTAGE_PROCESS: a density mechanism whose BREAKPOINT becomes `SOLVE` of a PROCEDURE
//! working on a copy of v (its `states` kernel), the copy a field of role `Voltage` and the last
//! row of σ, marked in the metadata; a current or a NET_RECEIVE in it is an error, and the Arbor
//! back end refuses it by name.

use gradmod_compiler::back::arbor;
use gradmod_compiler::back::kernels::{self, layout::Role};
use gradmod_compiler::driver::load_source;
use gradmod_compiler::ir::{BlockKind, StmtKind};
use gradmod_compiler::passes;

const LIMIT: &str = "NEURON {\n    VOLTAGE_PROCESS lim\n    GLOBAL lo, hi\n}\n\
PARAMETER { lo = -70 (mV) hi = 20 (mV) }\n\
BREAKPOINT {\n    v = max(min(v, hi), lo)\n}\n";

#[test]
fn breakpoint_solves_a_procedure_that_sets_the_copy_of_v() {
    let front = load_source("lim.mod", LIMIT);
    let m = front.module.expect("accepted");
    assert!(m.voltage_process);
    let copy = m.voltage.expect("a copy of v");
    let bp = m.block(m.breakpoint.unwrap());
    let [s] = bp.body.as_slice() else {
        panic!("BREAKPOINT is one SOLVE: {:?}", bp.body)
    };
    let StmtKind::Solve { block, .. } = s.kind else {
        panic!("not a SOLVE: {s:?}")
    };
    let proc = m.block(block);
    assert_eq!(proc.kind, BlockKind::Procedure);
    let assigned = proc
        .body
        .iter()
        .filter(|s| matches!(s.kind, StmtKind::Assign { var, .. } if var == copy))
        .count();
    assert_eq!(assigned, 2, "the copy is taken, then set");
    let passed = passes::run_all(m).unwrap();
    let ks = kernels::plan(&passed, None).unwrap();
    assert!(ks.info.voltage_process);
    let last = ks.layout.fields.last().unwrap();
    assert_eq!((last.var, last.role), (copy, Role::Voltage));
    assert_eq!(ks.layout.states, vec![copy]);
}

#[test]
fn a_current_or_net_receive_in_a_voltage_process_is_an_error() {
    let current = "NEURON {\n    VOLTAGE_PROCESS lim\n    NONSPECIFIC_CURRENT i\n}\n\
ASSIGNED { i (mA/cm2) }\nBREAKPOINT {\n    i = 0\n    v = -60\n}\n";
    let front = load_source("cur.mod", current);
    let text = front.render();
    assert!(front.module.is_none(), "{text}");
    assert!(text.contains("has no current, but `i` is one"), "{text}");
    assert!(text.contains("cur.mod:5:12"), "{text}");

    let event = "NEURON {\n    VOLTAGE_PROCESS lim\n}\nBREAKPOINT {\n    v = -60\n}\n\
NET_RECEIVE (w) {\n    v = -50\n}\n";
    let front = load_source("ev.mod", event);
    let text = front.render();
    assert!(front.module.is_none(), "{text}");
    assert!(text.contains("cannot have a NET_RECEIVE block"), "{text}");
}

#[test]
fn arbor_rejects_voltage_process_by_name() {
    let front = load_source("lim.mod", LIMIT);
    let m = front.module.expect("accepted");
    let e = arbor::emit(&m, &[], "lim.mod")
        .unwrap_err()
        .render(&front.sources);
    assert!(
        e.contains("a VOLTAGE_PROCESS (the tangent of the v it sets"),
        "{e}"
    );
}
