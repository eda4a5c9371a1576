//! `cnexp`: the exact exponential step of ODEs linear in their own state.
//!
//! Each `x' = f` of a DERIVATIVE block solved with METHOD cnexp, with f = a·x + b where a and b do
//! not depend on x, becomes the explicit update NEURON's nocmodl writes,
//! `x = x + (1 - exp(dt·a))·(-b/a - x)`, and `x = x + dt·b` where a is zero. The ODEs are
//! updated in order, so a later equation sees the new value of an earlier state, as in NEURON.
//! The block becomes a PROCEDURE that the SOLVE runs directly.
//!
//! An equation that is not linear in its own state gets what NEURON 9's nocmodl gives it (read in
//! its output, docs/DESIGN.md "cnexp of a nonlinear equation"): where the right-hand side is a
//! polynomial in the state (sums, products, and quotients by expressions free of it), nocmodl
//! still writes its cnexp step with `a = ∂f/∂x` at the current value and drops the terms free of
//! x, `x = x + (1 - exp(dt·a))·(-x)`; where it is not (the state under a function or in a
//! denominator), nocmodl solves the whole block by derivimplicit, and so does gradmod (the SOLVE
//! becomes METHOD derivimplicit before that pass runs). Each case is a warning naming the state.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{
    BinOp, BlockKind, Builtin, Expr, ExprArena, ExprId, Module, SolveMethod, Stmt, StmtKind, UnOp,
    VarId, VarKind, Variable,
};
use crate::sym::{build, depends_on, is_linear_in};

/// Runs the pass on every SOLVE ... METHOD cnexp.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    for (target, method) in super::solves(m) {
        if method != SolveMethod::Cnexp || m.block(target).kind != BlockKind::Derivative {
            continue;
        }
        if beyond_polynomial(m, &m.block(target).body).is_some() {
            super::change_solves(m, target, SolveMethod::Cnexp, SolveMethod::Derivimplicit);
            continue;
        }
        let dt = dt_var(m);
        let body = std::mem::take(&mut m.blocks[target.index()].body);
        let body = rewrite(m, body, dt);
        let block = &mut m.blocks[target.index()];
        block.body = body;
        block.kind = BlockKind::Procedure;
        super::retarget_solves(m, target, SolveMethod::Cnexp);
    }
    Ok(())
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

fn rewrite(m: &mut Module, body: Vec<Stmt>, dt: crate::ir::VarId) -> Vec<Stmt> {
    body.into_iter()
        .map(|s| {
            let span = s.span;
            let kind = match s.kind {
                StmtKind::Ode { state, rhs } => match is_linear_in(&mut m.exprs, rhs, state) {
                    Some((a, b))
                        if !depends_on(&m.exprs, a, state) && !depends_on(&m.exprs, b, state) =>
                    {
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
                        // A polynomial in the state (the others went to derivimplicit): nocmodl's
                        // step with a = df/dx and the terms free of x dropped.
                        let ar = &mut m.exprs;
                        let a = crate::sym::diff(ar, rhs, state);
                        let x = ar.var(state);
                        let dt = ar.var(dt);
                        let dta = build::mul(ar, dt, a);
                        let e = build::call(ar, crate::ir::Func::Exp, dta);
                        let one = ar.num(1.0);
                        let factor = build::sub(ar, one, e);
                        let gap = build::neg(ar, x);
                        let step = build::mul(ar, factor, gap);
                        let value = build::add(ar, x, step);
                        StmtKind::Assign { var: state, value }
                    }
                },
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                } => StmtKind::If {
                    cond,
                    then: rewrite(m, then, dt),
                    otherwise: rewrite(m, otherwise, dt),
                },
                other => other,
            };
            Stmt { kind, span }
        })
        .collect()
}

/// The warnings `gradmod check` gives for cnexp equations that are not linear in their state,
/// naming the state and what is done instead (read by the driver after lowering, as the passes
/// report errors only).
pub fn warnings(m: &Module) -> Diagnostics {
    let mut diags = Diagnostics::new();
    // The linearity test builds expressions: it works on one copy of the arena, made when a
    // cnexp block needs it.
    let mut copy: Option<ExprArena> = None;
    for (target, method) in super::solves(m) {
        if method != SolveMethod::Cnexp || m.block(target).kind != BlockKind::Derivative {
            continue;
        }
        let body = &m.block(target).body;
        if let Some((state, span)) = beyond_polynomial(m, body) {
            let name = &m.var(state).name;
            diags.push(
                Diagnostic::warning(
                    span,
                    format!(
                        "cnexp: the equation for `{name}'` is not linear in `{name}`: the block is \
                         solved by derivimplicit, as NEURON does"
                    ),
                )
                .with_note("NEURON 9's nocmodl falls back to derivimplicit for such a block"),
            );
            continue;
        }
        for_each_ode(body, &mut |state, rhs, span| {
            let ar = copy.get_or_insert_with(|| m.exprs.clone());
            let linear = matches!(is_linear_in(ar, rhs, state),
                Some((a, b)) if !depends_on(ar, a, state) && !depends_on(ar, b, state));
            if !linear {
                let name = &m.var(state).name;
                diags.push(
                    Diagnostic::warning(
                        span,
                        format!(
                            "cnexp: the equation for `{name}'` is not linear in `{name}`: NEURON's \
                             cnexp step is taken, {name} = {name} + (1 - exp(dt*a))*(-{name}) with \
                             a = df/d{name}, which drops the terms free of `{name}`"
                        ),
                    )
                    .with_note(
                        "as NEURON 9's nocmodl writes it; METHOD derivimplicit solves the \
                         equation itself",
                    ),
                );
            }
        });
    }
    diags
}

/// Calls `f(state, rhs, span)` for every equation of `body`, inside conditionals too.
fn for_each_ode(body: &[Stmt], f: &mut dyn FnMut(VarId, ExprId, crate::diag::Span)) {
    for s in body {
        match &s.kind {
            StmtKind::Ode { state, rhs } => f(*state, *rhs, s.span),
            StmtKind::If {
                then, otherwise, ..
            } => {
                for_each_ode(then, f);
                for_each_ode(otherwise, f);
            }
            _ => {}
        }
    }
}

/// The first equation of `body` (its state and place) whose right-hand side is not a polynomial
/// in its state: the state under a function, a power or a comparison, or in a denominator.
fn beyond_polynomial(m: &Module, body: &[Stmt]) -> Option<(VarId, crate::diag::Span)> {
    for s in body {
        match &s.kind {
            StmtKind::Ode { state, rhs } if !polynomial(&m.exprs, *rhs, *state) => {
                return Some((*state, s.span));
            }
            StmtKind::If {
                then, otherwise, ..
            } => {
                if let Some(found) =
                    beyond_polynomial(m, then).or_else(|| beyond_polynomial(m, otherwise))
                {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether `e` is a polynomial in `x` as nocmodl's cnexp differentiates it: sums, differences,
/// negations, products (and powers by whole constants, as the IR writes repeated products), and
/// quotients whose denominator is free of `x`; anything free of `x` is a constant.
fn polynomial(ar: &ExprArena, e: ExprId, x: VarId) -> bool {
    if !depends_on(ar, e, x) {
        return true;
    }
    match ar.get(e) {
        Expr::Var(_) => true,
        Expr::Unary(UnOp::Neg, a) => polynomial(ar, a, x),
        Expr::Binary(BinOp::Add | BinOp::Sub | BinOp::Mul, a, b) => {
            polynomial(ar, a, x) && polynomial(ar, b, x)
        }
        Expr::Binary(BinOp::Div, a, b) => !depends_on(ar, b, x) && polynomial(ar, a, x),
        // The IR writes `x*x` as `x^2`: a power by a whole constant is a product.
        Expr::Binary(BinOp::Pow, a, b) => {
            ar.as_num(b).is_some_and(|n| n >= 0.0 && n.fract() == 0.0) && polynomial(ar, a, x)
        }
        _ => false,
    }
}
