//! Lowering of expressions and calls: name resolution, library functions, and the inlining of
//! user FUNCTIONs and PROCEDUREs.

use std::collections::{HashMap, HashSet};

use super::returns::Exit;
use super::{Binding, Lowerer};
use crate::ast::{self, BinaryOp, ExprKind, UnaryOp};
use crate::diag::{Diagnostic, Span};
use crate::ir::{self, BinOp, Builtin, ExprId, Func, Scope, StmtKind, VarKind, Variable};
use crate::sym::build;

/// Library functions of one argument.
fn func1(name: &str) -> Option<Func> {
    Some(match name {
        "exp" => Func::Exp,
        "log" => Func::Log,
        "log10" => Func::Log10,
        "sqrt" => Func::Sqrt,
        "fabs" => Func::Fabs,
        "sin" => Func::Sin,
        "cos" => Func::Cos,
        "tan" => Func::Tan,
        "tanh" => Func::Tanh,
        "sinh" => Func::Sinh,
        "cosh" => Func::Cosh,
        "atan" => Func::Atan,
        "asin" => Func::Asin,
        "acos" => Func::Acos,
        "exprelr" => Func::Exprelr,
        "floor" => Func::Floor,
        "ceil" => Func::Ceil,
        "step_right" => Func::StepRight,
        "step_left" => Func::StepLeft,
        "step" => Func::Step,
        "signum" => Func::Signum,
        "erf" => Func::Erf,
        "erfc" => Func::Erfc,
        _ => return None,
    })
}

/// Library functions of two arguments.
fn func2(name: &str) -> Option<BinOp> {
    Some(match name {
        "pow" => BinOp::Pow,
        "min" => BinOp::Min,
        "max" => BinOp::Max,
        "atan2" => BinOp::Atan2,
        "fmod" => BinOp::Fmod,
        _ => return None,
    })
}

/// Calls with no effect on the simulation (output only); they are dropped.
fn is_output(name: &str) -> bool {
    matches!(name, "printf" | "fprintf" | "print" | "fflush")
}

impl Lowerer<'_> {
    /// Lowers an expression; statements of inlined FUNCTIONs go to `out`, before the statement
    /// that uses the value.
    pub(super) fn expr(&mut self, e: &ast::Expr, out: &mut Vec<ir::Stmt>) -> ExprId {
        match &e.kind {
            ExprKind::Number(n) => build::num(&mut self.m.exprs, n.value),
            ExprKind::Name(id) => self.name(id),
            ExprKind::Index { array, index } => match self.resolve(&array.name) {
                Some(Binding::Array(vs)) => self.element_value(array, &vs, index, out),
                Some(_) => {
                    self.error(array.span, format!("`{}` is not an array", array.name));
                    self.m.exprs.num(0.0)
                }
                None => {
                    self.error(array.span, format!("`{}` is not declared", array.name));
                    self.m.exprs.num(0.0)
                }
            },
            ExprKind::Call { func, args } => match self.call(func, args, e.span, out) {
                Some(x) => x,
                None => {
                    if !self.diags.has_errors() {
                        self.error(e.span, format!("`{}` returns no value", func.name));
                    }
                    self.m.exprs.num(0.0)
                }
            },
            ExprKind::String(_) => {
                self.error(e.span, "a string is only allowed as an argument of printf");
                self.m.exprs.num(0.0)
            }
            ExprKind::Unary { op, operand } => {
                let a = self.expr(operand, out);
                let ar = &mut self.m.exprs;
                match op {
                    UnaryOp::Neg => build::neg(ar, a),
                    UnaryOp::Not => build::not(ar, a),
                    UnaryOp::Plus => a,
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.expr(lhs, out);
                let b = self.expr(rhs, out);
                let op = match op {
                    BinaryOp::Add => BinOp::Add,
                    BinaryOp::Sub => BinOp::Sub,
                    BinaryOp::Mul => BinOp::Mul,
                    BinaryOp::Div => BinOp::Div,
                    BinaryOp::Pow => BinOp::Pow,
                    BinaryOp::Lt => BinOp::Lt,
                    BinaryOp::Le => BinOp::Le,
                    BinaryOp::Gt => BinOp::Gt,
                    BinaryOp::Ge => BinOp::Ge,
                    BinaryOp::Eq => BinOp::Eq,
                    BinaryOp::Ne => BinOp::Ne,
                    BinaryOp::And => BinOp::And,
                    BinaryOp::Or => BinOp::Or,
                };
                build::binary(&mut self.m.exprs, op, a, b)
            }
        }
    }

    fn name(&mut self, id: &ast::Ident) -> ExprId {
        match self.resolve(&id.name) {
            Some(Binding::Var(v)) => self.m.exprs.var(v),
            Some(Binding::Expr(e)) => e,
            Some(Binding::Array(_)) => {
                self.error(id.span, format!("`{}` is an array: give an index", id.name));
                self.m.exprs.num(0.0)
            }
            None if matches!(id.name.as_str(), "f_flux" | "b_flux") && self.fluxes.is_some() => {
                match (self.fluxes, id.name.as_str()) {
                    (Some((f, _)), "f_flux") => f,
                    (Some((_, b)), _) => b,
                    (None, _) => self.m.exprs.num(0.0),
                }
            }
            None => {
                if let Some(&x) = self.defines.get(&id.name) {
                    return self.m.exprs.num(x);
                }
                if let Some(b) = Builtin::from_name(&id.name) {
                    let v = self.builtin_var(b, id.span);
                    return self.m.exprs.var(v);
                }
                let note = match id.name.as_str() {
                    "f_flux" | "b_flux" => Some(
                        "f_flux and b_flux name the fluxes of the previous reaction of a KINETIC block.",
                    ),
                    "FARADAY" | "R" | "PI" => Some(
                        "declare physical constants in the UNITS block, e.g. FARADAY = (faraday) (coulomb).",
                    ),
                    _ => None,
                };
                let mut d = Diagnostic::error(id.span, format!("`{}` is not declared", id.name))
                    .with_label("unknown name");
                if let Some(n) = note {
                    d = d.with_note(n);
                }
                self.diags.push(d);
                self.m.exprs.num(0.0)
            }
        }
    }

    /// Lowers a call in an expression or as a statement. Returns its value, if it has one.
    fn call(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<ExprId> {
        let name = func.name.as_str();
        // A FUNCTION of the file shadows a library function of the same name.
        if let Some(&(c, is_function)) = self.callables.get(name) {
            return self.inline(c, is_function, args, span, out);
        }
        if let Some(x) = self.table_call(name, args, span, out) {
            return Some(x);
        }
        if let Some(x) = self.library_call(name, args, span, out) {
            return Some(x);
        }
        if let Some(f) = func1(name) {
            if args.len() != 1 {
                self.error(
                    span,
                    format!("`{name}` takes 1 argument, not {}", args.len()),
                );
                return Some(self.m.exprs.num(0.0));
            }
            let a = self.expr(&args[0], out);
            return Some(build::call(&mut self.m.exprs, f, a));
        }
        if let Some(op) = func2(name) {
            if args.len() != 2 {
                self.error(
                    span,
                    format!("`{name}` takes 2 arguments, not {}", args.len()),
                );
                return Some(self.m.exprs.num(0.0));
            }
            let a = self.expr(&args[0], out);
            let b = self.expr(&args[1], out);
            return Some(build::binary(&mut self.m.exprs, op, a, b));
        }
        if let Some(x) = self.random_call(func, args, span, out) {
            return Some(x);
        }
        if name == "at_time" {
            return Some(self.at_time(args, span, out));
        }
        if name == "random_setseq" {
            return Some(self.random_setseq(args, span, out));
        }
        if name == "nrn_pointing" {
            // The runtime refuses to run a mechanism with an unbound POINTER, so every pointer
            // a kernel sees is bound: nrn_pointing(p) is 1.
            let is_pointer = matches!(
                (args.len(), args.first().map(|a| &a.kind)),
                (1, Some(ExprKind::Name(id)))
                    if matches!(self.resolve(&id.name), Some(Binding::Var(v)) if self.m.pointers.contains(&v))
            );
            if !is_pointer {
                self.error(
                    span,
                    "`nrn_pointing` takes one argument, a POINTER variable",
                );
            }
            return Some(self.m.exprs.num(1.0));
        }
        if let Some(why) = super::random::unsupported_random(name) {
            self.unsupported(func.span, &format!("{name}()"), why);
            return Some(self.m.exprs.num(0.0));
        }
        self.diags.push(
            Diagnostic::error(func.span, format!("unknown function `{name}`"))
                .with_label("not a FUNCTION or PROCEDURE of this file, nor a library function"),
        );
        Some(self.m.exprs.num(0.0))
    }

    /// `at_time(te)`: for CVODE a hint that the solution is discontinuous at `te`; with NEURON's
    /// fixed step (its `at_time` in `fadvance`), 1 when `te - 1e-11` lies in `(t - dt, t]` and 0
    /// otherwise, with `t` the time the calling block sees. It has no effect beside its value,
    /// and its derivative is 0 (a step function of `te`, `t` and `dt`).
    fn at_time(&mut self, args: &[ast::Expr], span: Span, out: &mut Vec<ir::Stmt>) -> ExprId {
        if args.len() != 1 {
            self.error(
                span,
                format!("`at_time` takes 1 argument, not {}", args.len()),
            );
            return self.m.exprs.num(0.0);
        }
        let te = self.expr(&args[0], out);
        let t = self.builtin_var(Builtin::T, span);
        let t = self.m.exprs.var(t);
        let dt = self.builtin_var(Builtin::Dt, span);
        let dt = self.m.exprs.var(dt);
        let ar = &mut self.m.exprs;
        let eps = build::num(ar, 1e-11);
        let x = build::binary(ar, BinOp::Sub, te, eps);
        let upper = build::binary(ar, BinOp::Le, x, t);
        let start = build::binary(ar, BinOp::Sub, t, dt);
        let lower = build::binary(ar, BinOp::Gt, x, start);
        build::binary(ar, BinOp::And, upper, lower)
    }

    /// Lowers a call statement.
    pub(super) fn call_stmt(&mut self, e: &ast::Expr, out: &mut Vec<ir::Stmt>) {
        let ExprKind::Call { func, args } = &e.kind else {
            self.error(e.span, "expected a statement, found an expression");
            return;
        };
        let span = e.span;
        let arity = |l: &mut Self, n: usize| {
            let ok = args.len() == n;
            if !ok {
                l.error(
                    span,
                    format!("`{}` takes {n} arguments, not {}", func.name, args.len()),
                );
            }
            ok
        };
        match func.name.as_str() {
            "net_send" if !self.callables.contains_key("net_send") => {
                if arity(self, 2) {
                    let delay = self.expr(&args[0], out);
                    let flag = self.expr(&args[1], out);
                    out.push(ir::Stmt {
                        kind: StmtKind::NetSend { delay, flag },
                        span,
                    });
                }
            }
            "net_move" if !self.callables.contains_key("net_move") => {
                if arity(self, 1) {
                    let time = self.expr(&args[0], out);
                    out.push(ir::Stmt {
                        kind: StmtKind::NetMove { time },
                        span,
                    });
                }
            }
            "net_event" if !self.callables.contains_key("net_event") => {
                if arity(self, 1) {
                    let time = self.expr(&args[0], out);
                    out.push(ir::Stmt {
                        kind: StmtKind::NetEvent { time },
                        span,
                    });
                }
            }
            "state_discontinuity" => {
                // The old spelling of an assignment in NET_RECEIVE.
                if arity(self, 2) {
                    let ast::ExprKind::Name(target) = &args[0].kind else {
                        self.error(
                            args[0].span,
                            "state_discontinuity needs a variable as its first argument",
                        );
                        return;
                    };
                    let value = self.expr(&args[1], out);
                    if let Some(Binding::Var(var)) = self.resolve(&target.name) {
                        out.push(ir::Stmt {
                            kind: StmtKind::Assign { var, value },
                            span,
                        });
                    } else {
                        self.error(
                            target.span,
                            format!("`{}` is not a declared variable", target.name),
                        );
                    }
                }
            }
            // As a statement `at_time` has no effect (its value is the only thing it gives with
            // the fixed step); its argument is still evaluated, as NEURON does.
            "at_time" if !self.callables.contains_key("at_time") => {
                if arity(self, 1) {
                    let _ = self.expr(&args[0], out);
                }
            }
            name if is_output(name) => {}
            _ => {
                let _ = self.call(func, args, span, out);
            }
        }
    }

    /// Inlines a call of a user FUNCTION or PROCEDURE. Returns the FUNCTION's value.
    fn inline(
        &mut self,
        c: &ast::Callable,
        is_function: bool,
        args: &[ast::Expr],
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<ExprId> {
        let name = c.name.name.clone();
        if self.call_stack.contains(&name) && !self.recurse(c, is_function, span, out) {
            return Some(self.nan());
        }
        if args.len() != c.params.len() {
            self.error(
                span,
                format!(
                    "`{name}` takes {} arguments, not {}",
                    c.params.len(),
                    args.len()
                ),
            );
            return Some(self.m.exprs.num(0.0));
        }
        let values: Vec<ExprId> = args.iter().map(|a| self.expr(a, out)).collect();
        let assigned = assigned_names(&c.body.stmts);
        let mut scope = HashMap::new();
        for (p, &value) in c.params.iter().zip(&values) {
            let binding = if assigned.contains(&p.name.name) {
                let mut var =
                    Variable::new(&p.name.name, VarKind::Local, Scope::Range, p.name.span);
                var.unit = p.units.as_ref().map(|u| u.text.clone());
                let local = self.add_var(var);
                out.push(ir::Stmt {
                    kind: StmtKind::Assign { var: local, value },
                    span,
                });
                Binding::Var(local)
            } else {
                Binding::Expr(value)
            };
            scope.insert(p.name.name.clone(), binding);
        }
        // A block that works on a copy of `v` (INITIAL or NET_RECEIVE that assign it) shares it
        // with what it calls, as NEURON's mechanism-wide copy is shared.
        if !scope.contains_key("v")
            && let Some(Binding::Var(copy)) = self.resolve("v")
            && !matches!(self.m.var(copy).kind, VarKind::Builtin(Builtin::V))
        {
            scope.insert("v".to_string(), Binding::Var(copy));
        }
        // A PROCEDURE may assign `v` (Hay's NaTa_t does): it then changes a copy of its own.
        if assigned.contains("v") && !scope.contains_key("v") {
            let v = self.builtin_var(Builtin::V, span);
            let copy = self.add_var(Variable::new("v", VarKind::Local, Scope::Range, span));
            let value = self.m.exprs.var(v);
            out.push(ir::Stmt {
                kind: StmtKind::Assign { var: copy, value },
                span,
            });
            scope.insert("v".to_string(), Binding::Var(copy));
        }
        let ret = is_function.then(|| {
            let mut var = Variable::new(&name, VarKind::Local, Scope::Range, c.name.span);
            var.unit = c.units.as_ref().map(|u| u.text.clone());
            let ret = self.add_var(var);
            scope.insert(name.clone(), Binding::Var(ret));
            ret
        });
        let saved = std::mem::replace(&mut self.scopes, vec![scope]);
        self.call_stack.push(name);
        let exit = ret.map_or(Exit::Procedure, Exit::Function);
        let saved_returns = self.begin_body(exit, &c.body.stmts, c.body.span, out);
        // A loop around the call does not hold the `return`s of the body.
        let loops = std::mem::take(&mut self.loops);
        self.stmts(&c.body.stmts, out);
        self.loops = loops;
        self.end_body(saved_returns);
        self.call_stack.pop();
        self.scopes = saved;
        ret.map(|r| self.m.exprs.var(r))
    }
}

/// How many calls deep a FUNCTION or PROCEDURE that calls itself is inlined, and how many copies
/// of such bodies one file may make in all (docs/DESIGN.md, "Recursion").
const RECURSION_DEPTH: usize = 8;
const RECURSION_COPIES: usize = 256;

impl Lowerer<'_> {
    /// Whether a call of `c`, which is already being inlined, is inlined once more. Beyond
    /// [`RECURSION_DEPTH`] nested calls (or [`RECURSION_COPIES`] copies) it is not: the call's
    /// value is NaN and a PROCEDURE sets the module variables it assigns to NaN, so that a run
    /// that reaches the cut-off stops with the sentinel's error rather than going on silently;
    /// `check` warns once per FUNCTION or PROCEDURE.
    fn recurse(
        &mut self,
        c: &ast::Callable,
        is_function: bool,
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) -> bool {
        let name = &c.name.name;
        let depth = self.call_stack.iter().filter(|n| *n == name).count();
        if depth < RECURSION_DEPTH && self.recursion.0 < RECURSION_COPIES {
            self.recursion.0 += 1;
            return true;
        }
        if self.recursion.1.insert(name.clone()) {
            self.diags.push(
                Diagnostic::warning(
                    span,
                    format!(
                        "`{name}` calls itself: it is inlined {depth} calls deep, and a call deeper \
                         than that gives NaN"
                    ),
                )
                .with_note(format!(
                    "call chain: {} -> {name}; a NaN stops the run where it reaches a state, an \
                     ion variable or an event time",
                    self.call_stack.join(" -> ")
                )),
            );
        }
        if !is_function {
            let params: HashSet<&str> = c.params.iter().map(|p| p.name.name.as_str()).collect();
            let mut names: Vec<String> = assigned_names(&c.body.stmts).into_iter().collect();
            names.sort();
            for n in names {
                if params.contains(n.as_str()) || declared_local(&c.body.stmts, &n) {
                    continue;
                }
                if let Some(Binding::Var(var)) = self.globals.get(&n).cloned() {
                    let value = self.nan();
                    out.push(ir::Stmt {
                        kind: StmtKind::Assign { var, value },
                        span,
                    });
                }
            }
        }
        false
    }
}

impl Lowerer<'_> {
    /// NaN, as `0/0`: the expression the NMODL printer writes for it and reads back.
    fn nan(&mut self) -> ExprId {
        let zero = self.m.exprs.num(0.0);
        self.m.exprs.binary(BinOp::Div, zero, zero)
    }
}

/// Whether a statement list declares `name` LOCAL at its top level.
fn declared_local(stmts: &[ast::Stmt], name: &str) -> bool {
    stmts.iter().any(|s| {
        matches!(&s.kind, ast::StmtKind::Local(vars) if vars.iter().any(|v| v.name.name == name))
    })
}

/// The names a statement list assigns (at any depth).
pub(super) fn assigned_names(stmts: &[ast::Stmt]) -> std::collections::HashSet<String> {
    fn walk(stmts: &[ast::Stmt], out: &mut std::collections::HashSet<String>) {
        for s in stmts {
            match &s.kind {
                ast::StmtKind::Assign { target, .. } => {
                    out.insert(target.name.clone());
                }
                ast::StmtKind::If {
                    then, otherwise, ..
                } => {
                    walk(&then.stmts, out);
                    if let Some(o) = otherwise {
                        walk(&o.stmts, out);
                    }
                }
                ast::StmtKind::While { body, .. }
                | ast::StmtKind::From { body, .. }
                | ast::StmtKind::Block(body) => walk(&body.stmts, out),
                ast::StmtKind::Protect(inner) => walk(std::slice::from_ref(inner), out),
                // `state_discontinuity(x, value)` assigns x.
                ast::StmtKind::Call(call) => {
                    if let ast::ExprKind::Call { func, args } = &call.kind
                        && func.name == "state_discontinuity"
                        && let Some(ast::Expr {
                            kind: ast::ExprKind::Name(target),
                            ..
                        }) = args.first()
                    {
                        out.insert(target.name.clone());
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = std::collections::HashSet::new();
    walk(stmts, &mut out);
    out
}
