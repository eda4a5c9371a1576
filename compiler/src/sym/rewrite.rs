//! Whole-expression rewrites and queries: simplification, substitution, free variables.
//!
//! Every traversal here is iterative (in increasing id order, which is topological), so no input,
//! however deep, can overflow the stack.

use std::collections::{BTreeSet, HashMap};

use crate::ir::expr::{Expr, ExprArena, ExprId, VarId};
use crate::sym::build::rebuild_node;

/// Rebuilds every node reachable from `roots` bottom-up through the smart constructors, replacing
/// each variable `v` by `leaf(arena, v)` (or keeping it when `leaf` gives `None`). When `all` is
/// false, a node whose operands did not change keeps its id; when true, every node is rebuilt,
/// which simplifies expressions built without the smart constructors.
fn rebuild(
    ar: &mut ExprArena,
    roots: &[ExprId],
    all: bool,
    leaf: &mut dyn FnMut(&mut ExprArena, VarId) -> Option<ExprId>,
) -> Vec<ExprId> {
    let order = ar.reachable(roots);
    let mut map: HashMap<ExprId, ExprId> = HashMap::with_capacity(order.len());
    for id in order {
        let node = ar.get(id);
        let new = match node {
            Expr::Var(v) => leaf(ar, v).unwrap_or(id),
            _ if !all && node.children().all(|c| map[&c] == c) => id,
            _ => rebuild_node(ar, node, |c| map[&c]),
        };
        map.insert(id, new);
    }
    roots.iter().map(|r| map[r]).collect()
}

/// `e` rebuilt through the smart constructors of [`crate::sym::build`]: constants folded and
/// identities applied everywhere, bottom-up. Idempotent.
pub fn simplify(ar: &mut ExprArena, e: ExprId) -> ExprId {
    rebuild(ar, &[e], true, &mut |_, _| None)[0]
}

/// Like [`simplify`], for several roots at once.
pub fn simplify_many(ar: &mut ExprArena, roots: &[ExprId]) -> Vec<ExprId> {
    rebuild(ar, roots, true, &mut |_, _| None)
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
    rebuild(ar, roots, false, &mut |_, v| map.get(&v).copied())
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
