//! The symbolic linearity test: is `e` of the form `a·x + b` with `a`, `b` free of `x`?
//!
//! One test drives `cnexp` (`x' = a x + b` has an exact exponential update), the sparse/kinetic
//! solver (rows of a linear system) and the conductance (`i = g v + c` gives `g` without
//! differentiating), as in Arbor's modcc.

use std::collections::HashMap;

use crate::ir::expr::{BinOp, Expr, ExprArena, ExprId, UnOp, VarId};
use crate::sym::build::{add, div, mul, neg, select, sub};

/// The coefficients of `e` as `a·var + b`, with `a` and `b` free of `var`, or `None` when `e` is
/// not (syntactically) linear in `var`.
///
/// The test is structural: sums, differences, negation, products with one factor free of `var`,
/// quotients by a denominator free of `var`, and selects whose condition is free of `var` and whose
/// branches are both linear. Anything else that reads `var` (e.g. `exp(var)`, `var*var`, or
/// `var/var`) is reported as not linear, even when it happens to simplify to a linear form.
/// The coefficients are built through the smart constructors, so `a` is `0` when `e` does not
/// depend on `var`, and `b` is `0` when `e` has no term free of `var`. A structurally zero
/// coefficient divided by a denominator stays `0` (not `0/b`): it is zero wherever `e` is defined.
pub fn is_linear_in(ar: &mut ExprArena, e: ExprId, var: VarId) -> Option<(ExprId, ExprId)> {
    let order = ar.reachable(&[e]);
    let zero = ar.num(0.0);
    // For every node: None when it does not depend on `var` (coefficients (0, node)), Some(None)
    // when it depends nonlinearly, Some(Some((a, b))) when it is linear.
    let mut lin: HashMap<ExprId, Option<Option<(ExprId, ExprId)>>> = HashMap::new();
    for id in order {
        let node = ar.get(id);
        let parts = |c: ExprId| -> (bool, Option<(ExprId, ExprId)>) {
            match lin[&c] {
                None => (false, Some((zero, c))),
                Some(l) => (true, l),
            }
        };
        let result = match node {
            Expr::Num(_) => None,
            Expr::Var(v) if v == var => {
                let one = ar.num(1.0);
                Some(Some((one, zero)))
            }
            Expr::Var(_) | Expr::Temp(_) => None,
            _ if !node.children().any(|c| lin[&c].is_some()) => None,
            Expr::Unary(UnOp::Neg, a) => {
                let (_, l) = parts(a);
                Some(l.map(|(p, q)| (neg(ar, p), neg(ar, q))))
            }
            Expr::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let ((_, la), (_, lb)) = (parts(a), parts(b));
                Some(la.zip(lb).map(|((p, q), (r, s))| {
                    if op == BinOp::Add {
                        (add(ar, p, r), add(ar, q, s))
                    } else {
                        (sub(ar, p, r), sub(ar, q, s))
                    }
                }))
            }
            Expr::Binary(BinOp::Mul, a, b) => {
                let ((dep_a, la), (dep_b, lb)) = (parts(a), parts(b));
                let scaled = match (dep_a, dep_b) {
                    (true, false) => la.map(|l| (l, b)),
                    (false, true) => lb.map(|l| (l, a)),
                    _ => None,
                };
                Some(scaled.map(|((p, q), k)| (mul(ar, k, p), mul(ar, k, q))))
            }
            Expr::Binary(BinOp::Div, a, b) => {
                let ((_, la), (dep_b, _)) = (parts(a), parts(b));
                // A coefficient that is structurally zero (the term is absent) stays zero rather
                // than becoming `0/b`: the builder keeps that quotient, since in user code `b`
                // may vanish, but here it only stands for a term that is not there.
                let mut over_b = |c: ExprId| if c == zero { zero } else { div(ar, c, b) };
                Some(la.filter(|_| !dep_b).map(|(p, q)| (over_b(p), over_b(q))))
            }
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                let ((dep_c, _), (_, lt), (_, lo)) = (parts(cond), parts(then), parts(otherwise));
                Some(
                    lt.zip(lo)
                        .filter(|_| !dep_c)
                        .map(|((p, q), (r, s))| (select(ar, cond, p, r), select(ar, cond, q, s))),
                )
            }
            _ => Some(None),
        };
        lin.insert(id, result);
    }
    match lin[&e] {
        None => Some((zero, e)),
        Some(l) => l,
    }
}
