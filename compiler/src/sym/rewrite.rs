//! Whole-expression rewrites and queries: simplification, substitution, free variables.
//!
//! Every traversal here is iterative (in increasing id order, which is topological), so no input,
//! however deep, can overflow the stack.

use std::collections::{BTreeSet, HashMap};

use crate::ir::expr::{BinOp, Expr, ExprArena, ExprId, VarId};
use crate::sym::build::rebuild_node;

/// Rebuilds every node reachable from `roots` bottom-up through the smart constructors, replacing
/// each variable `v` by `leaf(arena, v)` (or keeping it when `leaf` gives `None`). When `all` is
/// false, a node whose operands did not change keeps its id; when true, every node is rebuilt,
/// which simplifies expressions built without the smart constructors. When `drop_vanished` is
/// true, a quotient whose numerator the rebuilding turned into the constant `0` becomes `0`.
fn rebuild(
    ar: &mut ExprArena,
    roots: &[ExprId],
    all: bool,
    drop_vanished: bool,
    leaf: &mut dyn FnMut(&mut ExprArena, VarId) -> Option<ExprId>,
) -> Vec<ExprId> {
    let order = ar.reachable(roots);
    let mut map: HashMap<ExprId, ExprId> = HashMap::with_capacity(order.len());
    for id in order {
        let node = ar.get(id);
        let new = match node {
            Expr::Var(v) => leaf(ar, v).unwrap_or(id),
            _ if !all && node.children().all(|c| map[&c] == c) => id,
            Expr::Binary(BinOp::Div, p, _)
                if drop_vanished && map[&p] != p && ar.as_num(map[&p]) == Some(0.0) =>
            {
                ar.num(0.0)
            }
            _ => rebuild_node(ar, node, |c| map[&c]),
        };
        map.insert(id, new);
    }
    roots.iter().map(|r| map[r]).collect()
}

/// `e` rebuilt through the smart constructors of [`crate::sym::build`]: constants folded and
/// identities applied everywhere, bottom-up. Idempotent.
pub fn simplify(ar: &mut ExprArena, e: ExprId) -> ExprId {
    rebuild(ar, &[e], true, false, &mut |_, _| None)[0]
}

/// Like [`simplify`], for several roots at once.
pub fn simplify_many(ar: &mut ExprArena, roots: &[ExprId]) -> Vec<ExprId> {
    rebuild(ar, roots, true, false, &mut |_, _| None)
}

/// `e` with every variable in `map` replaced by its image, simplifying only the nodes that change.
pub fn substitute(ar: &mut ExprArena, e: ExprId, map: &HashMap<VarId, ExprId>) -> ExprId {
    substitute_many(ar, &[e], map)[0]
}

/// Like [`substitute`], for several roots at once (shared nodes are rewritten once).
pub fn substitute_many(
    ar: &mut ExprArena,
    roots: &[ExprId],
    map: &HashMap<VarId, ExprId>,
) -> Vec<ExprId> {
    rebuild(ar, roots, false, false, &mut |_, v| map.get(&v).copied())
}

/// Like [`substitute`], for a tangent expression `e` (one the derivative rules built, linear in
/// the tangent variables) and a `map` that gives tangent variables constant values: a quotient
/// whose numerator the substitution makes zero becomes zero, instead of the `0/x` that
/// [`substitute`] keeps. Such a numerator is a derivative the substitution made structurally
/// absent, and the derivative rules only divide derivatives by expressions of the primal values,
/// so the quotient is zero wherever the expression differentiated is defined (the assumption
/// behind the builder's `x·0 → 0`). Not for user expressions, where `0/x` must be kept.
pub fn substitute_tangent(ar: &mut ExprArena, e: ExprId, map: &HashMap<VarId, ExprId>) -> ExprId {
    rebuild(ar, &[e], false, true, &mut |_, v| map.get(&v).copied())[0]
}

/// The variables `e` reads, in increasing order.
pub fn free_vars(ar: &ExprArena, e: ExprId) -> Vec<VarId> {
    let set: BTreeSet<VarId> = ar
        .reachable(&[e])
        .into_iter()
        .filter_map(|id| match ar.get(id) {
            Expr::Var(v) => Some(v),
            _ => None,
        })
        .collect();
    set.into_iter().collect()
}

/// Whether `e` reads `var` anywhere (select conditions included).
pub fn depends_on(ar: &ExprArena, e: ExprId, var: VarId) -> bool {
    let target = Expr::Var(var);
    ar.reachable(&[e])
        .into_iter()
        .any(|id| ar.get(id) == target)
}

/// `roots` with every variable in `zeros` replaced by the constant 0, and the zeros carried
/// through only by rules that are exact for finite operands, every other node rebuilt as it is
/// (without the smart constructors): `x·0 → 0`, `0/x → 0`, `x + 0 → x`, `x − 0 → x`,
/// `0 − x → −x`, `−0 → 0`, `c ? 0 : 0 → 0` and a select on the constant 0 to its other branch.
///
/// This is how a tangent kernel is specialised for the directions whose input tangents in
/// `zeros` (the parameter seeds) vanish: the result computes, for finite values of the other
/// operands, what the original computes with those inputs 0, to the bit except for the sign of
/// a zero (`x·0` is `-0` for negative `x`, and `-0 + 0` is `+0`). Where an operand the rules
/// drop is infinite or NaN, the original gives NaN and the result does not: as for the
/// builder's `x·0 → 0`, a tangent term that is structurally absent is zero wherever the
/// expression differentiated is defined. `0/x` is dropped on the same ground: the derivative
/// rules divide tangents only by primal values.
pub fn substitute_zeros(
    ar: &mut ExprArena,
    roots: &[ExprId],
    zeros: &std::collections::HashSet<VarId>,
) -> Vec<ExprId> {
    use crate::ir::expr::UnOp;
    let zero = ar.num(0.0);
    let order = ar.reachable(roots);
    let mut map: HashMap<ExprId, ExprId> = HashMap::with_capacity(order.len());
    for id in order {
        let node = ar.get(id);
        let is_zero = |e: ExprId| e == zero;
        let new = match node {
            Expr::Var(v) if zeros.contains(&v) => zero,
            Expr::Num(_) | Expr::Var(_) | Expr::Temp(_) => id,
            _ if node.children().all(|c| map[&c] == c) => id,
            Expr::Binary(op, a, b) => {
                let (a, b) = (map[&a], map[&b]);
                match op {
                    BinOp::Mul if is_zero(a) || is_zero(b) => zero,
                    BinOp::Div if is_zero(a) => zero,
                    BinOp::Add if is_zero(a) => b,
                    BinOp::Add | BinOp::Sub if is_zero(b) => a,
                    BinOp::Sub if is_zero(a) => ar.unary(UnOp::Neg, b),
                    _ => ar.binary(op, a, b),
                }
            }
            Expr::Unary(UnOp::Neg, a) if is_zero(map[&a]) => zero,
            Expr::Unary(op, a) => ar.unary(op, map[&a]),
            Expr::Call(f, a) => ar.call(f, map[&a]),
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                let (c, t, o) = (map[&cond], map[&then], map[&otherwise]);
                if is_zero(c) {
                    o
                } else if is_zero(t) && is_zero(o) {
                    zero
                } else {
                    ar.select(c, t, o)
                }
            }
        };
        map.insert(id, new);
    }
    roots.iter().map(|r| map[r]).collect()
}
