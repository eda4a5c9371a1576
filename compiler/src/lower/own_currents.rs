//! A current the mechanism writes but does not read is the mechanism's own, as in NEURON.
//!
//! nocmodl keeps a written ion current (`ica` under `USEION ca WRITE ica`) in the mechanism's own
//! data: BREAKPOINT assigns it, and it is added into the ion's total afterwards. The other blocks
//! (the SOLVEd ones, INITIAL, NET_RECEIVE) read that own copy, the value the last BREAKPOINT
//! left, not the ion's total, which the currents of every other mechanism writing the ion enter
//! too. NEURON's `capmpr.mod` subtracts its last pump current from `ica` in its KINETIC block:
//! with another calcium current in the same compartment, NEURON's calcium does not see it.
//!
//! Lowering makes the copy explicit where a block other than BREAKPOINT names such a current:
//! an ASSIGNED `<current>_own` that BREAKPOINT sets last (`ica_own = ica`) and that those blocks
//! read and write instead. Being an ASSIGNED set in one step and read in the next, it is a carried
//! value, its tangent carried with it. A module that names the current only in BREAKPOINT is
//! unchanged.

use std::collections::HashMap;

use super::Lowerer;
use crate::diag::Span;
use crate::ir::{BlockKind, ExprId, IonRole, Scope, Stmt, StmtKind, VarId, VarKind, Variable};
use crate::sym::rewrite::substitute;

impl Lowerer<'_> {
    /// Gives every current written and not read that a block other than BREAKPOINT names its
    /// own ASSIGNED copy.
    pub(super) fn own_currents(&mut self) {
        let Some(breakpoint) = self.m.breakpoint else {
            return;
        };
        let currents: Vec<VarId> = self
            .m
            .ions
            .iter()
            .flat_map(|ion| {
                ion.write
                    .iter()
                    .filter(|v| !ion.read.contains(v))
                    .copied()
                    .collect::<Vec<_>>()
            })
            .filter(|&v| {
                matches!(
                    self.m.var(v).kind,
                    VarKind::Ion {
                        role: IonRole::Current,
                        ..
                    }
                )
            })
            .collect();
        for current in currents {
            let named = self
                .m
                .blocks
                .iter()
                .filter(|b| b.kind != BlockKind::Breakpoint)
                .any(|b| names(&self.m.exprs, &b.body, current));
            if !named {
                continue;
            }
            let var = self.m.var(current);
            let mut own = Variable::new(
                format!("{}_own", var.name),
                VarKind::Assigned,
                Scope::Range,
                var.span,
            );
            own.unit = var.unit.clone();
            let span: Span = var.span;
            let own = self.add_var(own);
            let image = self.m.exprs.var(own);
            let map = HashMap::from([(current, image)]);
            for b in 0..self.m.blocks.len() {
                if self.m.blocks[b].kind == BlockKind::Breakpoint {
                    continue;
                }
                let mut body = std::mem::take(&mut self.m.blocks[b].body);
                for s in &mut body {
                    rename(s, current, own, &mut |e| {
                        substitute(&mut self.m.exprs, e, &map)
                    });
                }
                self.m.blocks[b].body = body;
            }
            let value = self.m.exprs.var(current);
            self.m.blocks[breakpoint.index()].body.push(Stmt {
                kind: StmtKind::Assign { var: own, value },
                span,
            });
        }
    }
}

/// Whether `stmts` read or assign `v`.
fn names(ar: &crate::ir::ExprArena, stmts: &[Stmt], v: VarId) -> bool {
    let mut found = false;
    for s in stmts {
        s.for_each_stmt(&mut |t| {
            if let StmtKind::Assign { var, .. } = t.kind {
                found |= var == v;
            }
        });
        s.for_each_expr(&mut |e| found |= crate::sym::free_vars(ar, e).contains(&v));
    }
    found
}

/// `s` reading `own` where it read `from` (through `read`, which substitutes in an expression)
/// and assigning `own` where it assigned `from`.
fn rename(s: &mut Stmt, from: VarId, own: VarId, read: &mut dyn FnMut(ExprId) -> ExprId) {
    s.map_exprs(read);
    retarget(s, from, own);
}

fn retarget(s: &mut Stmt, from: VarId, own: VarId) {
    match &mut s.kind {
        StmtKind::Assign { var, .. } if *var == from => *var = own,
        StmtKind::If {
            then, otherwise, ..
        } => then
            .iter_mut()
            .chain(otherwise)
            .for_each(|t| retarget(t, from, own)),
        StmtKind::While { body, .. } | StmtKind::Loop { body, .. } => {
            body.iter_mut().for_each(|t| retarget(t, from, own))
        }
        _ => {}
    }
}
