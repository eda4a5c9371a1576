//! POINTER variables: lowered to read-only ASSIGNED range variables listed in `Module::pointers`,
//! inputs of the tangent maps, with `nrn_pointing` evaluating to 1; fields of role `Pointer` whose
//! tangents are rows of σ after the states'; refused by the Arbor back end by name.

use gradmod_compiler::back::arbor;
use gradmod_compiler::back::kernels::{self, layout::Role};
use gradmod_compiler::driver::load_source;
use gradmod_compiler::ir::{Expr, Num, StmtKind, VarKind};
use gradmod_compiler::passes;

const GAP: &str = "NEURON {\n    POINT_PROCESS gap\n    POINTER vgap\n    ELECTRODE_CURRENT i\n    RANGE g, i\n}\n\
PARAMETER { g = 0.001 (uS) }\nSTATE { s }\nASSIGNED { v (mV) vgap (mV) i (nA) on }\n\
INITIAL { s = 0 }\n\
BREAKPOINT {\n    SOLVE states METHOD cnexp\n    on = nrn_pointing(vgap)\n    i = on * g * (vgap - v) * (1 + s)\n}\n\
DERIVATIVE states { s' = (vgap - v) * 0.01 - s }\n";

#[test]
fn pointer_is_a_read_only_tangent_input_and_a_sigma_row() {
    let front = load_source("gap.mod", GAP);
    let m = front.module.expect("accepted");
    assert_eq!(m.pointers.len(), 1);
    let p = m.pointers[0];
    assert_eq!(m.var(p).name, "vgap");
    assert_eq!(m.var(p).kind, VarKind::Assigned);
    // nrn_pointing(vgap) is the constant 1.
    let bp = m.breakpoint.unwrap();
    let on = m.lookup("on").unwrap();
    let one = m.block(bp).body.iter().any(|s| {
        matches!(s.kind, StmtKind::Assign { var, value } if var == on
            && matches!(m.exprs.get(value), Expr::Num(Num(x)) if x == 1.0))
    });
    assert!(one, "nrn_pointing(vgap) lowers to 1");
    let m = passes::run_all(m).unwrap();
    let maps = m.tangent();
    assert!(
        maps.inputs.iter().any(|&(x, _)| x == p),
        "vgap's tangent is an input"
    );
    assert!(
        !maps.outputs.iter().any(|&(x, _)| x == p),
        "and never an output"
    );
    let ks = kernels::plan(&m, None).unwrap();
    let last = ks.layout.fields.last().unwrap();
    assert_eq!((last.var, last.role), (p, Role::Pointer));
    // σ: the state, then the pointer.
    assert_eq!(ks.layout.states, vec![m.lookup("s").unwrap(), p]);
}

#[test]
fn arbor_rejects_pointer_by_name() {
    let front = load_source("gap.mod", GAP);
    let m = front.module.expect("accepted");
    let e = arbor::emit(&m, &[], "gap.mod")
        .unwrap_err()
        .render(&front.sources);
    assert!(
        e.contains("POINTER `vgap` is not supported by the Arbor back end"),
        "{e}"
    );
}
