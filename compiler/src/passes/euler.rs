//! `euler`: explicit Euler for DERIVATIVE blocks solved with METHOD euler.
//!
//! Every derivative is computed from the states at the start of the step, then every state
//! advances: `D_x = f` in place of each `x' = f`, followed by `x = x + dt·D_x` for each state in
//! order of appearance. The block becomes a PROCEDURE that the SOLVE runs directly.

use crate::diag::Diagnostics;
use crate::ir::{BlockKind, Module, Scope, SolveMethod, Stmt, StmtKind, VarId, VarKind, Variable};
use crate::sym::build;

/// Runs the pass on every SOLVE ... METHOD euler.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    for (target, method) in super::solves(m) {
        if method != SolveMethod::Euler || m.block(target).kind != BlockKind::Derivative {
            continue;
        }
        let dt = super::cnexp::dt_var(m);
        let body = std::mem::take(&mut m.blocks[target.index()].body);
        let mut updates = Vec::new();
        let mut body = rewrite(m, body, &mut updates);
        for (state, d, span) in updates {
            let ar = &mut m.exprs;
            let (x, d, dt) = (ar.var(state), ar.var(d), ar.var(dt));
            let step = build::mul(ar, dt, d);
            let value = build::add(ar, x, step);
            body.push(Stmt {
                kind: StmtKind::Assign { var: state, value },
                span,
            });
        }
        let block = &mut m.blocks[target.index()];
        block.body = body;
        block.kind = BlockKind::Procedure;
        super::retarget_solves(m, target, SolveMethod::Euler);
    }
    Ok(())
}

/// `body` with every `x' = f` replaced by `D_x = f` (a new LOCAL), recording (x, D_x, span) in
/// `updates` in order of appearance.
pub(super) fn rewrite(
    m: &mut Module,
    body: Vec<Stmt>,
    updates: &mut Vec<(VarId, VarId, crate::diag::Span)>,
) -> Vec<Stmt> {
    body.into_iter()
        .map(|s| {
            let span = s.span;
            let kind = match s.kind {
                StmtKind::Ode { state, rhs } => {
                    let name = format!("D{}", m.var(state).name.replace(['[', ']'], "_"));
                    let name = m.fresh_var_name(&name);
                    let d = m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span));
                    updates.push((state, d, span));
                    StmtKind::Assign { var: d, value: rhs }
                }
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                } => StmtKind::If {
                    cond,
                    then: rewrite(m, then, updates),
                    otherwise: rewrite(m, otherwise, updates),
                },
                other => other,
            };
            Stmt { kind, span }
        })
        .collect()
}
