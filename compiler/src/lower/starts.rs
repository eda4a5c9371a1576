//! The starting values of the states, as NEURON sets them before INITIAL runs.
//!
//! nocmodl gives every STATE `x` a starting value `x0` and emits `x = x0` at the top of the
//! generated INITIAL code, before the statements the user wrote. `x0` is the PARAMETER (or
//! ASSIGNED) of that name when the file declares one; otherwise it is a hidden parameter whose
//! value is the state's `START` value, or 0. A state that is an ion concentration (`cai` with
//! `USEION ca ... cai`) gets no such line: it starts from the ion's value. Statements INITIAL
//! writes run afterwards, so an INITIAL that assigns `x` itself has the last word.
//!
//! Lowering makes this explicit: the lowered INITIAL block starts with `x = x0` (or
//! `x = start`) for each state concerned, and a module without INITIAL gets one. The back ends
//! then need no rule of their own, and the tangent of `x` flows from that of `x0`. A state with
//! neither `x0` nor `START` is left to the back end, which starts it at 0 as NEURON does.

use std::collections::HashSet;

use super::{Binding, Lowerer};
use crate::ast::{self, ItemKind};
use crate::diag::Span;
use crate::ir::{Expr, ExprId, Stmt, StmtKind, VarId, VarKind};

impl Lowerer<'_> {
    /// Prepends `x = x0` (or `x = start`) to INITIAL for every state NEURON starts that way.
    pub(super) fn state_starts(&mut self) {
        let mut starts: Vec<(VarId, ExprId, Span)> = Vec::new();
        let file = self.file;
        for item in &file.items {
            let ItemKind::State(decls) = &item.kind else {
                continue;
            };
            for d in decls {
                let Some(value) = self.start_value(d) else {
                    continue;
                };
                let elements = match self.globals.get(&d.name.name) {
                    Some(Binding::Var(v)) => vec![*v],
                    Some(Binding::Array(vs)) => vs.clone(),
                    _ => continue,
                };
                for v in elements {
                    if self.m.var(v).kind == VarKind::State && !self.is_ion_variable(v) {
                        starts.push((v, value, d.span));
                    }
                }
            }
        }
        if starts.is_empty() {
            return;
        }
        let initial = self.initial_block();
        // INITIAL may already start with these assignments (a module printed as NMODL and read
        // again): they are not repeated.
        let leading: HashSet<(VarId, ExprId)> = self.m.blocks[initial.index()]
            .body
            .iter()
            .map_while(|s| match s.kind {
                StmtKind::Assign { var, value }
                    if self.m.var(var).kind == VarKind::State && self.is_start(value) =>
                {
                    Some((var, value))
                }
                _ => None,
            })
            .collect();
        let prologue: Vec<Stmt> = starts
            .into_iter()
            .filter(|&(var, value, _)| !leading.contains(&(var, value)))
            .map(|(var, value, span)| Stmt {
                kind: StmtKind::Assign { var, value },
                span,
            })
            .collect();
        let body = &mut self.m.blocks[initial.index()].body;
        body.splice(0..0, prologue);
    }

    /// What the state declared by `d` starts at, when that is not 0: the variable `x0` declared
    /// as a scalar PARAMETER or ASSIGNED, else the `START` value.
    fn start_value(&mut self, d: &ast::Decl) -> Option<ExprId> {
        let name = format!("{}0", d.name.name);
        if let Some(Binding::Var(v)) = self.globals.get(&name)
            && matches!(self.m.var(*v).kind, VarKind::Parameter | VarKind::Assigned)
        {
            let v = *v;
            return Some(self.m.exprs.var(v));
        }
        let start = d.start.as_ref()?.value;
        Some(self.m.exprs.num(start))
    }

    /// Whether `v` is one of the ion variables a USEION statement names.
    fn is_ion_variable(&self, v: VarId) -> bool {
        self.m
            .ions
            .iter()
            .any(|ion| ion.read.contains(&v) || ion.write.contains(&v))
    }

    /// Whether `e` has the form of a starting value: a number, or a PARAMETER or ASSIGNED.
    fn is_start(&self, e: ExprId) -> bool {
        match self.m.exprs.get(e) {
            Expr::Num(_) => true,
            Expr::Var(v) => matches!(self.m.var(v).kind, VarKind::Parameter | VarKind::Assigned),
            _ => false,
        }
    }
}
