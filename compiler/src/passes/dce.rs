//! `dce`: removes assignments to LOCALs whose value is never read, and if/else statements left
//! empty. Used after specialising tangent maps to one parameter, where whole chains of tangents
//! become zero.

use std::collections::HashSet;

use crate::diag::Diagnostics;
use crate::ir::{Module, Stmt, StmtKind, VarId, VarKind};
use crate::sym::free_vars;

/// Runs the cleanup on every block.
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    for b in 0..m.blocks.len() {
        let body = std::mem::take(&mut m.blocks[b].body);
        let mut live = HashSet::new();
        m.blocks[b].body = sweep(m, body, &mut live);
    }
    Ok(())
}

/// Walks backwards, keeping a statement when it has an effect or assigns something read later.
fn sweep(m: &Module, body: Vec<Stmt>, live: &mut HashSet<VarId>) -> Vec<Stmt> {
    let mut kept = Vec::with_capacity(body.len());
    for s in body.into_iter().rev() {
        let keep = match &s.kind {
            StmtKind::Assign { var, .. } => {
                m.var(*var).kind != VarKind::Local || live.contains(var)
            }
            StmtKind::If { .. } => true,
            _ => true,
        };
        if !keep {
            continue;
        }
        let s = match s.kind {
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let mut lt = live.clone();
                let then = sweep(m, then, &mut lt);
                let mut lo = live.clone();
                let otherwise = sweep(m, otherwise, &mut lo);
                live.extend(lt);
                live.extend(lo);
                if then.is_empty() && otherwise.is_empty() {
                    continue;
                }
                Stmt {
                    kind: StmtKind::If {
                        cond,
                        then,
                        otherwise,
                    },
                    span: s.span,
                }
            }
            kind => Stmt { kind, span: s.span },
        };
        if let StmtKind::Assign { var, .. } = &s.kind
            && m.var(*var).kind == VarKind::Local
        {
            live.remove(var);
        }
        s.for_each_expr(&mut |e| live.extend(free_vars(&m.exprs, e)));
        // A read at a run-time index may read any element of its array.
        s.for_each_stmt(&mut |t| {
            if let StmtKind::GetElement { array, .. } = t.kind {
                live.extend(m.array(array).elems.iter().copied());
            }
        });
        kept.push(s);
    }
    kept.reverse();
    kept
}
