//! `cnexp`: the exact exponential step of ODEs linear in their own state.
//!
//! Each `x' = f` of a DERIVATIVE block solved with METHOD cnexp, with f = a·x + b where a and b do
//! not depend on x, becomes the explicit update NEURON's nocmodl writes,
//! `x = x + (1 - exp(dt·a))·(-b/a - x)`, and `x = x + dt·b` where a is zero. The ODEs are
//! updated in order, so a later equation sees the new value of an earlier state, as in NEURON.
//! The block becomes a PROCEDURE that the SOLVE runs directly. An equation that is not linear in
//! its own state is an error naming the state, as in NEURON.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{BlockKind, Builtin, Module, SolveMethod, Stmt, StmtKind, VarKind, Variable};
use crate::sym::{build, depends_on, is_linear_in};

/// Runs the pass on every SOLVE ... METHOD cnexp.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    for (target, method) in super::solves(m) {
        if method != SolveMethod::Cnexp || m.block(target).kind != BlockKind::Derivative {
            continue;
        }
        let dt = dt_var(m);
        let body = std::mem::take(&mut m.blocks[target.index()].body);
        let body = rewrite(m, body, dt, &mut diags);
        let block = &mut m.blocks[target.index()];
        block.body = body;
        block.kind = BlockKind::Procedure;
        super::retarget_solves(m, target, SolveMethod::Cnexp);
    }
    diags.into_result()
}

/// The variable `dt`, added if the module does not use it yet.
pub(crate) fn dt_var(m: &mut Module) -> crate::ir::VarId {
    m.builtin(Builtin::Dt).unwrap_or_else(|| {
        let mut v = Variable::new(
            "dt",
            VarKind::Builtin(Builtin::Dt),
            crate::ir::Scope::Global,
            m.span,
        );
        v.unit = Some("ms".into());
        m.add_var(v)
    })
}

fn rewrite(
    m: &mut Module,
    body: Vec<Stmt>,
    dt: crate::ir::VarId,
    diags: &mut Diagnostics,
) -> Vec<Stmt> {
    body.into_iter()
        .map(|s| {
            let span = s.span;
            let kind = match s.kind {
                StmtKind::Ode { state, rhs } => match is_linear_in(&mut m.exprs, rhs, state) {
                    Some((a, b)) if !depends_on(&m.exprs, a, state) && !depends_on(&m.exprs, b, state) => {
                        let ar = &mut m.exprs;
                        let x = ar.var(state);
                        let dt = ar.var(dt);
                        let value = if ar.as_num(a) == Some(0.0) {
                            let step = build::mul(ar, dt, b);
                            build::add(ar, x, step)
                        } else {
                            // x + (1 - exp(dt*a)) * (-b/a - x)
                            let dta = build::mul(ar, dt, a);
                            let e = build::call(ar, crate::ir::Func::Exp, dta);
                            let one = ar.num(1.0);
                            let factor = build::sub(ar, one, e);
                            // Without a term free of x (b structurally zero) the target -b/a
                            // is zero; the quotient `0/a` is not built.
                            let target = if ar.as_num(b) == Some(0.0) {
                                ar.num(0.0)
                            } else {
                                let ratio = build::div(ar, b, a);
                                build::neg(ar, ratio)
                            };
                            let gap = build::sub(ar, target, x);
                            let step = build::mul(ar, factor, gap);
                            build::add(ar, x, step)
                        };
                        StmtKind::Assign { var: state, value }
                    }
                    _ => {
                        let name = &m.var(state).name;
                        diags.push(
                            Diagnostic::error(span, format!("cnexp: the equation for `{name}'` is not linear in `{name}`"))
                                .with_note("cnexp solves x' = a*x + b exactly; use METHOD derivimplicit for this block"),
                        );
                        StmtKind::Ode { state, rhs }
                    }
                },
                StmtKind::If { cond, then, otherwise } => StmtKind::If {
                    cond,
                    then: rewrite(m, then, dt, diags),
                    otherwise: rewrite(m, otherwise, dt, diags),
                },
                other => other,
            };
            Stmt { kind, span }
        })
        .collect()
}
