//! `runge`: NEURON's fourth-order Runge-Kutta step for DERIVATIVE blocks solved with METHOD
//! runge.
//!
//! NEURON calls scopmath's `runge` (its `runge.hpp`, read in the NEURON 9.0.2 wheel): the block
//! computes the derivatives four times, at t, t + dt/2 (twice) and (t + dt/2) + dt/2, the states
//! moving between the calls as
//!
//! ```text
//! w = x;  h2 = (dt/2)·D;  x = x + h2;  a = w + h2/3          (derivatives at t)
//! h = dt·D;  x = w + h/2;  a = a + h/3                       (at t + dt/2)
//! h = dt·D;  x = w + h;    a = a + h/3                       (at t + dt/2)
//! x = a + (dt/6)·D                                           (at (t + dt/2) + dt/2)
//! ```
//!
//! for each state in order, the same operations in the same order, so that the result is NEURON's
//! to rounding. The block becomes a PROCEDURE that the SOLVE runs directly: four copies of its
//! statements (`x' = f` as `D_x = f`, `t` as the stage's time), each followed by its updates.

use crate::diag::{Diagnostics, Span};
use crate::ir::{
    BlockKind, Builtin, ExprId, Module, Scope, SolveMethod, Stmt, StmtKind, VarId, VarKind,
    Variable,
};
use crate::sym::build;
use crate::sym::rewrite::substitute;

/// Runs the pass on every SOLVE ... METHOD runge.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    for (target, method) in super::solves(m) {
        if method != SolveMethod::Runge || m.block(target).kind != BlockKind::Derivative {
            continue;
        }
        let dt = super::cnexp::dt_var(m);
        let body = std::mem::take(&mut m.blocks[target.index()].body);
        let mut updates = Vec::new();
        let stage = super::euler::rewrite(m, body, &mut updates);
        let span = m.block(target).span;
        let locals = |m: &mut Module, what: &str| -> Vec<VarId> {
            updates
                .iter()
                .map(|&(x, _, _)| {
                    let name = format!("{what}{}", m.var(x).name.replace(['[', ']'], "_"));
                    let name = m.fresh_var_name(&name);
                    m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span))
                })
                .collect()
        };
        let (w, a, h) = (locals(m, "rk_w_"), locals(m, "rk_a_"), locals(m, "rk_h_"));
        let ar = &mut m.exprs;
        let (dtv, two, three, six) = (ar.var(dt), ar.num(2.0), ar.num(3.0), ar.num(6.0));
        let half = build::div(ar, dtv, two);
        let sixth = build::div(ar, dtv, six);
        let times = m.builtin(Builtin::T).map(|t| {
            let ar = &mut m.exprs;
            let t0 = ar.var(t);
            let mid = build::add(ar, t0, half);
            let end = build::add(ar, mid, half);
            (t, mid, end)
        });
        let mut out = stage.clone();
        for (i, &(x, d, s)) in updates.iter().enumerate() {
            let ar = &mut m.exprs;
            let (xv, dv, wv, hv) = (ar.var(x), ar.var(d), ar.var(w[i]), ar.var(h[i]));
            let h2 = build::mul(ar, half, dv);
            let x1 = build::add(ar, xv, hv);
            let third = build::div(ar, hv, three);
            let a1 = build::add(ar, wv, third);
            out.extend([
                assign(w[i], xv, s),
                assign(h[i], h2, s),
                assign(x, x1, s),
                assign(a[i], a1, s),
            ]);
        }
        for k in 1..4 {
            let t_stage = times.map(|(t, mid, end)| (t, if k == 3 { end } else { mid }));
            out.extend(at_time(m, &stage, t_stage));
            for (i, &(x, d, s)) in updates.iter().enumerate() {
                let ar = &mut m.exprs;
                let (dv, wv, av, hv) = (ar.var(d), ar.var(w[i]), ar.var(a[i]), ar.var(h[i]));
                if k == 3 {
                    let step = build::mul(ar, sixth, dv);
                    let x4 = build::add(ar, av, step);
                    out.push(assign(x, x4, s));
                    continue;
                }
                let hd = build::mul(ar, dtv, dv);
                let moved = if k == 1 { build::div(ar, hv, two) } else { hv };
                let xk = build::add(ar, wv, moved);
                let third = build::div(ar, hv, three);
                let ak = build::add(ar, av, third);
                out.extend([assign(h[i], hd, s), assign(x, xk, s), assign(a[i], ak, s)]);
            }
        }
        let block = &mut m.blocks[target.index()];
        block.body = out;
        block.kind = BlockKind::Procedure;
        super::retarget_solves(m, target, SolveMethod::Runge);
    }
    Ok(())
}

fn assign(var: VarId, value: ExprId, span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Assign { var, value },
        span,
    }
}

/// A copy of `stage` reading `time` for `t` (when the module reads t).
fn at_time(m: &mut Module, stage: &[Stmt], time: Option<(VarId, ExprId)>) -> Vec<Stmt> {
    let mut copy = stage.to_vec();
    if let Some((t, value)) = time {
        let map = std::collections::HashMap::from([(t, value)]);
        for s in &mut copy {
            s.map_exprs(&mut |e| substitute(&mut m.exprs, e, &map));
        }
    }
    copy
}
