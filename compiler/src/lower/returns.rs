//! VERBATIM statements, and the early exits (`return`) among them, lowered structurally.
//!
//! A `return` (VERBATIM text that `verbatim.rs` recognises) ends the body it is in: a
//! NET_RECEIVE, an INITIAL, a PROCEDURE or a FUNCTION (for an inlined PROCEDURE or FUNCTION, that
//! call only), as the C function NEURON generates for the body returns. The IR has no jumps, so
//! a body that may return anywhere but at its end gets a LOCAL flag, `returned`, set to 0 at the
//! start and to 1 where a `return` runs, and every statement that follows a statement that may
//! return (in its own list or in an enclosing one) is guarded by `if (!returned)`. Statements
//! after a `return` in its own list never run and are not lowered. The flag is a discrete value
//! whose derivative is 0, so tangents follow the path the primal takes.
//!
//! Rejected, each by name: a `return` in a loop; in BREAKPOINT (NEURON's C returns the current
//! from the function BREAKPOINT is written into, so `return 0;` would set the current to 0), or
//! in a block a SOLVE integrates; a value where NEURON's C function returns nothing
//! (NET_RECEIVE, INITIAL) and no value where it returns one (FUNCTION, PROCEDURE).

use super::verbatim::{self, ReturnValue, Verbatim};
use super::{Binding, Lowerer};
use crate::ast;
use crate::diag::Span;
use crate::ir::{self, BlockKind, Scope, StmtKind, VarId, VarKind, Variable};
use crate::sym::build;

/// What a `return` leaves, and so what it may return.
#[derive(Clone, Copy, Debug)]
pub(super) enum Exit {
    /// NET_RECEIVE or INITIAL: a C function returning nothing.
    Void,
    /// A PROCEDURE: a C function returning an int NEURON ignores.
    Procedure,
    /// A FUNCTION: its value is the returned value.
    Function(VarId),
    /// A body no `return` may leave, named (`BREAKPOINT`, `a DERIVATIVE block`).
    Forbidden(&'static str),
}

/// The body being lowered: how a `return` leaves it, and its flag when one is needed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Returns {
    exit: Exit,
    flag: Option<VarId>,
}

impl Exit {
    /// How a `return` leaves a block of `kind`.
    pub(super) fn of_block(kind: BlockKind) -> Exit {
        match kind {
            BlockKind::Initial | BlockKind::NetReceive | BlockKind::BeforeAfter => Exit::Void,
            BlockKind::Procedure => Exit::Procedure,
            BlockKind::Breakpoint => Exit::Forbidden("BREAKPOINT"),
            BlockKind::Derivative => Exit::Forbidden("a DERIVATIVE block"),
            BlockKind::Kinetic => Exit::Forbidden("a KINETIC block"),
            BlockKind::Linear => Exit::Forbidden("a LINEAR block"),
            BlockKind::NonLinear => Exit::Forbidden("a NONLINEAR block"),
        }
    }
}

impl Lowerer<'_> {
    /// Starts lowering a body that `exit` describes: makes its flag (assigned 0 in `out`) when a
    /// `return` in `stmts` is followed by anything. Returns what to give [`Self::end_body`].
    pub(super) fn begin_body(
        &mut self,
        exit: Exit,
        stmts: &[ast::Stmt],
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) -> Option<Returns> {
        let flag = (needs_flag(stmts, false) && !matches!(exit, Exit::Forbidden(_))).then(|| {
            let flag = self.add_var(Variable::new(
                "returned",
                VarKind::Local,
                Scope::Range,
                span,
            ));
            let zero = self.m.exprs.num(0.0);
            Self::push(
                out,
                StmtKind::Assign {
                    var: flag,
                    value: zero,
                },
                span,
            );
            flag
        });
        self.returns.replace(Returns { exit, flag })
    }

    /// Ends the body [`Self::begin_body`] started.
    pub(super) fn end_body(&mut self, saved: Option<Returns>) {
        self.returns = saved;
    }

    /// Reports the openings of the hoc Random idiom after the first `open` that no VERBATIM `}`
    /// closed in their own statement list.
    pub(super) fn unclosed_random_fallbacks(&mut self, open: usize) {
        for span in self.random_fallbacks.split_off(open) {
            self.error(
                span,
                "this VERBATIM opens the NMODL fallback of the hoc Random idiom (`if (_p_rng) { ... } else {`), but no VERBATIM holding `}` closes it in the same block",
            );
        }
    }

    /// Lowers a list of statements in the current scope; what follows a statement that may
    /// return is guarded by the body's flag, and what follows a `return` is not lowered.
    pub(super) fn stmt_list(&mut self, stmts: &[ast::Stmt], out: &mut Vec<ir::Stmt>) {
        for (i, s) in stmts.iter().enumerate() {
            self.stmt(s, out);
            if is_return(s) {
                return;
            }
            let rest = &stmts[i + 1..];
            if !rest.is_empty()
                && may_return(s)
                && let Some(flag) = self.returns.and_then(|r| r.flag)
            {
                let mut guarded = Vec::new();
                self.stmt_list(rest, &mut guarded);
                let returned = self.m.exprs.var(flag);
                let cond = build::not(&mut self.m.exprs, returned);
                let span = rest[0].span.to(rest[rest.len() - 1].span);
                Self::push(
                    out,
                    StmtKind::If {
                        cond,
                        then: guarded,
                        otherwise: Vec::new(),
                    },
                    span,
                );
                return;
            }
        }
    }

    /// A VERBATIM statement: header text is ignored, a `return` lowered, C code rejected.
    pub(super) fn verbatim_stmt(&mut self, text: &str, span: Span, out: &mut Vec<ir::Stmt>) {
        match verbatim::classify(text) {
            Verbatim::Header => {}
            Verbatim::Return(value) => self.lower_return(value, span, out),
            // The hoc Random idiom: gradmod runs the NMODL fallback that follows, which draws
            // from the instance's own stream; the C local it declares is a LOCAL.
            Verbatim::RandomOpen { local, .. } => {
                if let Some(name) = local {
                    let var =
                        self.add_var(Variable::new(&name, VarKind::Local, Scope::Range, span));
                    self.bind_local(&name, Binding::Var(var));
                }
                self.random_fallbacks.push(span);
            }
            Verbatim::Close if !self.random_fallbacks.is_empty() => {
                self.random_fallbacks.pop();
            }
            Verbatim::Close => self.verbatim_code(None, span),
            Verbatim::VectorElement { index, value, .. } => {
                self.vector_element(&index, &value, span, out)
            }
            // CoreNEURON's data transfer is C functions at the top level only.
            Verbatim::CoreNeuron => self.verbatim_code(
                Some("serialising data for CoreNEURON (bbcore_write, bbcore_read)"),
                span,
            ),
            Verbatim::Code(what) => self.verbatim_code(what, span),
        }
    }

    /// Rejects VERBATIM C code, named by what it does when its text tells.
    pub(super) fn verbatim_code(&mut self, what: Option<&str>, span: Span) {
        let why = "VERBATIM blocks hold C code, which gradmod cannot compile or differentiate; \
                   it translates only header text (preprocessor lines, prototypes), `return`, \
                   the hoc Random idiom of NEURON before 9 and VecStim's read of its hoc \
                   Vector, and ignores CoreNEURON's bbcore_write and bbcore_read (see \
                   DESIGN.md, \"VERBATIM\").";
        match what {
            Some(what) => self.unsupported(span, &format!("VERBATIM {what}"), why),
            None => self.unsupported(span, "VERBATIM", why),
        }
    }

    fn lower_return(&mut self, value: Option<ReturnValue>, span: Span, out: &mut Vec<ir::Stmt>) {
        let Some(Returns { exit, flag }) = self.returns else {
            self.error(span, "`return` outside a block");
            return;
        };
        if self.loops > 0 {
            self.unsupported(
                span,
                "`return` in a loop",
                "gradmod translates an early exit from NET_RECEIVE, INITIAL, a PROCEDURE or a \
                 FUNCTION, but not from inside a while or FROM loop.",
            );
            return;
        }
        match (exit, &value) {
            (Exit::Forbidden(body), _) => {
                let why = if body == "BREAKPOINT" {
                    "NEURON writes BREAKPOINT into a C function that returns the current, so a \
                     `return` there changes the current; gradmod does not translate it."
                } else {
                    "a block that a SOLVE integrates is not a C function of its own in NEURON; \
                     a `return` there is C code gradmod does not translate."
                };
                self.unsupported(span, &format!("`return` in {body}"), why);
                return;
            }
            (Exit::Void, Some(_)) => {
                self.error(
                    span,
                    "`return` with a value where NEURON's C function returns nothing (NET_RECEIVE or INITIAL): write `return;`",
                );
                return;
            }
            (Exit::Procedure | Exit::Function(_), None) => {
                self.error(
                    span,
                    "`return;` without a value in a PROCEDURE or FUNCTION, whose C function returns a number in NEURON: write `return 0;`",
                );
                return;
            }
            (Exit::Function(result), Some(v)) => {
                let Some(value) = self.return_value(v, span) else {
                    return;
                };
                Self::push(out, StmtKind::Assign { var: result, value }, span);
            }
            // A PROCEDURE's C value is ignored; `return;` in a void function needs nothing.
            (Exit::Procedure, Some(_)) | (Exit::Void, None) => {}
        }
        if let Some(flag) = flag {
            let one = self.m.exprs.num(1.0);
            Self::push(
                out,
                StmtKind::Assign {
                    var: flag,
                    value: one,
                },
                span,
            );
        }
    }

    /// The value `return x;` returns: a number, or a variable (its C name `_lx` for a LOCAL or
    /// an argument `x`).
    fn return_value(&mut self, v: &ReturnValue, span: Span) -> Option<ir::ExprId> {
        match v {
            ReturnValue::Number(x) => Some(self.m.exprs.num(*x)),
            ReturnValue::Name(name) => {
                let binding = self.resolve(name).or_else(|| {
                    name.strip_prefix("_l")
                        .and_then(|local| self.resolve(local))
                });
                match binding {
                    Some(Binding::Var(var)) => Some(self.m.exprs.var(var)),
                    Some(Binding::Expr(e)) => Some(e),
                    _ => {
                        self.error(
                            span,
                            format!("`return {name};` in VERBATIM: `{name}` is not a variable of this file"),
                        );
                        None
                    }
                }
            }
        }
    }
}

/// The POINTERs that hold a hoc Random object in the idiom [`Verbatim::RandomOpen`]
/// recognises, or a hoc Vector in [`Verbatim::VectorElement`]: they are ordinary ASSIGNED
/// variables in gradmod, bound to nothing.
pub(super) fn idiom_pointers(file: &ast::File) -> std::collections::HashSet<String> {
    fn walk(stmts: &[ast::Stmt], out: &mut std::collections::HashSet<String>) {
        use ast::StmtKind as S;
        for s in stmts {
            match &s.kind {
                S::Verbatim(text) => match verbatim::classify(text) {
                    Verbatim::RandomOpen { pointer, .. } => {
                        out.insert(pointer);
                    }
                    Verbatim::VectorElement { holder, .. } => {
                        out.insert(holder);
                    }
                    _ => {}
                },
                S::If {
                    then, otherwise, ..
                } => {
                    walk(&then.stmts, out);
                    if let Some(o) = otherwise {
                        walk(&o.stmts, out);
                    }
                }
                S::While { body, .. } | S::From { body, .. } | S::Block(body) => {
                    walk(&body.stmts, out)
                }
                _ => {}
            }
        }
    }
    let mut out = std::collections::HashSet::new();
    for item in &file.items {
        if let ast::ItemKind::Function(c) | ast::ItemKind::Procedure(c) = &item.kind {
            walk(&c.body.stmts, &mut out);
        }
    }
    out
}

/// Whether a statement is a VERBATIM `return`.
fn is_return(s: &ast::Stmt) -> bool {
    matches!(&s.kind, ast::StmtKind::Verbatim(t) if matches!(verbatim::classify(t), Verbatim::Return(_)))
}

/// Whether a statement is or holds a VERBATIM `return`.
fn may_return(s: &ast::Stmt) -> bool {
    use ast::StmtKind as S;
    match &s.kind {
        S::Verbatim(_) => is_return(s),
        S::If {
            then, otherwise, ..
        } => {
            then.stmts.iter().any(may_return)
                || otherwise
                    .as_ref()
                    .is_some_and(|o| o.stmts.iter().any(may_return))
        }
        S::While { body, .. } | S::From { body, .. } | S::Block(body) => {
            body.stmts.iter().any(may_return)
        }
        S::Protect(inner) => may_return(inner),
        _ => false,
    }
}

/// Whether a `return` in `stmts` is followed by a statement that runs when it does not, in
/// `stmts` or (when `continues`) after them.
fn needs_flag(stmts: &[ast::Stmt], continues: bool) -> bool {
    use ast::StmtKind as S;
    for (i, s) in stmts.iter().enumerate() {
        let after = continues || i + 1 < stmts.len();
        if is_return(s) {
            return continues;
        }
        let inner = match &s.kind {
            S::If {
                then, otherwise, ..
            } => {
                needs_flag(&then.stmts, after)
                    || otherwise
                        .as_ref()
                        .is_some_and(|o| needs_flag(&o.stmts, after))
            }
            S::While { body, .. } | S::From { body, .. } | S::Block(body) => {
                needs_flag(&body.stmts, after)
            }
            S::Protect(inner) => needs_flag(std::slice::from_ref(inner), after),
            _ => false,
        };
        if inner {
            return true;
        }
    }
    false
}
