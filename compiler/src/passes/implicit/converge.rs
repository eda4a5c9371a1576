//! The written-out Newton iteration repeated as NEURON's `sparse` repeats it, for STEADYSTATE's
//! whole step of a nonlinear scheme (scopmath's `sparse_thread` with `linflag` 0, which
//! `_ss_sparse` calls after its first iteration): a FROM loop of at most
//! [`SPARSE_MAX_ITERATIONS`] whose body, under an `if` on the last iteration's summed increments
//! (above [`SPARSE_CONVERGE`]), takes one iteration and sets each state it takes below zero to
//! zero. The loop form of large systems does the same ([`super::dense::Stop::Sparse`]).

use crate::diag::Span;
use crate::ir::{BinOp, ExprId, Func, Module, Scope, Stmt, StmtKind, VarId, VarKind, Variable};
use crate::sym::build;

/// NEURON's `CONVERGE` (scopmath's errcodes): the summed absolute increments at which `sparse`
/// stops iterating.
pub const SPARSE_CONVERGE: f64 = 1e-6;

/// The iterations NEURON's `sparse` may take (its `MAXSTEPS` of 20, counted from 0, and one
/// more: the iteration after which it gives up with an error).
pub const SPARSE_MAX_ITERATIONS: usize = 21;

fn assign(var: VarId, value: ExprId, span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Assign { var, value },
        span,
    }
}

fn local(m: &mut Module, name: &str, span: Span) -> VarId {
    let name = m.fresh_var_name(name);
    m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span))
}

/// `if (x < 0) { x = 0 }` for each state, below `threshold` rather than 0 where given (NEURON's
/// check between the first stage's iterations sets states below -1e-6 to zero).
pub fn clamp_below(m: &mut Module, states: &[VarId], threshold: f64, span: Span) -> Vec<Stmt> {
    let mut out = Vec::with_capacity(states.len());
    for &s in states {
        let (x, limit, zero) = (m.exprs.var(s), m.exprs.num(threshold), m.exprs.num(0.0));
        let below = build::binary(&mut m.exprs, BinOp::Lt, x, limit);
        out.push(Stmt {
            kind: StmtKind::If {
                cond: below,
                then: vec![assign(s, zero, span)],
                otherwise: Vec::new(),
            },
            span,
        });
    }
    out
}

/// Newton's method on `residuals(states) = 0` until converged as NEURON's `sparse` decides, each
/// iteration written out by `super::newton_step`.
pub fn until_converged(
    m: &mut Module,
    states: &[VarId],
    residuals: &[ExprId],
    jac: &[Vec<ExprId>],
    span: Span,
) -> Vec<Stmt> {
    let mut body = Vec::new();
    // The states before the iteration: the increments are the differences after it.
    let mut before = Vec::with_capacity(states.len());
    for &s in states {
        let name = format!("{}_before", m.var(s).name.replace(['[', ']'], "_"));
        let b = local(m, &name, span);
        let x = m.exprs.var(s);
        body.push(assign(b, x, span));
        before.push(b);
    }
    super::newton_step(m, states, residuals, jac, span, &mut body);
    let increments: Vec<ExprId> = states
        .iter()
        .zip(&before)
        .map(|(&s, &b)| {
            let (x, x0) = (m.exprs.var(s), m.exprs.var(b));
            build::sub(&mut m.exprs, x, x0)
        })
        .collect();
    as_sparse_stops(m, states, &increments, body, span)
}

/// The loop of NEURON's `sparse` around `body`, one Newton iteration that moved `states` by
/// `increments`: the body also sums the increments' magnitudes (`sparse_thread`'s `err`) and
/// sets states below zero to zero, and runs only while the last sum is above
/// [`SPARSE_CONVERGE`], at most [`SPARSE_MAX_ITERATIONS`] times.
pub(super) fn as_sparse_stops(
    m: &mut Module,
    states: &[VarId],
    increments: &[ExprId],
    mut body: Vec<Stmt>,
    span: Span,
) -> Vec<Stmt> {
    let err = local(m, "newton_err", span);
    let it = local(m, "newton_iteration", span);
    let mut sum = m.exprs.num(0.0);
    for &d in increments {
        let size = build::call(&mut m.exprs, Func::Fabs, d);
        sum = build::add(&mut m.exprs, sum, size);
    }
    body.push(assign(err, sum, span));
    body.extend(clamp_below(m, states, 0.0, span));
    let (e, tol) = (m.exprs.var(err), m.exprs.num(SPARSE_CONVERGE));
    let going = build::binary(&mut m.exprs, BinOp::Gt, e, tol);
    let guarded = Stmt {
        kind: StmtKind::If {
            cond: going,
            then: body,
            otherwise: Vec::new(),
        },
        span,
    };
    let (one, last) = (m.exprs.num(1.0), m.exprs.num(SPARSE_MAX_ITERATIONS as f64));
    vec![
        assign(err, one, span),
        Stmt {
            kind: StmtKind::Loop {
                var: it,
                from: one,
                to: last,
                body: vec![guarded],
            },
            span,
        },
    ]
}
