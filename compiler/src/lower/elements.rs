//! Lowering of what names an array element or repeats statements: assignment targets, indices
//! (constant or known only at run time), and FROM loops, unrolled where their bounds are
//! constants and kept as run-time loops otherwise.

use std::collections::HashMap;

use super::{Binding, Lowerer};
use crate::ast;
use crate::diag::Span;
use crate::ir::{self, Builtin, StmtKind, VarId, VarKind, Variable};

/// FROM loops are unrolled; more iterations than this are refused.
const MAX_UNROLL: i64 = 10_000;

impl Lowerer<'_> {
    /// The variable an assignment or ODE names (an array element when indexed).
    pub(super) fn target(
        &mut self,
        name: &ast::Ident,
        index: Option<&ast::Expr>,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<VarId> {
        match (self.resolve(&name.name), index) {
            (Some(Binding::Var(v)), None) => Some(v),
            (Some(Binding::Array(vs)), Some(i)) => self.element(&name.name, &vs, i, out),
            (Some(Binding::Array(_)), None) => {
                self.error(
                    name.span,
                    format!("`{}` is an array: give an index", name.name),
                );
                None
            }
            (Some(Binding::Expr(_)), _) => {
                self.error(
                    name.span,
                    format!("`{}` cannot be assigned here", name.name),
                );
                None
            }
            (Some(Binding::Var(_)), Some(_)) => {
                self.error(name.span, format!("`{}` is not an array", name.name));
                None
            }
            (None, _) => {
                if let Some(b) = Builtin::from_name(&name.name) {
                    return Some(self.builtin_var(b, name.span));
                }
                self.error(name.span, format!("`{}` is not declared", name.name));
                None
            }
        }
    }

    /// The element `name[index]` of an array, with a constant index.
    /// The element of array `name` (elements `vs`) that `index` names: `Ok` with the element
    /// for a constant index, `Err(Some(index))` for an index known only at run time, and
    /// `Err(None)` after an error (a constant index outside the array).
    pub(super) fn index(
        &mut self,
        name: &str,
        vs: &[VarId],
        index: &ast::Expr,
        out: &mut Vec<ir::Stmt>,
    ) -> Result<VarId, Option<ir::ExprId>> {
        let i = self.expr(index, out);
        let Some(x) = self.m.exprs.as_num(i) else {
            return Err(Some(i));
        };
        if x < 0.0 || x.fract() != 0.0 || x as usize >= vs.len() {
            self.error(
                index.span,
                format!("the index {x} is outside `{name}[0..{}]`", vs.len()),
            );
            return Err(None);
        }
        Ok(vs[x as usize])
    }

    /// The value of `name[index]`: the element for a constant index, else a LOCAL that a
    /// [`StmtKind::GetElement`] (to `out`) assigns.
    pub(super) fn element_value(
        &mut self,
        name: &ast::Ident,
        vs: &[VarId],
        index: &ast::Expr,
        out: &mut Vec<ir::Stmt>,
    ) -> ir::ExprId {
        match self.index(&name.name, vs, index, out) {
            Ok(v) => self.m.exprs.var(v),
            Err(None) => self.m.exprs.num(0.0),
            Err(Some(idx)) => {
                let array = self.m.array_of(&name.name, vs, name.span);
                let var = self.add_var(Variable::new(
                    format!("{}_elem", name.name),
                    VarKind::Local,
                    ir::Scope::Range,
                    index.span,
                ));
                Self::push(
                    out,
                    StmtKind::GetElement {
                        var,
                        array,
                        index: idx,
                    },
                    index.span,
                );
                self.m.exprs.var(var)
            }
        }
    }

    pub(super) fn element(
        &mut self,
        name: &str,
        vs: &[VarId],
        index: &ast::Expr,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<VarId> {
        let i = self.expr(index, out);
        let Some(x) = self.m.exprs.as_num(i) else {
            self.error(
                index.span,
                format!("the index of `{name}` must be a constant or a FROM loop variable"),
            );
            return None;
        };
        if x < 0.0 || x.fract() != 0.0 || x as usize >= vs.len() {
            self.error(
                index.span,
                format!("the index {x} is outside `{name}[0..{}]`", vs.len()),
            );
            return None;
        }
        Some(vs[x as usize])
    }

    pub(super) fn unroll(
        &mut self,
        var: &ast::Ident,
        from: &ast::Expr,
        to: &ast::Expr,
        by: Option<&ast::Expr>,
        body: &ast::Block,
        out: &mut Vec<ir::Stmt>,
    ) {
        // Bounds are evaluated once, before the loop, as NEURON does.
        let (lo, hi) = (self.expr(from, out), self.expr(to, out));
        let int = |l: &Self, e: ir::ExprId| {
            l.m.exprs
                .as_num(e)
                .filter(|x| x.fract() == 0.0)
                .map(|x| x as i64)
        };
        let step = match by {
            None => Some(1),
            Some(e) => {
                let id = self.expr(e, &mut Vec::new());
                let s = int(self, id);
                if s.is_none() || s == Some(0) {
                    self.error(
                        e.span,
                        "a FROM loop's BY step must be a nonzero integer constant",
                    );
                    return;
                }
                s
            }
        };
        let (Some(a), Some(b), Some(step)) = (int(self, lo), int(self, hi), step) else {
            if step != Some(1) {
                self.error(
                    var.span,
                    "a FROM loop with bounds known only at run time must step by 1",
                );
                return;
            }
            self.run_time_loop(var, lo, hi, body, var.span, out);
            return;
        };
        if step == 1 && b - a > MAX_UNROLL {
            self.run_time_loop(var, lo, hi, body, var.span, out);
            return;
        }
        if (b - a) / step > MAX_UNROLL {
            self.error(
                var.span,
                format!("a FROM loop of more than {MAX_UNROLL} iterations"),
            );
            return;
        }
        let mut i = a;
        while (step > 0 && i <= b) || (step < 0 && i >= b) {
            self.scopes.push(HashMap::new());
            let value = self.m.exprs.num(i as f64);
            self.bind_local(&var.name, Binding::Expr(value));
            self.stmts(&body.stmts, out);
            self.scopes.pop();
            i += step;
        }
    }

    /// A FROM loop kept as a loop ([`StmtKind::Loop`]): its variable is a new LOCAL.
    pub(super) fn run_time_loop(
        &mut self,
        var: &ast::Ident,
        from: ir::ExprId,
        to: ir::ExprId,
        body: &ast::Block,
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) {
        // The loop variable is the LOCAL of that name when there is one, as in NEURON.
        let v = match self.resolve(&var.name) {
            Some(Binding::Var(v)) if self.m.var(v).kind == VarKind::Local => v,
            _ => self.add_var(Variable::new(
                &var.name,
                VarKind::Local,
                ir::Scope::Range,
                var.span,
            )),
        };
        self.scopes.push(HashMap::new());
        self.bind_local(&var.name, Binding::Var(v));
        let mut inner = Vec::new();
        self.stmts(&body.stmts, &mut inner);
        self.scopes.pop();
        Self::push(
            out,
            StmtKind::Loop {
                var: v,
                from,
                to,
                body: inner,
            },
            span,
        );
    }
}
