//! `deselect`: rewrites expressions that choose between values (the `select` nodes that
//! differentiation of min, max, exprelr and if/else produces) into if/else statements, so that
//! the module prints as plain NMODL. It is not part of the default pipeline: the Rust back end
//! emits selects directly; the NMODL outputs (`gradmod audit`, `--emit-mod`) run it.

use crate::diag::Diagnostics;
use crate::ir::{Expr, ExprId, Module, Scope, Stmt, StmtKind, VarKind, Variable};
use crate::sym::build::rebuild_node;

/// Runs the rewrite on every block.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    for b in 0..m.blocks.len() {
        let body = std::mem::take(&mut m.blocks[b].body);
        m.blocks[b].body = stmts(m, body);
    }
    Ok(())
}

fn stmts(m: &mut Module, body: Vec<Stmt>) -> Vec<Stmt> {
    let mut out = Vec::with_capacity(body.len());
    for s in body {
        let span = s.span;
        let kind = match s.kind {
            StmtKind::Assign { var, value } => {
                let value = hoist(m, value, span, &mut out);
                StmtKind::Assign { var, value }
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let cond = hoist(m, cond, span, &mut out);
                StmtKind::If {
                    cond,
                    then: stmts(m, then),
                    otherwise: stmts(m, otherwise),
                }
            }
            other => other,
        };
        out.push(Stmt { kind, span });
    }
    out
}

/// Replaces every select of `e`, innermost first, by a LOCAL assigned in an if/else before it.
fn hoist(m: &mut Module, e: ExprId, span: crate::diag::Span, out: &mut Vec<Stmt>) -> ExprId {
    let order = m.exprs.reachable(&[e]);
    if !order
        .iter()
        .any(|&id| matches!(m.exprs.get(id), Expr::Select { .. }))
    {
        return e;
    }
    let mut map = std::collections::HashMap::new();
    for id in order {
        let node = m.exprs.get(id);
        let new = match node {
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                let (c, a, b) = (map[&cond], map[&then], map[&otherwise]);
                let name = m.fresh_var_name("sel");
                let v = m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span));
                let assign = |value| {
                    vec![Stmt {
                        kind: StmtKind::Assign { var: v, value },
                        span,
                    }]
                };
                out.push(Stmt {
                    kind: StmtKind::If {
                        cond: c,
                        then: assign(a),
                        otherwise: assign(b),
                    },
                    span,
                });
                m.exprs.var(v)
            }
            _ => rebuild_node(&mut m.exprs, node, |c| map[&c]),
        };
        map.insert(id, new);
    }
    map[&e]
}
