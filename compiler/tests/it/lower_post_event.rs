//! Arbor's POST_EVENT: lowered into NET_RECEIVE as the branch taken when the flag is
//! `POST_EVENT_FLAG`, with its argument the event's `t`; a mechanism without NET_RECEIVE gets
//! one; a POST_EVENT in a density mechanism is rejected by name.

use gradmod_compiler::back::kernels;
use gradmod_compiler::driver::load_source;
use gradmod_compiler::ir::{BinOp, Builtin, Expr, POST_EVENT_FLAG, StmtKind};
use gradmod_compiler::passes;

const SYN: &str = "NEURON {\n    POINT_PROCESS syn\n    RANGE tau\n    NONSPECIFIC_CURRENT i\n}\n\
PARAMETER { tau = 2 (ms) }\nSTATE { g }\nINITIAL { g = 0 }\n\
BREAKPOINT {\n    SOLVE s METHOD cnexp\n    i = g*v\n}\nDERIVATIVE s { g' = -g/tau }\n";

#[test]
fn post_event_is_the_flagged_branch_of_net_receive() {
    let text = format!(
        "{SYN}NET_RECEIVE (w) {{\n    g = g + w\n}}\nPOST_EVENT (time) {{\n    g = g + 0.1*time\n}}\n"
    );
    let front = load_source("syn.mod", &text);
    let rendered = front.render();
    let m = front.module.unwrap_or_else(|| panic!("{rendered}"));
    assert!(m.post_event);
    let nr = m.net_receive.clone().unwrap();
    let body = &m.block(nr.body).body;
    let [s] = body.as_slice() else {
        panic!("one if: {body:?}")
    };
    let StmtKind::If {
        cond,
        then,
        otherwise,
    } = &s.kind
    else {
        panic!("not an if: {s:?}")
    };
    // The argument's LOCAL set to t, then the block's statement.
    assert_eq!((then.len(), otherwise.len()), (2, 1));
    let Expr::Binary(BinOp::Eq, a, b) = m.exprs.get(*cond) else {
        panic!("not flag == ...")
    };
    assert_eq!(m.exprs.get(a), Expr::Var(nr.flag));
    assert_eq!(m.exprs.as_num(b), Some(POST_EVENT_FLAG));
    // `time` is the event's t.
    let t = m.builtin(Builtin::T).expect("t is read");
    let StmtKind::Assign { value, .. } = then[0].kind else {
        panic!("not an assignment: {:?}", then[0])
    };
    assert_eq!(m.exprs.get(value), Expr::Var(t));
    let passed = passes::run_all(m).unwrap();
    let ks = kernels::plan(&passed, None).unwrap();
    assert!(ks.info.post_event && ks.info.net_receive);
}

#[test]
fn post_event_without_net_receive_gets_one_and_density_is_refused() {
    let text = format!("{SYN}POST_EVENT (time) {{\n    g = g + 1\n}}\n");
    let front = load_source("syn.mod", &text);
    let rendered = front.render();
    let m = front.module.unwrap_or_else(|| panic!("{rendered}"));
    let nr = m.net_receive.as_ref().expect("a NET_RECEIVE");
    assert_eq!(nr.args.len(), 1);

    let density = text
        .replace("POINT_PROCESS syn", "SUFFIX syn")
        .replace("i = g*v", "i = g*v*1e-3");
    let front = load_source("den.mod", &density);
    let out = front.render();
    assert!(front.module.is_none(), "{out}");
    assert!(
        out.contains("unsupported construct: POST_EVENT in a density mechanism"),
        "{out}"
    );
}
