//! Cancellation of a factor that a product both multiplies and divides by, and of a term that a
//! sum both subtracts and adds, for the tangent coefficients of kernel plans.
//!
//! The derivative of a cnexp update differentiates `-1/tau` where tau is `1/(q10·sum)` as
//! NEURON's code computes it, so a coefficient reads `(-1/(1/x)) · (1/x) · y / x · x`: four
//! factors of x that cancel, one of them a division. Symbolic execution keeps the primal as the
//! model writes it (NEURON's bits), and the smart constructors of [`crate::sym::build`] see one
//! node at a time; this rewrite flattens a whole product tree, cancels equal factors of opposite
//! powers and rebuilds what remains, leaving every other node as it is (so the coefficient still
//! shares its subexpressions with the primal values). The result is the same function where the
//! cancelled factors are finite and nonzero, so it is applied to derivatives only, never to the
//! values a kernel computes for the model.

use std::collections::HashMap;

use crate::ir::expr::{BinOp, Expr, ExprArena, ExprId, UnOp};

/// The most factors of one product tree that [`cancel`] looks at; a larger tree is kept as it is.
const MAX_FACTORS: usize = 64;

/// `e` with equal factors of opposite powers cancelled in every product and quotient, and
/// `(x - c) + c` and `(x + c) - c` made `x`. Constants are never cancelled.
pub fn cancel(ar: &mut ExprArena, e: ExprId) -> ExprId {
    let mut map: HashMap<ExprId, ExprId> = HashMap::new();
    for id in ar.reachable(&[e]) {
        let node = ar.get(id);
        let base = if node.children().all(|c| map[&c] == c) {
            id
        } else {
            ar.intern(with_children(node, &map))
        };
        let new = match ar.get(base) {
            Expr::Binary(BinOp::Mul | BinOp::Div, ..) | Expr::Unary(UnOp::Neg, _) => {
                cancel_product(ar, base).unwrap_or(base)
            }
            Expr::Binary(BinOp::Add, a, c) => match ar.get(a) {
                Expr::Binary(BinOp::Sub, x, c2) if c2 == c => x,
                _ => base,
            },
            Expr::Binary(BinOp::Sub, a, c) => match ar.get(a) {
                Expr::Binary(BinOp::Add, x, c2) if c2 == c => x,
                _ => base,
            },
            _ => base,
        };
        map.insert(id, new);
    }
    map[&e]
}

/// `node` with each operand replaced by its image in `map`.
fn with_children(node: Expr, map: &HashMap<ExprId, ExprId>) -> Expr {
    match node {
        Expr::Unary(op, a) => Expr::Unary(op, map[&a]),
        Expr::Binary(op, a, b) => Expr::Binary(op, map[&a], map[&b]),
        Expr::Call(f, a) => Expr::Call(f, map[&a]),
        Expr::Select {
            cond,
            then,
            otherwise,
        } => Expr::Select {
            cond: map[&cond],
            then: map[&then],
            otherwise: map[&otherwise],
        },
        leaf => leaf,
    }
}

/// The factors of the product tree at `e` with their powers (+1 or -1), in order, and whether
/// the tree negates their product. False when the tree has more than [`MAX_FACTORS`] factors.
fn factors(
    ar: &ExprArena,
    e: ExprId,
    power: i8,
    out: &mut Vec<(ExprId, i8)>,
    negated: &mut bool,
) -> bool {
    if out.len() > MAX_FACTORS {
        return false;
    }
    match ar.get(e) {
        Expr::Binary(BinOp::Mul, a, b) => {
            factors(ar, a, power, out, negated) && factors(ar, b, power, out, negated)
        }
        Expr::Binary(BinOp::Div, a, b) => {
            factors(ar, a, power, out, negated) && factors(ar, b, -power, out, negated)
        }
        Expr::Unary(UnOp::Neg, a) => {
            *negated = !*negated;
            factors(ar, a, power, out, negated)
        }
        Expr::Num(n) if n.0 == 1.0 => true,
        _ => {
            out.push((e, power));
            true
        }
    }
}

/// The product tree at `e` rebuilt without the factors that cancel, or `None` when none does.
fn cancel_product(ar: &mut ExprArena, e: ExprId) -> Option<ExprId> {
    let (mut fs, mut negated) = (Vec::new(), false);
    if !factors(ar, e, 1, &mut fs, &mut negated) {
        return None;
    }
    let mut gone = vec![false; fs.len()];
    let mut any = false;
    for i in 0..fs.len() {
        if gone[i] || matches!(ar.get(fs[i].0), Expr::Num(_)) {
            continue;
        }
        if let Some(j) =
            (i + 1..fs.len()).find(|&j| !gone[j] && fs[j].0 == fs[i].0 && fs[j].1 == -fs[i].1)
        {
            gone[i] = true;
            gone[j] = true;
            any = true;
        }
    }
    if !any {
        return None;
    }
    let product = |ar: &mut ExprArena, power: i8| {
        let mut acc: Option<ExprId> = None;
        for (&(f, p), &g) in fs.iter().zip(&gone) {
            if g || p != power {
                continue;
            }
            acc = Some(match acc {
                None => f,
                Some(a) => ar.binary(BinOp::Mul, a, f),
            });
        }
        acc
    };
    let numerator = product(ar, 1).unwrap_or_else(|| ar.num(1.0));
    let out = match product(ar, -1) {
        Some(d) => ar.binary(BinOp::Div, numerator, d),
        None => numerator,
    };
    Some(if negated {
        ar.unary(UnOp::Neg, out)
    } else {
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::VarId;
    use crate::sym::eval;

    /// The factors of `x` in `(-1/(1/x)) · (1/x) · y / x · x` cancel to `-y`, and the value is
    /// the same.
    #[test]
    fn a_factor_multiplied_and_divided_cancels() {
        let mut ar = ExprArena::default();
        let (x, y) = (ar.var(VarId(0)), ar.var(VarId(1)));
        let (one, minus_one) = (ar.num(1.0), ar.num(-1.0));
        let inv = ar.binary(BinOp::Div, one, x);
        let a = ar.binary(BinOp::Div, minus_one, inv);
        let b = ar.binary(BinOp::Mul, a, inv);
        let c = ar.binary(BinOp::Mul, b, y);
        let d = ar.binary(BinOp::Div, c, x);
        let e = ar.binary(BinOp::Mul, d, x);
        let r = cancel(&mut ar, e);
        let minus_y = ar.binary(BinOp::Mul, minus_one, y);
        assert_eq!(r, minus_y, "{:?}", ar.get(r));
        let env = |v: VarId| if v.0 == 0 { 3.0 } else { 5.0 };
        assert_eq!(eval(&ar, r, &env), eval(&ar, e, &env));
    }

    /// `(e - 1) + 1` is `e`; a product with nothing to cancel keeps its node.
    #[test]
    fn a_term_subtracted_and_added_cancels() {
        let mut ar = ExprArena::default();
        let (x, y) = (ar.var(VarId(0)), ar.var(VarId(1)));
        let one = ar.num(1.0);
        let s = ar.binary(BinOp::Sub, x, one);
        let a = ar.binary(BinOp::Add, s, one);
        assert_eq!(cancel(&mut ar, a), x);
        let p = ar.binary(BinOp::Mul, x, y);
        let q = ar.binary(BinOp::Div, p, one);
        assert_eq!(cancel(&mut ar, q), q);
    }
}
