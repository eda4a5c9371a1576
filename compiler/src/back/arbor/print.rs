//! Printing statements in Arbor's NMODL dialect.
//!
//! Arbor's dialect has no conditional expression, so every `select(c, a, b)` that
//! differentiation made (of `exprelr`, `fabs`, `min`, ...) is hoisted into a LOCAL assigned by an
//! if/else before the statement that reads it.

use std::collections::{BTreeSet, HashMap};

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{
    BinOp, Expr, ExprId, Func, Module, Scope, Stmt, StmtKind, VarId, VarKind, Variable,
};

/// Rewrites `stmts` so that no expression holds a `select`: each one becomes a LOCAL assigned by
/// an if/else just before the statement that reads it.
pub fn hoist_selects(m: &mut Module, stmts: Vec<Stmt>) -> Vec<Stmt> {
    let mut out = Vec::with_capacity(stmts.len());
    for s in stmts {
        let span = s.span;
        let mut memo = HashMap::new();
        let kind = match s.kind {
            StmtKind::Assign { var, value } => {
                let value = hoist(m, value, &mut out, &mut memo, span);
                StmtKind::Assign { var, value }
            }
            StmtKind::Ode { state, rhs } => {
                let rhs = hoist(m, rhs, &mut out, &mut memo, span);
                StmtKind::Ode { state, rhs }
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let cond = hoist(m, cond, &mut out, &mut memo, span);
                StmtKind::If {
                    cond,
                    then: hoist_selects(m, then),
                    otherwise: hoist_selects(m, otherwise),
                }
            }
            other => other,
        };
        out.push(Stmt { kind, span });
    }
    out
}

/// `e` with every select replaced by a LOCAL assigned in statements pushed to `out`.
fn hoist(
    m: &mut Module,
    e: ExprId,
    out: &mut Vec<Stmt>,
    memo: &mut HashMap<ExprId, ExprId>,
    span: crate::diag::Span,
) -> ExprId {
    if let Some(&done) = memo.get(&e) {
        return done;
    }
    let node = m.exprs.get(e);
    let result = match node {
        Expr::Num(_) | Expr::Var(_) | Expr::Temp(_) => e,
        Expr::Unary(op, a) => {
            let a = hoist(m, a, out, memo, span);
            m.exprs.intern(Expr::Unary(op, a))
        }
        Expr::Binary(op, a, b) => {
            let a = hoist(m, a, out, memo, span);
            let b = hoist(m, b, out, memo, span);
            m.exprs.intern(Expr::Binary(op, a, b))
        }
        Expr::Call(f, a) => {
            let a = hoist(m, a, out, memo, span);
            m.exprs.intern(Expr::Call(f, a))
        }
        Expr::Select {
            cond,
            then,
            otherwise,
        } => {
            let cond = hoist(m, cond, out, memo, span);
            // Each branch is computed only where it is taken (a branch may divide by zero
            // where it is not).
            let mut then_stmts = vec![];
            let then = hoist(m, then, &mut then_stmts, &mut HashMap::new(), span);
            let mut other_stmts = vec![];
            let otherwise = hoist(m, otherwise, &mut other_stmts, &mut HashMap::new(), span);
            let name = m.fresh_var_name("sel");
            let local = m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span));
            then_stmts.push(Stmt {
                kind: StmtKind::Assign {
                    var: local,
                    value: then,
                },
                span,
            });
            other_stmts.push(Stmt {
                kind: StmtKind::Assign {
                    var: local,
                    value: otherwise,
                },
                span,
            });
            out.push(Stmt {
                kind: StmtKind::If {
                    cond,
                    then: then_stmts,
                    otherwise: other_stmts,
                },
                span,
            });
            m.exprs.var(local)
        }
    };
    memo.insert(e, result);
    result
}

/// Fails on an operator that Arbor's dialect lacks, located at the statement.
pub fn check_exprs(m: &Module, stmts: &[Stmt]) -> Result<(), Diagnostics> {
    let mut err = None;
    for s in stmts {
        s.for_each_stmt(&mut |s| {
            s.for_each_expr(&mut |e| {
                for id in m.exprs.reachable(&[e]) {
                    let bad = match m.exprs.get(id) {
                        Expr::Binary(BinOp::Atan2, ..) => Some("atan2"),
                        Expr::Binary(BinOp::Fmod, ..) => Some("fmod"),
                        Expr::Call(Func::Erf, _) => Some("erf"),
                        Expr::Call(Func::Erfc, _) => Some("erfc"),
                        _ => None,
                    };
                    if let Some(name) = bad
                        && err.is_none()
                    {
                        err = Some(Diagnostic::error(
                            s.span,
                            format!("`{name}` is not supported by the Arbor back end"),
                        ));
                    }
                }
            })
        });
    }
    match err {
        Some(d) => Err(d.into()),
        None => Ok(()),
    }
}

/// Prints a block `head { first...; LOCAL ...; stmts }` in Arbor's dialect.
pub fn block(m: &Module, head: &str, first: &[String], stmts: &[Stmt]) -> String {
    let mut out = format!("{head} {{\n");
    let mut locals = BTreeSet::new();
    for s in stmts {
        s.for_each_stmt(&mut |s| {
            if let StmtKind::Assign { var, .. } = s.kind
                && m.var(var).kind == VarKind::Local
            {
                locals.insert(var);
            }
        });
        s.for_each_expr(&mut |e| {
            for v in crate::sym::free_vars(&m.exprs, e) {
                if m.var(v).kind == VarKind::Local {
                    locals.insert(v);
                }
            }
        });
    }
    // Arbor wants the SOLVE before anything else in BREAKPOINT, LOCAL declarations included.
    for line in first {
        out.push_str(&format!("    {line}\n"));
    }
    if !locals.is_empty() {
        let names: Vec<&str> = locals.iter().map(|&v| m.var(v).name.as_str()).collect();
        out.push_str(&format!("    LOCAL {}\n", names.join(", ")));
    }
    for s in stmts {
        stmt(m, s, 1, &mut out);
    }
    out.push_str("}\n");
    out
}

fn expr(m: &Module, e: ExprId) -> String {
    crate::sym::to_nmodl(&m.exprs, e, &|v: VarId| m.var(v).name.clone())
}

/// A condition as modcc wants it, a comparison or a logical combination of comparisons: any
/// other value `x` (a number, a flag) is written `x != 0`, which is what NEURON tests.
fn condition(m: &Module, e: ExprId) -> String {
    match m.exprs.get(e) {
        Expr::Binary(BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne, ..) => {
            expr(m, e)
        }
        Expr::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
            let op = if op == BinOp::And { "&&" } else { "||" };
            format!("({}) {op} ({})", condition(m, a), condition(m, b))
        }
        Expr::Unary(crate::ir::expr::UnOp::Not, a) => format!("!({})", condition(m, a)),
        _ => format!("{} != 0", expr(m, e)),
    }
}

fn stmt(m: &Module, s: &Stmt, indent: usize, out: &mut String) {
    let pad = "    ".repeat(indent);
    match &s.kind {
        StmtKind::Assign { var, value } => out.push_str(&format!(
            "{pad}{} = {}\n",
            m.var(*var).name,
            expr(m, *value)
        )),
        StmtKind::Ode { state, rhs } => out.push_str(&format!(
            "{pad}{}' = {}\n",
            m.var(*state).name,
            expr(m, *rhs)
        )),
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            out.push_str(&format!("{pad}if ({}) {{\n", condition(m, *cond)));
            for s in then {
                stmt(m, s, indent + 1, out);
            }
            // Arbor's dialect wants an else on every if that assigns (a LOCAL must be set on
            // every path), so an empty one is written out.
            out.push_str(&format!("{pad}}} else {{\n"));
            for s in otherwise {
                stmt(m, s, indent + 1, out);
            }
            out.push_str(&format!("{pad}}}\n"));
        }
        StmtKind::Solve { block, method } => out.push_str(&format!(
            "{pad}SOLVE {} {}\n",
            m.block(*block).name,
            method.nmodl()
        )),
        // Other statements never reach the printer: the emitter rejects them first.
        _ => {}
    }
}
