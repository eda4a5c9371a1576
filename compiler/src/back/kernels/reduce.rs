//! Strength reduction of a kernel body's divisions, and the values the same for every instance.
//!
//! A division costs several times a product and has one unit per core, so the per-instance code
//! of rate functions (`(v + 40)/10`, `minf = alpha/sum`, `mtau = 1/(q10·sum)`, the `-1/mtau` of a
//! cnexp update) is bounded by its divisions. Before a body's shared subexpressions are named, its
//! outputs are rewritten by these rules, which apply to expressions that depend on the instance:
//!
//! 1. `a / c` with `c` a constant whose reciprocal `r = 1/c` is a normal number becomes `r · a`
//!    (exact when `c` is a power of two);
//! 2. `a / (1/y)` becomes `a · y` (`-y` for `a = -1`, `y` for `a = 1`);
//! 3. `1 / (u · x)` and `1 / (x · u)`, with `u` the same for every instance (it reads only t, dt,
//!    celsius and constants), become `(1/u) · (1/x)`;
//! 4. `a / u` with `u` the same for every instance becomes `a · (1/u)`;
//! 5. then, in a second pass, `a / x` becomes `a · (1/x)` where the body's primal outputs (its
//!    stores that are not per tangent direction) compute `1/x` anyway: `alpha/sum` beside
//!    `1/sum`, one division for the two.
//!
//! The first four rules are functions of the node alone; the fifth depends on the primal outputs,
//! which a state kernel and the fused tangent kernel that also advances the states share. So
//! an expression of both is rewritten the same in both, and the states advance by the same bits
//! with tangents as without; every back end reads the rewritten plan. Values change by rounding
//! only (an ulp or two, well within what the NEURON comparisons allow), except where a
//! reciprocal overflows or vanishes, which no normal number's does; the tangent kernels are
//! rewritten by the same rules, so they stay the derivative of what the forward kernels compute,
//! up to rounding. The reciprocals of uniform values are computed once per call.
//!
//! The pass also returns the largest subexpressions that are the same for every instance (no
//! constant, no variable alone), so that the body names them once per call, in its part before
//! the loop over instances, even when they are used once (the q10 factor of a rate, the
//! reciprocals above).

use std::collections::{HashMap, HashSet};

use crate::ir::{BinOp, Expr, ExprArena, ExprId, UnOp, VarId};

/// The roots rewritten, and the maximal nontrivial subexpressions of the rewritten roots that are
/// uniform over the instances (`uniform` tells which variables are). `primal[i]` tells whether
/// root i is a primal output (rule 5 shares the reciprocals these compute).
pub(super) fn reduce(
    ar: &mut ExprArena,
    roots: &[ExprId],
    primal: &[bool],
    uniform: &dyn Fn(VarId) -> bool,
) -> (Vec<ExprId>, HashSet<ExprId>) {
    let mut same: HashMap<ExprId, bool> = HashMap::new();
    let mut map: HashMap<ExprId, ExprId> = HashMap::new();
    for id in ar.reachable(roots) {
        let node = ar.get(id);
        let rebuilt = match node {
            Expr::Binary(BinOp::Div, a, b) => {
                let (ma, mb) = (map[&a], map[&b]);
                if same[&ma] && same[&mb] {
                    ar.binary(BinOp::Div, ma, mb)
                } else {
                    divide(ar, a, b, &map, &mut same, uniform)
                }
            }
            _ => rebuild(ar, node, &map),
        };
        map.insert(id, rebuilt);
        mark(ar, rebuilt, &mut same, uniform);
    }
    let first: Vec<ExprId> = roots.iter().map(|r| map[r]).collect();

    // Rule 5: the reciprocals the primal outputs compute.
    let primal_roots: Vec<ExprId> = first
        .iter()
        .zip(primal)
        .filter_map(|(&r, &p)| p.then_some(r))
        .collect();
    let inverted: HashSet<ExprId> = ar
        .reachable(&primal_roots)
        .into_iter()
        .filter_map(|id| match ar.get(id) {
            Expr::Binary(BinOp::Div, one, x) if ar.as_num(one) == Some(1.0) && !same[&x] => Some(x),
            _ => None,
        })
        .collect();
    let mut map: HashMap<ExprId, ExprId> = HashMap::new();
    for id in ar.reachable(&first) {
        let node = ar.get(id);
        let rebuilt = match node {
            Expr::Binary(BinOp::Div, a, x)
                if inverted.contains(&x) && ar.as_num(a) != Some(1.0) =>
            {
                let one = ar.num(1.0);
                let r = ar.binary(BinOp::Div, one, map[&x]);
                ar.binary(BinOp::Mul, map[&a], r)
            }
            _ => rebuild(ar, node, &map),
        };
        map.insert(id, rebuilt);
        mark(ar, rebuilt, &mut same, uniform);
    }
    let roots: Vec<ExprId> = first.iter().map(|r| map[r]).collect();

    // A uniform node is hoisted where something that depends on the instance uses it (or it is
    // a root); a uniform node under another uniform node goes with its user.
    let order = ar.reachable(&roots);
    let trivial = |ar: &ExprArena, id: ExprId| {
        matches!(ar.get(id), Expr::Num(_) | Expr::Var(_) | Expr::Temp(_))
    };
    let mut hoist: HashSet<ExprId> = HashSet::new();
    for &id in &order {
        if same[&id] {
            continue;
        }
        for c in ar.get(id).children() {
            if same[&c] && !trivial(ar, c) {
                hoist.insert(c);
            }
        }
    }
    for &r in &roots {
        if same[&r] && !trivial(ar, r) {
            hoist.insert(r);
        }
    }
    (roots, hoist)
}

/// `node` with its operands replaced by their images under `map`, without simplification.
pub(super) fn rebuild(ar: &mut ExprArena, node: Expr, map: &HashMap<ExprId, ExprId>) -> ExprId {
    match node {
        Expr::Num(_) | Expr::Var(_) | Expr::Temp(_) => ar.intern(node),
        Expr::Unary(op, a) => ar.unary(op, map[&a]),
        Expr::Binary(op, a, b) => ar.binary(op, map[&a], map[&b]),
        Expr::Call(f, a) => ar.call(f, map[&a]),
        Expr::Select {
            cond,
            then,
            otherwise,
        } => ar.select(map[&cond], map[&then], map[&otherwise]),
    }
}

/// The reciprocal of `x` (already rewritten): a constant where `x` is one with a normal
/// reciprocal, else `1/x`.
fn reciprocal(ar: &mut ExprArena, x: ExprId) -> ExprId {
    if let Some(c) = ar.as_num(x)
        && (1.0 / c).is_normal()
    {
        return ar.num(1.0 / c);
    }
    let one = ar.num(1.0);
    ar.binary(BinOp::Div, one, x)
}

/// `a / b` (the original operands; `map` gives their rewritten forms) by rules 1 to 4 of the
/// module documentation.
fn divide(
    ar: &mut ExprArena,
    a: ExprId,
    b: ExprId,
    map: &HashMap<ExprId, ExprId>,
    same: &mut HashMap<ExprId, bool>,
    uniform: &dyn Fn(VarId) -> bool,
) -> ExprId {
    let (ma, mb) = (map[&a], map[&b]);
    let one_over = ar.as_num(a) == Some(1.0);
    // Rule 1.
    if let Some(c) = ar.as_num(b) {
        if (1.0 / c).is_normal() {
            let r = ar.num(1.0 / c);
            return ar.binary(BinOp::Mul, r, ma);
        }
        return ar.binary(BinOp::Div, ma, mb);
    }
    match ar.get(b) {
        // Rule 2.
        Expr::Binary(BinOp::Div, one, y) if ar.as_num(one) == Some(1.0) => {
            let y = map[&y];
            return match ar.as_num(ma) {
                Some(1.0) => y,
                Some(-1.0) => ar.unary(UnOp::Neg, y),
                _ => ar.binary(BinOp::Mul, ma, y),
            };
        }
        // Rule 3.
        Expr::Binary(BinOp::Mul, p, q) if one_over => {
            let (p, q) = (map[&p], map[&q]);
            mark(ar, p, same, uniform);
            mark(ar, q, same, uniform);
            let (u, x) = match (same[&p], same[&q]) {
                (true, false) => (Some(p), q),
                (false, true) => (Some(q), p),
                _ => (None, p),
            };
            if let Some(u) = u {
                let (ru, rx) = (reciprocal(ar, u), reciprocal(ar, x));
                mark(ar, ru, same, uniform);
                return ar.binary(BinOp::Mul, ru, rx);
            }
        }
        _ => {}
    }
    // Rule 4.
    if same[&mb] && !one_over {
        let r = reciprocal(ar, mb);
        mark(ar, r, same, uniform);
        return ar.binary(BinOp::Mul, ma, r);
    }
    ar.binary(BinOp::Div, ma, mb)
}

/// Records whether `id` is the same for every instance, from its operands.
fn mark(
    ar: &ExprArena,
    id: ExprId,
    same: &mut HashMap<ExprId, bool>,
    uniform: &dyn Fn(VarId) -> bool,
) {
    if same.contains_key(&id) {
        return;
    }
    // Operands first, with a stack rather than recursion, stopping at the nodes already known.
    let mut stack = vec![id];
    while let Some(&n) = stack.last() {
        let node = ar.get(n);
        let pending: Vec<ExprId> = node.children().filter(|c| !same.contains_key(c)).collect();
        if !pending.is_empty() {
            stack.extend(pending);
            continue;
        }
        stack.pop();
        let value = match node {
            Expr::Num(_) => true,
            Expr::Var(v) => uniform(v),
            // A temporary (a coefficient of the tangent inputs) is taken to depend on the
            // instance.
            Expr::Temp(_) => false,
            _ => node.children().all(|c| same[&c]),
        };
        same.insert(n, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Func;

    /// `v` (instance-dependent) is variable 0, `celsius` (uniform) variable 1.
    fn uniform(v: VarId) -> bool {
        v.0 == 1
    }

    #[test]
    fn divisions_become_products_and_reciprocals_are_shared() {
        let mut ar = ExprArena::new();
        let (v, celsius) = (ar.var(VarId(0)), ar.var(VarId(1)));
        let one = ar.num(1.0);
        // alpha = exp(v/10), sum = alpha + v, q10 = celsius^2.
        let ten = ar.num(10.0);
        let scaled = ar.binary(BinOp::Div, v, ten);
        let alpha = ar.call(Func::Exp, scaled);
        let sum = ar.binary(BinOp::Add, alpha, v);
        let two = ar.num(2.0);
        let q10 = ar.binary(BinOp::Pow, celsius, two);
        // minf = alpha/sum, mtau = 1/(q10·sum), rate = -1/mtau, per = v/celsius.
        let minf = ar.binary(BinOp::Div, alpha, sum);
        let prod = ar.binary(BinOp::Mul, q10, sum);
        let mtau = ar.binary(BinOp::Div, one, prod);
        let minus = ar.num(-1.0);
        let rate = ar.binary(BinOp::Div, minus, mtau);
        let per = ar.binary(BinOp::Div, v, celsius);
        let roots = [minf, mtau, rate, per];
        let (out, hoist) = reduce(&mut ar, &roots, &[true; 4], &uniform);

        // v/10 became 0.1·v; -1/(1/(q10·sum)) became -(q10·sum).
        let tenth = ar.num(0.1);
        let scaled2 = ar.binary(BinOp::Mul, tenth, v);
        let alpha2 = ar.call(Func::Exp, scaled2);
        let sum2 = ar.binary(BinOp::Add, alpha2, v);
        let inv_sum = ar.binary(BinOp::Div, one, sum2);
        let inv_q10 = ar.binary(BinOp::Div, one, q10);
        assert_eq!(out[0], ar.binary(BinOp::Mul, alpha2, inv_sum));
        assert_eq!(out[1], ar.binary(BinOp::Mul, inv_q10, inv_sum));
        let prod2 = ar.binary(BinOp::Mul, q10, sum2);
        assert_eq!(out[2], ar.unary(UnOp::Neg, prod2));
        let inv_celsius = ar.binary(BinOp::Div, one, celsius);
        assert_eq!(out[3], ar.binary(BinOp::Mul, v, inv_celsius));
        // The reciprocals of uniform values are computed once per call, q10 with them.
        assert!(hoist.contains(&inv_q10) && hoist.contains(&inv_celsius));
        assert!(hoist.contains(&q10));
        // The values agree with the divisions to rounding.
        let at = |ar: &ExprArena, e: ExprId| {
            crate::sym::eval(ar, e, &|var| if var.0 == 0 { -30.0 } else { 6.3 })
        };
        for (&before, &after) in roots.iter().zip(&out) {
            let (b, a) = (at(&ar, before), at(&ar, after));
            assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs(), "{b} vs {a}");
        }
    }

    #[test]
    fn a_reciprocal_only_tangent_outputs_compute_is_not_shared() {
        let mut ar = ExprArena::new();
        let v = ar.var(VarId(0));
        let one = ar.num(1.0);
        let x = ar.binary(BinOp::Add, v, one);
        let q = ar.binary(BinOp::Div, v, x);
        let r = ar.binary(BinOp::Div, one, x);
        // Only the second output (not primal) computes 1/x: v/x stays a division.
        let (out, _) = reduce(&mut ar, &[q, r], &[true, false], &uniform);
        assert_eq!(out, vec![q, r]);
    }
}
