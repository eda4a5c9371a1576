//! Common-subexpression elimination for emission.
//!
//! Hash-consing already shares equal subexpressions inside the arena; what a back end needs is the
//! list of shared nodes worth naming, in an order where each can be computed from the variables
//! and the names before it. Each node that is not a temporary is used exactly once and so is
//! emitted inline, exactly once, inside its single user: the straight-line code is linear in the
//! size of the DAG.

use std::collections::{HashMap, HashSet};

use crate::ir::expr::{Expr, ExprArena, ExprId, TempId, UnOp};

/// The shared subexpressions to name when emitting a set of roots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsePlan {
    /// The nodes to bind to temporaries, in increasing id order: a topological order, so every
    /// temporary's operands (and the temporaries inside them) come before it.
    pub temps: Vec<ExprId>,
    set: HashSet<ExprId>,
}

/// Straight-line code: `let t = e;` for each binding in order, then the roots, all expressed over
/// the original variables and the temporaries bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetChain {
    /// The bindings in evaluation order; each expression reads only temporaries bound before it
    /// (and the expression's own free variables).
    pub lets: Vec<(TempId, ExprId)>,
    /// The roots, rewritten to read the temporaries.
    pub roots: Vec<ExprId>,
}

/// Whether a node is too cheap to be worth a name: a constant, a variable, a temporary, or the
/// negation of one.
fn trivial(ar: &ExprArena, e: ExprId) -> bool {
    let leaf = |x: Expr| matches!(x, Expr::Num(_) | Expr::Var(_) | Expr::Temp(_));
    match ar.get(e) {
        x if leaf(x) => true,
        Expr::Unary(UnOp::Neg, a) => leaf(ar.get(a)),
        _ => false,
    }
}

/// The plan for `roots`: every nontrivial node used at least twice (counting each operand edge
/// and each root occurrence) becomes a temporary.
pub fn cse(ar: &ExprArena, roots: &[ExprId]) -> CsePlan {
    cse_with(ar, roots, &|_, _| false)
}

/// Like [`cse`], but also binds every nontrivial node for which `force` holds, whatever its use
/// count. The NMODL back end forces selects, which NMODL can only write as `if` statements.
pub fn cse_with(
    ar: &ExprArena,
    roots: &[ExprId],
    force: &dyn Fn(&ExprArena, ExprId) -> bool,
) -> CsePlan {
    let order = ar.reachable(roots);
    let mut uses: HashMap<ExprId, usize> = HashMap::with_capacity(order.len());
    for &r in roots {
        *uses.entry(r).or_default() += 1;
    }
    for &id in &order {
        for c in ar.get(id).children() {
            *uses.entry(c).or_default() += 1;
        }
    }
    let temps: Vec<ExprId> = order
        .into_iter()
        .filter(|&id| !trivial(ar, id) && (uses[&id] >= 2 || force(ar, id)))
        .collect();
    let set = temps.iter().copied().collect();
    CsePlan { temps, set }
}

impl CsePlan {
    /// Whether `e` is bound to a temporary.
    pub fn is_temp(&self, e: ExprId) -> bool {
        self.set.contains(&e)
    }

    /// The plan as straight-line code: each shared node gets a fresh temporary from `fresh`
    /// (called once per node, in order), and every expression is rewritten to read those
    /// temporaries instead of recomputing the shared nodes. Nodes are interned as they are, unsimplified, so
    /// the code computes exactly what the roots compute.
    pub fn to_let_chain(
        &self,
        ar: &mut ExprArena,
        roots: &[ExprId],
        fresh: &mut dyn FnMut() -> TempId,
    ) -> LetChain {
        let order = ar.reachable(roots);
        // `inline[id]`: the node rewritten with its operands replaced by their names if any.
        // `named[id]`: what a user of the node refers to (its temporary, or `inline`).
        let mut named: HashMap<ExprId, ExprId> = HashMap::with_capacity(order.len());
        let mut lets = Vec::with_capacity(self.temps.len());
        for id in order {
            let node = ar.get(id);
            let inline = match node {
                Expr::Num(_) | Expr::Var(_) | Expr::Temp(_) => id,
                Expr::Unary(op, a) => ar.unary(op, named[&a]),
                Expr::Binary(op, a, b) => ar.binary(op, named[&a], named[&b]),
                Expr::Call(f, a) => ar.call(f, named[&a]),
                Expr::Select {
                    cond,
                    then,
                    otherwise,
                } => ar.select(named[&cond], named[&then], named[&otherwise]),
            };
            let name = if self.is_temp(id) {
                let t = fresh();
                lets.push((t, inline));
                ar.temp(t)
            } else {
                inline
            };
            named.insert(id, name);
        }
        let roots = roots.iter().map(|r| named[r]).collect();
        LetChain { lets, roots }
    }
}
