//! `FUNCTION_TABLE f(x (unit)) (unit)`: a function whose values the model supplies.
//!
//! NEURON fills such a function from hoc (`table_f(...)`) and interpolates it linearly at each
//! call; gradmod takes the values from the model description (`[[function_table]]`) and the
//! runtime interpolates them as NEURON does (docs/DESIGN.md, "FUNCTION_TABLE"). Lowering records
//! the declaration ([`ir::FunctionTable`]) and makes each call `f(x)` a [`StmtKind::TableRead`]
//! into a new LOCAL, whose tangent the tangent passes write from the interpolation's slope.
//! Tables of two or more arguments (NEURON's bilinear case) are rejected by name; a table of
//! none is an error, as in NEURON.

use super::Lowerer;
use crate::ast;
use crate::diag::Span;
use crate::ir::{self, ExprId, Scope, StmtKind, VarKind, Variable};

impl Lowerer<'_> {
    /// Records the declaration `FUNCTION_TABLE name(params) (units)`.
    pub(super) fn function_table(
        &mut self,
        name: &ast::Ident,
        params: &[ast::Param],
        units: Option<&ast::Units>,
    ) {
        if params.is_empty() {
            // As NEURON's translator says.
            self.error(
                name.span,
                format!(
                    "FUNCTION_TABLE `{}` must have one or more arguments",
                    name.name
                ),
            );
            return;
        }
        if params.len() > 1 {
            self.unsupported(
                name.span,
                &format!("FUNCTION_TABLE of {} arguments", params.len()),
                "gradmod interpolates tables of one argument, as NEURON's hoc_func_table does; \
                 NEURON's bilinear tables of two are not supported.",
            );
            return;
        }
        if self.m.function_tables.iter().any(|t| t.name == name.name) {
            self.error(
                name.span,
                format!("FUNCTION_TABLE `{}` is declared twice", name.name),
            );
            return;
        }
        // A LOCAL holding a call's value is named after the table, never as the table.
        self.taken.insert(name.name.clone());
        self.m.function_tables.push(ir::FunctionTable {
            name: name.name.clone(),
            args: params.len(),
            unit: units.map(|u| u.text.clone()),
            arg_unit: params
                .first()
                .and_then(|p| p.units.as_ref().map(|u| u.text.clone())),
            span: name.span,
        });
    }

    /// `var = f(x)` for a LOCAL `var` and a FUNCTION_TABLE `f`, as the NMODL printer writes a
    /// [`StmtKind::TableRead`]: the read goes straight into `var`, so that the printed module
    /// reads back to the same one.
    pub(super) fn table_read_into(
        &mut self,
        var: ir::VarId,
        value: &ast::Expr,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<StmtKind> {
        let ast::ExprKind::Call { func, args } = &value.kind else {
            return None;
        };
        let name = func.name.as_str();
        if self.callables.contains_key(name) || self.m.var(var).kind != VarKind::Local {
            return None;
        }
        let table = self.m.function_tables.iter().position(|t| t.name == name)?;
        if args.len() != self.m.function_tables[table].args {
            return None;
        }
        let arg = match args.first() {
            Some(a) => self.expr(a, out),
            None => self.m.exprs.num(0.0),
        };
        Some(StmtKind::TableRead {
            var,
            table,
            arg,
            slope: false,
        })
    }

    /// A call of FUNCTION_TABLE `name`, lowered into `out`; `None` where `name` is not one.
    pub(super) fn table_call(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<ExprId> {
        let table = self.m.function_tables.iter().position(|t| t.name == name)?;
        let want = self.m.function_tables[table].args;
        if args.len() != want {
            self.error(
                span,
                format!(
                    "the FUNCTION_TABLE `{name}` takes {want} argument{}, not {}",
                    if want == 1 { "" } else { "s" },
                    args.len()
                ),
            );
            return Some(self.m.exprs.num(0.0));
        }
        let arg = match args.first() {
            Some(a) => self.expr(a, out),
            None => self.m.exprs.num(0.0),
        };
        let var = self.add_var(Variable::new(name, VarKind::Local, Scope::Range, span));
        Self::push(
            out,
            StmtKind::TableRead {
                var,
                table,
                arg,
                slope: false,
            },
            span,
        );
        Some(self.m.exprs.var(var))
    }
}
