//! Backward Euler by Newton's method, written out as statements: the solver behind
//! `derivimplicit`, `sparse` and STEADYSTATE.
//!
//! The new states solve `x - x_old - dt·f(x) = 0` (rows a CONSERVE replaces solve its conservation
//! law instead). Each Newton iteration assigns the residuals and the Jacobian `I - dt·∂f/∂x`
//! (symbolic) to LOCALs, eliminates without pivoting (the matrix of a kinetic scheme is an
//! M-matrix, whose leading minors do not vanish) and updates the states. A system linear in its
//! states is solved by one iteration exactly; a nonlinear one gets a fixed number of iterations,
//! so that the tangent pass differentiates exactly what is computed. A nonlinear system of at
//! least [`LOOP_MIN_UNKNOWNS`] unknowns keeps its iterations and its elimination as loops over
//! kernel-local arrays ([`dense`]) instead of writing them out.

// Gaussian elimination reads best with explicit row and column indices.
#![allow(clippy::needless_range_loop)]

use crate::diag::Span;
use crate::ir::{ExprId, Module, Scope, Stmt, StmtKind, VarId, VarKind, Variable};
use crate::sym::{build, depends_on, jacobian};

use super::equations::Equations;

mod converge;
mod dense;

pub use converge::clamp_below;

pub use dense::LOOP_MIN_UNKNOWNS;

/// Newton iterations for a system that is not linear in its states.
pub const NONLINEAR_ITERATIONS: usize = 10;

/// How many Newton iterations a solve takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Iterations {
    /// One for a system linear in its states (which solves it exactly), else the number given
    /// ([`NONLINEAR_ITERATIONS`] when `None`).
    UnlessLinear(Option<usize>),
    /// Exactly this many, linear or not (NEURON's STEADYSTATE takes a second iteration of a
    /// linear system: its convergence test needs an increment below 1e-6).
    Exactly(usize),
    /// NEURON's `sparse` stop and clamp in either form, for STEADYSTATE's whole step of a
    /// nonlinear scheme: the loop form's [`dense::Stop::Sparse`], or the written-out iteration
    /// repeated under the same test (`converge.rs`). One iteration for a linear system.
    UntilConverged,
    /// NEURON's `sparse` (a KINETIC block solved by `sparse`): one for a linear system; for a
    /// nonlinear one kept as loops, until converged as scopmath's `sparse_thread` decides
    /// ([`dense::Stop::Sparse`]); written out, [`NONLINEAR_ITERATIONS`] (which converge further
    /// than NEURON's test asks, without its clamp of negative states).
    Sparse,
}

/// The statements of Newton's method on backward Euler with step `dt` (see [`newton`] for the
/// number of iterations).
pub fn backward_euler(
    m: &mut Module,
    eqs: &Equations,
    dt: ExprId,
    iterations: Iterations,
    span: Span,
) -> Vec<Stmt> {
    let n = eqs.states.len();
    let mut out = Vec::new();
    // The states at the start of the step.
    let mut old = Vec::with_capacity(n);
    for &s in &eqs.states {
        let name = m.fresh_var_name(&format!("{}_old", m.var(s).name.replace(['[', ']'], "_")));
        let o = m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span));
        let value = m.exprs.var(s);
        out.push(assign(o, value, span));
        old.push(o);
    }
    // Residuals F(x) as expressions of the current states.
    let mut residuals = Vec::with_capacity(n);
    for i in 0..n {
        let r = match eqs.conserve.iter().find(|(j, _)| *j == i) {
            Some(&(_, law)) => law,
            None => {
                let ar = &mut m.exprs;
                let (x, xo) = (ar.var(eqs.states[i]), ar.var(old[i]));
                let step = build::mul(ar, dt, eqs.rates[i]);
                let diff = build::sub(ar, x, xo);
                build::sub(ar, diff, step)
            }
        };
        residuals.push(r);
    }
    out.extend(newton(m, &eqs.states, &residuals, iterations, span));
    out
}

/// The statements of Newton's method on `residuals(states) = 0` from the states' current values:
/// as many steps as `iterations` says. The solver of `derivimplicit`, `sparse`, STEADYSTATE
/// and LINEAR/NONLINEAR blocks. The steps are written out, unless the system is nonlinear with
/// at least [`LOOP_MIN_UNKNOWNS`] unknowns: then they are loops over kernel-local arrays
/// (`dense.rs`), so that the code grows with the system's entries rather than with their
/// elimination times the iterations.
pub fn newton(
    m: &mut Module,
    states: &[VarId],
    residuals: &[ExprId],
    iterations: Iterations,
    span: Span,
) -> Vec<Stmt> {
    let mut out = Vec::new();
    let jac = jacobian(&mut m.exprs, residuals, states);
    let linear = is_linear(m, states, &jac);
    let (iterations, sparse) = match iterations {
        Iterations::Exactly(n) => (n, false),
        Iterations::UnlessLinear(_) | Iterations::Sparse | Iterations::UntilConverged if linear => {
            (1, false)
        }
        Iterations::UntilConverged if states.len() < LOOP_MIN_UNKNOWNS => {
            return converge::until_converged(m, states, residuals, &jac, span);
        }
        Iterations::UntilConverged => (NONLINEAR_ITERATIONS, true),
        Iterations::UnlessLinear(Some(n)) => (n, false),
        Iterations::UnlessLinear(None) => (NONLINEAR_ITERATIONS, false),
        Iterations::Sparse => (NONLINEAR_ITERATIONS, true),
    };
    if iterations > 1 && !linear && states.len() >= LOOP_MIN_UNKNOWNS {
        let stop = if sparse {
            dense::Stop::Sparse
        } else {
            dense::Stop::Fixed(iterations)
        };
        return dense::newton_loop(m, states, residuals, &jac, stop, span);
    }
    for _ in 0..iterations {
        newton_step(m, states, residuals, &jac, span, &mut out);
    }
    out
}

/// Whether the Jacobian `jac` of a system reads none of its `states`.
fn is_linear(m: &Module, states: &[VarId], jac: &[Vec<ExprId>]) -> bool {
    jac.iter()
        .flatten()
        .all(|&e| states.iter().all(|&s| !depends_on(&m.exprs, e, s)))
}

/// Whether the equations `eqs` are linear in their states.
pub fn equations_are_linear(m: &mut Module, eqs: &Equations) -> bool {
    let mut residuals = Vec::with_capacity(eqs.states.len());
    for i in 0..eqs.states.len() {
        match eqs.conserve.iter().find(|(j, _)| *j == i) {
            Some(&(_, law)) => residuals.push(law),
            None => residuals.push(eqs.rates[i]),
        }
    }
    let jac = jacobian(&mut m.exprs, &residuals, &eqs.states);
    is_linear(m, &eqs.states, &jac)
}

fn assign(var: VarId, value: ExprId, span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Assign { var, value },
        span,
    }
}

/// A LOCAL holding `value`, unless the value is a constant or a variable (then the value itself).
fn local(m: &mut Module, name: &str, value: ExprId, span: Span, out: &mut Vec<Stmt>) -> ExprId {
    if matches!(
        m.exprs.get(value),
        crate::ir::Expr::Num(_) | crate::ir::Expr::Var(_)
    ) {
        return value;
    }
    let name = m.fresh_var_name(name);
    let v = m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span));
    out.push(assign(v, value, span));
    m.exprs.var(v)
}

/// One Newton step: solve J δ = -F by Gaussian elimination and add δ to the states.
fn newton_step(
    m: &mut Module,
    states: &[VarId],
    residuals: &[ExprId],
    jac: &[Vec<ExprId>],
    span: Span,
    out: &mut Vec<Stmt>,
) {
    let n = states.len();
    let mut a: Vec<Vec<ExprId>> = Vec::with_capacity(n);
    let mut b: Vec<ExprId> = Vec::with_capacity(n);
    for i in 0..n {
        let mut row = Vec::with_capacity(n);
        for j in 0..n {
            row.push(local(m, &format!("J{i}_{j}"), jac[i][j], span, out));
        }
        a.push(row);
        let minus_f = build::neg(&mut m.exprs, residuals[i]);
        b.push(local(m, &format!("F{i}"), minus_f, span, out));
    }
    let zero = |m: &Module, e: ExprId| m.exprs.as_num(e) == Some(0.0);
    for k in 0..n {
        // A pivot that is zero by construction (an equation that does not read the unknown of
        // its row, common in LINEAR blocks) is exchanged for the first row below that reads it.
        if zero(m, a[k][k])
            && let Some(i) = (k + 1..n).find(|&i| !zero(m, a[i][k]))
        {
            a.swap(k, i);
            b.swap(k, i);
        }
        for i in k + 1..n {
            if zero(m, a[i][k]) {
                continue;
            }
            let l = build::div(&mut m.exprs, a[i][k], a[k][k]);
            let l = local(m, &format!("L{i}_{k}"), l, span, out);
            for j in k + 1..n {
                if zero(m, a[k][j]) {
                    continue;
                }
                let p = build::mul(&mut m.exprs, l, a[k][j]);
                let e = build::sub(&mut m.exprs, a[i][j], p);
                a[i][j] = local(m, &format!("J{i}_{j}"), e, span, out);
            }
            let p = build::mul(&mut m.exprs, l, b[k]);
            let e = build::sub(&mut m.exprs, b[i], p);
            b[i] = local(m, &format!("F{i}"), e, span, out);
        }
    }
    let mut delta = vec![m.exprs.num(0.0); n];
    for i in (0..n).rev() {
        let mut acc = b[i];
        for j in i + 1..n {
            if zero(m, a[i][j]) {
                continue;
            }
            let p = build::mul(&mut m.exprs, a[i][j], delta[j]);
            acc = build::sub(&mut m.exprs, acc, p);
        }
        let d = build::div(&mut m.exprs, acc, a[i][i]);
        delta[i] = local(m, &format!("delta{i}"), d, span, out);
    }
    // Only now, with every increment computed from the current iterate, move the states.
    for (i, &s) in states.iter().enumerate() {
        let x = m.exprs.var(s);
        let value = build::add(&mut m.exprs, x, delta[i]);
        out.push(assign(s, value, span));
    }
}
