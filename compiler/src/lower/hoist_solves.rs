//! A SOLVE of BREAKPOINT inside an `if` or a `while` runs every step whatever the condition:
//! NEURON's nocmodl moves every SOLVE of BREAKPOINT into `nrn_state` and leaves the condition
//! around nothing (docs/DESIGN.md, "SOLVE inside if"). Lowering does the same to the IR: such a
//! SOLVE moves out, in order, to the start of BREAKPOINT, where the passes and the kernel plans
//! take a SOLVE, with a warning at its place.

use super::Lowerer;
use crate::diag::Diagnostic;
use crate::ir::{BlockId, Stmt, StmtKind};

impl Lowerer<'_> {
    /// Moves the SOLVEs nested in BREAKPOINT's `if`s and `while`s to its start.
    pub(super) fn hoist_solves(&mut self, bp: BlockId) {
        let body = std::mem::take(&mut self.m.blocks[bp.index()].body);
        let mut hoisted = Vec::new();
        let rest: Vec<Stmt> = body
            .into_iter()
            .map(|s| match s.kind {
                StmtKind::Solve { .. } => s,
                _ => strip(s, &mut hoisted),
            })
            .collect();
        for s in &hoisted {
            self.diags.push(
                Diagnostic::warning(
                    s.span,
                    "a SOLVE of BREAKPOINT inside if or while runs every step whatever the \
                     condition, as in NEURON",
                )
                .with_note(
                    "NEURON's nocmodl moves the SOLVE into nrn_state and leaves the condition \
                     around nothing; gradmod does the same",
                ),
            );
        }
        hoisted.extend(rest);
        self.m.blocks[bp.index()].body = hoisted;
    }
}

/// `s` without the SOLVEs nested in it, which go to `out` in order.
fn strip(mut s: Stmt, out: &mut Vec<Stmt>) -> Stmt {
    let take = |stmts: Vec<Stmt>, out: &mut Vec<Stmt>| -> Vec<Stmt> {
        let mut kept = Vec::with_capacity(stmts.len());
        for t in stmts {
            if let StmtKind::Solve { .. } = t.kind {
                out.push(t);
            } else {
                kept.push(strip(t, out));
            }
        }
        kept
    };
    s.kind = match s.kind {
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            let then = take(then, out);
            let otherwise = take(otherwise, out);
            StmtKind::If {
                cond,
                then,
                otherwise,
            }
        }
        StmtKind::While { cond, body } => StmtKind::While {
            cond,
            body: take(body, out),
        },
        other => other,
    };
    s
}
