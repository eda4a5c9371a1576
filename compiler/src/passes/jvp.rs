//! Forward-mode differentiation of statements: the engine under the `conductance` and tangent
//! passes.
//!
//! For every assignment `x = e`, the directional derivative `ẋ = Σ ∂e/∂y · ẏ` is assigned to a
//! new LOCAL just before it, so the tangent reads the values the primal statement reads. Across
//! if/else the tangents of both branches meet in one LOCAL assigned at the end of each branch.
//! This is the derivative of what the statements compute, including the values of the branches
//! a condition selects; conditions themselves are not differentiated.

use std::collections::{BTreeSet, HashMap};

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{ExprId, Module, Scope, Stmt, StmtKind, VarId, VarKind, Variable};
use crate::sym::tangent;

/// The tangent of each variable that has one, as an expression (absent means zero).
pub type Tangents = HashMap<VarId, ExprId>;

/// Differentiates `stmts` forward, given the tangents of their inputs in `t`; returns the
/// statements with their tangents interleaved (in new LOCALs named `<prefix><variable>`), and leaves in `t` the tangents at the end.
/// SOLVE statements are kept and not differentiated (they belong to another map).
pub fn jvp(
    m: &mut Module,
    stmts: Vec<Stmt>,
    t: &mut Tangents,
    prefix: &str,
) -> Result<Vec<Stmt>, Diagnostics> {
    let mut out = Vec::with_capacity(stmts.len() * 2);
    for s in stmts {
        let span = s.span;
        match s.kind {
            StmtKind::Assign { var, value } => {
                let d = tangent(&mut m.exprs, &[value], &|v| t.get(&v).copied())[0];
                if m.exprs.as_num(d) == Some(0.0) {
                    t.remove(&var);
                } else {
                    let dvar = tangent_local(m, var, prefix);
                    out.push(Stmt {
                        kind: StmtKind::Assign {
                            var: dvar,
                            value: d,
                        },
                        span,
                    });
                    t.insert(var, m.exprs.var(dvar));
                }
                out.push(Stmt {
                    kind: StmtKind::Assign { var, value },
                    span,
                });
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let mut tt = t.clone();
                let mut then = jvp(m, then, &mut tt, prefix)?;
                let mut to = t.clone();
                let mut otherwise = jvp(m, otherwise, &mut to, prefix)?;
                // A tangent the if/else leaves zero in both branches (a variable assigned a
                // constant in each) is absent from both, and must be removed from `t` too: the
                // keys are those of the tangents before the statement as well.
                let keys: BTreeSet<VarId> = t
                    .keys()
                    .chain(tt.keys())
                    .chain(to.keys())
                    .copied()
                    .collect();
                for k in keys {
                    let (a, b) = (tt.get(&k).copied(), to.get(&k).copied());
                    if a == b {
                        match a {
                            Some(e) => t.insert(k, e),
                            None => t.remove(&k),
                        };
                        continue;
                    }
                    let merged = tangent_local(m, k, prefix);
                    let zero = m.exprs.num(0.0);
                    then.push(Stmt {
                        kind: StmtKind::Assign {
                            var: merged,
                            value: a.unwrap_or(zero),
                        },
                        span,
                    });
                    otherwise.push(Stmt {
                        kind: StmtKind::Assign {
                            var: merged,
                            value: b.unwrap_or(zero),
                        },
                        span,
                    });
                    t.insert(k, m.exprs.var(merged));
                }
                out.push(Stmt {
                    kind: StmtKind::If {
                        cond,
                        then,
                        otherwise,
                    },
                    span,
                });
            }
            StmtKind::While { .. } => {
                return Err(Diagnostic::error(span, "a while loop cannot be differentiated yet")
                    .with_note("gradmod differentiates straight-line code and if/else; unroll the loop with FROM")
                    .into());
            }
            StmtKind::Solve { .. }
            | StmtKind::NetSend { .. }
            | StmtKind::NetEvent { .. }
            | StmtKind::Watch { .. } => out.push(Stmt { kind: s.kind, span }),
            StmtKind::Ode { .. }
            | StmtKind::Reaction { .. }
            | StmtKind::Flux { .. }
            | StmtKind::Conserve { .. }
            | StmtKind::Compartment { .. }
            | StmtKind::Equation { .. } => {
                return Err(Diagnostic::error(
                    span,
                    "internal: an equation reached differentiation before its solver pass",
                )
                .into());
            }
        }
    }
    Ok(out)
}

/// A new LOCAL to hold a tangent of `of`, named `<prefix><name>` (made unique).
fn tangent_local(m: &mut Module, of: VarId, prefix: &str) -> VarId {
    let base = format!("{prefix}{}", m.var(of).name.replace(['[', ']'], "_"));
    let name = m.fresh_var_name(&base);
    let span = m.var(of).span;
    m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span))
}
