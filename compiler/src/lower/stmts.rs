//! Lowering of blocks and statements.

use std::collections::HashMap;

use super::returns::Exit;
use super::voltage_process::VOLTAGE_PROCESS_BLOCK;
use super::{Binding, Lowerer};
use crate::ast::{self, ItemKind};
use crate::diag::{Diagnostic, Span};
use crate::ir::{
    self, Block, BlockId, BlockKind, Builtin, NetReceive, Scope, SolveMethod, StmtKind, Term,
    VarId, VarKind, Variable,
};

impl<'a> Lowerer<'a> {
    /// Lowers INITIAL, BREAKPOINT, NET_RECEIVE and every named block.
    pub(super) fn blocks(&mut self) {
        let file = self.file;
        for item in &file.items {
            match &item.kind {
                ItemKind::Initial(b) => {
                    let id = self.block("INITIAL", BlockKind::Initial, &b.stmts, b.span, &[]);
                    self.m.initial = Some(id);
                }
                ItemKind::Breakpoint(b) if self.m.voltage_process => {
                    let id = self.voltage_process(b);
                    self.m.breakpoint = Some(id);
                }
                ItemKind::Breakpoint(b) => {
                    let id = self.block("BREAKPOINT", BlockKind::Breakpoint, &b.stmts, b.span, &[]);
                    self.hoist_solves(id);
                    self.m.breakpoint = Some(id);
                }
                ItemKind::NetReceive { params, body } => self.net_receive(params, body, item.span),
                ItemKind::Before { when, body } => self.before_after(true, *when, body, item.span),
                ItemKind::After { when, body } => self.before_after(false, *when, body, item.span),
                _ => {}
            }
        }
        self.m.ba.sort_by_key(|&(point, _)| point);
        // Named blocks no SOLVE mentions are lowered too, so that their errors are reported.
        let mut names: Vec<&String> = self.named.keys().collect();
        names.sort();
        let names: Vec<String> = names.into_iter().cloned().collect();
        for name in names {
            self.named_block(&name, Span::default());
        }
    }

    /// Lowers a list of statements as a block of its own, with `params` bound in its scope.
    pub(super) fn block(
        &mut self,
        name: &str,
        kind: BlockKind,
        stmts: &[ast::Stmt],
        span: Span,
        params: &[(String, Binding)],
    ) -> BlockId {
        let saved_scopes = std::mem::take(&mut self.scopes);
        let saved_context = std::mem::replace(&mut self.context, kind);
        self.scopes.push(params.iter().cloned().collect());
        let mut body = Vec::new();
        let copies_v = match kind {
            BlockKind::Initial | BlockKind::NetReceive => {
                super::exprs::assigned_names(stmts).contains("v")
            }
            BlockKind::Procedure => self.m.voltage_process && name == VOLTAGE_PROCESS_BLOCK,
            _ => false,
        };
        if copies_v {
            self.voltage_copy(kind, span, &mut body);
        }
        let saved_returns = self.begin_body(Exit::of_block(kind), stmts, span, &mut body);
        self.stmts(stmts, &mut body);
        self.end_body(saved_returns);
        self.scopes = saved_scopes;
        self.context = saved_context;
        self.m.add_block(Block {
            name: name.to_string(),
            kind,
            body,
            span,
        })
    }

    /// Binds `v` in the innermost scope to a copy of the membrane potential, for a block that
    /// assigns it, as NEURON's generated code does: INITIAL works on a copy of the node's v that
    /// it never writes back (NEURON's `nrn_init` sets the copy and runs INITIAL, and the node
    /// keeps the voltage `finitialize` gave it), while NET_RECEIVE writes its copy back into the
    /// node after the block (`NODEV(_pnt->node) = v`). The latter copy is the module's
    /// [`ir::Module::voltage`], a STATE the runtime reads after every event.
    fn voltage_copy(&mut self, kind: BlockKind, span: Span, out: &mut Vec<ir::Stmt>) {
        let v = self.builtin_var(Builtin::V, span);
        let var = if matches!(kind, BlockKind::NetReceive | BlockKind::Procedure) {
            let name = if kind == BlockKind::NetReceive {
                "v_net_receive"
            } else {
                "v_process"
            };
            let mut var = Variable::new(name, VarKind::State, Scope::Range, span);
            var.unit = Some("mV".to_string());
            let id = self.add_var(var);
            self.m.voltage = Some(id);
            id
        } else {
            self.add_var(Variable::new("v", VarKind::Local, Scope::Range, span))
        };
        let value = self.m.exprs.var(v);
        Self::push(out, StmtKind::Assign { var, value }, span);
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert("v".to_string(), Binding::Var(var));
        }
    }

    /// The block a SOLVE names, lowered on first use.
    fn named_block(&mut self, name: &str, at: Span) -> Option<BlockId> {
        if let Some(&id) = self.lowered.get(name) {
            return Some(id);
        }
        if let Some(&(kind, b)) = self.named.get(name) {
            if !b.solve_for.is_empty() {
                self.diags.push(Diagnostic::warning(
                    b.name.span,
                    "SOLVEFOR is ignored: every state in the block is solved for",
                ));
            }
            let id = self.block(name, kind, &b.body.stmts, b.body.span, &[]);
            self.lowered.insert(name.to_string(), id);
            return Some(id);
        }
        if let Some(&(c, false)) = self.callables.get(name) {
            if !c.params.is_empty() {
                self.error(
                    at,
                    format!("SOLVE names the PROCEDURE `{name}`, which takes arguments"),
                );
                return None;
            }
            let id = self.block(name, BlockKind::Procedure, &c.body.stmts, c.body.span, &[]);
            self.lowered.insert(name.to_string(), id);
            return Some(id);
        }
        self.error(at, format!("SOLVE names `{name}`, which is not a DERIVATIVE, KINETIC, LINEAR, NONLINEAR or PROCEDURE block of this file"));
        None
    }

    fn net_receive(&mut self, params: &[ast::Param], body: &ast::Block, span: Span) {
        if self.m.net_receive.is_some() {
            self.error(span, "a second NET_RECEIVE block");
            return;
        }
        let mut args = Vec::new();
        let mut bound = Vec::new();
        for p in params {
            let mut var = Variable::new(&p.name.name, VarKind::Local, Scope::Range, p.name.span);
            var.unit = p.units.as_ref().map(|u| u.text.clone());
            let id = self.add_var(var);
            args.push(id);
            bound.push((p.name.name.clone(), Binding::Var(id)));
        }
        // NEURON provides `flag` in NET_RECEIVE without a declaration.
        let flag = self.add_var(Variable::new("flag", VarKind::Local, Scope::Range, span));
        if !params.iter().any(|p| p.name.name == "flag") {
            bound.push(("flag".to_string(), Binding::Var(flag)));
        }
        let mut initial = None;
        let mut rest = Vec::new();
        for s in &body.stmts {
            match &s.kind {
                ast::StmtKind::Initial(b) if initial.is_none() => {
                    initial =
                        Some(self.block("INITIAL", BlockKind::Initial, &b.stmts, b.span, &bound));
                }
                _ => rest.push(s.clone()),
            }
        }
        self.net_args = args.clone();
        let body = self.block(
            "NET_RECEIVE",
            BlockKind::NetReceive,
            &rest,
            body.span,
            &bound,
        );
        let for_netcons = self.for_netcons_block;
        if let Some(each) = for_netcons {
            self.check_after_for_netcons(body, each);
        }
        self.m.net_receive = Some(NetReceive {
            args,
            flag,
            initial,
            for_netcons,
            body,
            span,
        });
    }

    /// Lowers statements in a new scope, appending to `out`.
    pub(super) fn stmts(&mut self, stmts: &[ast::Stmt], out: &mut Vec<ir::Stmt>) {
        self.scopes.push(HashMap::new());
        let open = self.random_fallbacks.len();
        self.stmt_list(stmts, out);
        self.unclosed_random_fallbacks(open);
        self.scopes.pop();
    }

    pub(super) fn push(out: &mut Vec<ir::Stmt>, kind: StmtKind, span: Span) {
        out.push(ir::Stmt { kind, span });
    }

    pub(super) fn stmt(&mut self, s: &ast::Stmt, out: &mut Vec<ir::Stmt>) {
        use ast::StmtKind as S;
        let span = s.span;
        match &s.kind {
            S::Local(vars) => {
                for v in vars {
                    let size = v.size.as_ref().map(|sz| self.array_size(sz));
                    let var =
                        Variable::new(&v.name.name, VarKind::Local, Scope::Range, v.name.span);
                    let binding = match size {
                        None => Binding::Var(self.add_var(var)),
                        Some(n) => Binding::Array(self.add_array(&var, n)),
                    };
                    self.bind_local(&v.name.name, binding);
                }
            }
            S::Assign {
                target,
                index,
                value,
            } => {
                if let (Some(Binding::Array(vs)), Some(i)) = (self.resolve(&target.name), index)
                    && let Err(idx) = self.index(&target.name, &vs, i, out)
                {
                    let Some(idx) = idx else { return };
                    if !vs.iter().all(|&v| self.assignable(v, target.span)) {
                        return;
                    }
                    let array = self.m.array_of(&target.name, &vs, target.span);
                    let value = self.expr(value, out);
                    Self::push(
                        out,
                        StmtKind::SetElement {
                            array,
                            index: idx,
                            value,
                        },
                        span,
                    );
                    return;
                }
                let Some(var) = self.target(target, index.as_ref(), out) else {
                    return;
                };
                if !self.assignable(var, target.span) {
                    return;
                }
                // `x = a[i]` with `i` known only at run time reads the element into `x` itself.
                if let ast::ExprKind::Index { array, index: i } = &value.kind
                    && let Some(Binding::Array(vs)) = self.resolve(&array.name)
                {
                    match self.index(&array.name, &vs, i, out) {
                        Ok(e) => {
                            let value = self.m.exprs.var(e);
                            Self::push(out, StmtKind::Assign { var, value }, span);
                        }
                        Err(None) => {}
                        Err(Some(idx)) => {
                            let array = self.m.array_of(&array.name, &vs, array.span);
                            let kind = StmtKind::GetElement {
                                var,
                                array,
                                index: idx,
                            };
                            Self::push(out, kind, span);
                        }
                    }
                    return;
                }
                if let Some(kind) = self.vector_read(var, value, out) {
                    Self::push(out, kind, span);
                    return;
                }
                if let Some(kind) = self.table_read_into(var, value, out) {
                    Self::push(out, kind, span);
                    return;
                }
                let value = self.expr(value, out);
                Self::push(out, StmtKind::Assign { var, value }, span);
            }
            S::Ode {
                state,
                index,
                value,
            } => {
                if self.context != BlockKind::Derivative {
                    self.error(
                        span,
                        format!(
                            "`{}'` = ... is only allowed in a DERIVATIVE block",
                            state.name
                        ),
                    );
                    return;
                }
                let Some(var) = self.target(state, index.as_ref(), out) else {
                    return;
                };
                self.diffusive_state(var);
                if self.m.var(var).kind != VarKind::State {
                    self.error(
                        state.span,
                        format!(
                            "`{}` is not a STATE, so it cannot have a derivative",
                            state.name
                        ),
                    );
                    return;
                }
                let rhs = self.expr(value, out);
                Self::push(out, StmtKind::Ode { state: var, rhs }, span);
            }
            S::Call(e) => self.call_stmt(e, out),
            S::If {
                cond,
                then,
                otherwise,
            } => {
                let cond = self.expr(cond, out);
                let mut t = Vec::new();
                self.stmts(&then.stmts, &mut t);
                let mut o = Vec::new();
                if let Some(b) = otherwise {
                    self.stmts(&b.stmts, &mut o);
                }
                Self::push(
                    out,
                    StmtKind::If {
                        cond,
                        then: t,
                        otherwise: o,
                    },
                    span,
                );
            }
            S::While { cond, body } => {
                let mut hoisted = Vec::new();
                let c = self.expr(cond, &mut hoisted);
                if !hoisted.is_empty() {
                    self.error(cond.span, "a FUNCTION call in a while condition is not supported (assign it to a LOCAL in the loop)");
                }
                let mut b = Vec::new();
                self.loops += 1;
                self.stmts(&body.stmts, &mut b);
                self.loops -= 1;
                Self::push(out, StmtKind::While { cond: c, body: b }, span);
            }
            S::From {
                var,
                from,
                to,
                by,
                body,
            } => {
                self.loops += 1;
                self.unroll(var, from, to, by.as_ref(), body, out);
                self.loops -= 1;
            }
            S::Solve {
                block,
                method,
                if_error,
            } => self.solve(block, method.as_ref(), if_error.as_ref(), span, out),
            S::Table { .. } => {
                // TABLE asks NEURON to tabulate and interpolate; gradmod evaluates the functions
                // exactly (NEURON's `usetable_<suffix> = 0`), which is the model the table
                // approximates.
            }
            S::Reaction {
                lhs,
                arrow,
                rhs,
                forward,
                backward,
            } => {
                if !self.in_kinetic(span, "a reaction") {
                    return;
                }
                let lhs = self.terms(lhs, out);
                let rhs = self.terms(rhs, out);
                let forward = self.expr(forward, out);
                let backward = match (arrow, backward) {
                    (ast::Arrow::Forward, _) => None,
                    (ast::Arrow::Reversible, Some(b)) => Some(self.expr(b, out)),
                    (ast::Arrow::Reversible, None) => {
                        self.error(
                            span,
                            "a reversible reaction `<->` needs two rates: (forward, backward)",
                        );
                        return;
                    }
                };
                let f = self.mass_action(forward, &lhs);
                let b = match backward {
                    Some(kb) => self.mass_action(kb, &rhs),
                    None => self.m.exprs.num(0.0),
                };
                self.fluxes = Some((f, b));
                Self::push(
                    out,
                    StmtKind::Reaction {
                        lhs,
                        rhs,
                        forward,
                        backward,
                    },
                    span,
                );
            }
            S::Flux { species, flux } => {
                if !self.in_kinetic(span, "a flux `<<`") {
                    return;
                }
                let Some(state) = self.species(species, out) else {
                    return;
                };
                let flux = self.expr(flux, out);
                let zero = self.m.exprs.num(0.0);
                self.fluxes = Some((flux, zero));
                Self::push(out, StmtKind::Flux { state, flux }, span);
            }
            S::Equation { lhs, rhs } => {
                if !matches!(self.context, BlockKind::Linear | BlockKind::NonLinear) {
                    self.error(
                        span,
                        "an equation `~ lhs = rhs` is only allowed in a LINEAR or NONLINEAR block",
                    );
                    return;
                }
                let lhs = self.expr(lhs, out);
                let rhs = self.expr(rhs, out);
                Self::push(out, StmtKind::Equation { lhs, rhs }, span);
            }
            S::Conserve { lhs, rhs } => {
                if !self.in_kinetic(span, "CONSERVE") {
                    return;
                }
                let mut terms = Vec::new();
                if !self.conserve_terms(lhs, &mut terms, out) {
                    return;
                }
                let total = self.expr(rhs, out);
                Self::push(out, StmtKind::Conserve { terms, total }, span);
            }
            S::Compartment {
                index,
                volume,
                species,
            } => self.compartment(index.as_ref(), volume, species, span, out),
            S::LongitudinalDiffusion {
                index,
                rate,
                species,
            } => self.longitudinal(index.as_ref(), rate, species, span, out),
            S::Watch(watches) => {
                for w in watches {
                    let cond = self.expr(&w.cond, out);
                    let flag = match &w.flag {
                        Some(f) => self.expr(f, out),
                        None => self.m.exprs.num(0.0),
                    };
                    Self::push(out, StmtKind::Watch { cond, flag }, w.span);
                }
            }
            S::ForNetcons { params, body } => self.for_netcons(params, body, span, out),
            S::Verbatim(text) => self.verbatim_stmt(text, span, out),
            S::MutexLock | S::MutexUnlock => {}
            S::Protect(inner) => self.stmt(inner, out),
            S::Lag { .. } => self.unsupported(span, "LAG", "LAG statements are not supported."),
            S::Conductance { .. } => {}
            S::Initial(_) => self.error(
                span,
                "a nested INITIAL block is only allowed in NET_RECEIVE",
            ),
            S::Block(b) => self.stmts(&b.stmts, out),
        }
    }

    /// The flux `rate * product of species^coefficient` of one side of a reaction.
    fn mass_action(&mut self, rate: ir::ExprId, terms: &[Term]) -> ir::ExprId {
        use crate::sym::build;
        let mut flux = rate;
        for t in terms {
            let v = self.m.exprs.var(t.var);
            let c = self.m.exprs.num(f64::from(t.coef));
            let p = build::pow(&mut self.m.exprs, v, c);
            flux = build::mul(&mut self.m.exprs, flux, p);
        }
        flux
    }

    pub(super) fn in_kinetic(&mut self, span: Span, what: &str) -> bool {
        if self.context == BlockKind::Kinetic {
            return true;
        }
        self.error(span, format!("{what} is only allowed in a KINETIC block"));
        false
    }

    /// Whether `var` may be assigned; reports why not.
    fn assignable(&mut self, var: VarId, span: Span) -> bool {
        let v = self.m.var(var);
        let why = match v.kind {
            VarKind::Constant => "it is a CONSTANT",
            // INITIAL and NET_RECEIVE that assign v work on a copy (`voltage_copy`), so `v`
            // never names the node's voltage there.
            VarKind::Builtin(Builtin::V) => {
                "the membrane potential belongs to the simulator (INITIAL, NET_RECEIVE and a PROCEDURE may change their own copy)"
            }
            VarKind::Builtin(_) => "it belongs to the simulator",
            // NET_RECEIVE may write through a POINTER (pyNN's weight adjusters set a synapse's
            // weight), and so may BEFORE and AFTER blocks (hnn-core's dipoles sum into one
            // target): they run one instance at a time, and the runtime copies the value and its
            // tangent into the target after each. Elsewhere many instances would write one
            // target within a kernel call.
            _ if self.m.pointers.contains(&var)
                && !matches!(self.context, BlockKind::NetReceive | BlockKind::BeforeAfter) =>
            {
                let name = v.name.clone();
                self.unsupported(
                    span,
                    "writing through a POINTER outside NET_RECEIVE, BEFORE and AFTER",
                    &format!(
                        "`{name}` is a POINTER: gradmod writes through a pointer only in \
                         NET_RECEIVE and BEFORE/AFTER blocks, where one instance runs at a time \
                         and the runtime copies the value into what the pointer is bound to \
                         after it."
                    ),
                );
                return false;
            }
            _ => return true,
        };
        let name = v.name.clone();
        self.error(span, format!("`{name}` cannot be assigned: {why}"));
        false
    }

    /// A species of a reaction. As in NEURON, a species that is not a STATE (a PARAMETER, an
    /// ASSIGNED or an ion concentration) takes part with its value but gets no equation.
    fn species(&mut self, r: &ast::Reactant, out: &mut Vec<ir::Stmt>) -> Option<VarId> {
        let v = self.target(&r.name, r.index.as_ref(), out)?;
        if matches!(self.m.var(v).kind, VarKind::Local | VarKind::Builtin(_)) {
            let msg = format!(
                "the reaction species `{}` must be a STATE or a module variable",
                r.name.name
            );
            self.error(r.span, msg);
            return None;
        }
        Some(v)
    }

    fn terms(&mut self, rs: &[ast::Reactant], out: &mut Vec<ir::Stmt>) -> Vec<Term> {
        rs.iter()
            .filter_map(|r| {
                Some(Term {
                    var: self.species(r, out)?,
                    coef: r.coeff,
                })
            })
            .collect()
    }

    /// Reads the left side of CONSERVE, a sum of (optionally weighted) states.
    fn conserve_terms(
        &mut self,
        e: &ast::Expr,
        terms: &mut Vec<Term>,
        out: &mut Vec<ir::Stmt>,
    ) -> bool {
        use ast::ExprKind as E;
        match &e.kind {
            E::Binary {
                op: ast::BinaryOp::Add,
                lhs,
                rhs,
            } => self.conserve_terms(lhs, terms, out) && self.conserve_terms(rhs, terms, out),
            E::Binary {
                op: ast::BinaryOp::Mul,
                lhs,
                rhs,
            } => {
                let coef = self.expr(lhs, out);
                match self.m.exprs.as_num(coef) {
                    Some(c) if c >= 1.0 && c.fract() == 0.0 => {
                        let before = terms.len();
                        let ok = self.conserve_terms(rhs, terms, out);
                        for t in &mut terms[before..] {
                            t.coef *= c as u32;
                        }
                        ok
                    }
                    _ => {
                        self.error(
                            lhs.span,
                            "a CONSERVE coefficient must be a positive integer",
                        );
                        false
                    }
                }
            }
            E::Name(id) => match self.target(id, None, out) {
                Some(v) if self.m.var(v).kind == VarKind::State => {
                    terms.push(Term { var: v, coef: 1 });
                    true
                }
                Some(_) => {
                    self.error(id.span, format!("`{}` in CONSERVE is not a STATE", id.name));
                    false
                }
                None => false,
            },
            E::Index { array, index } => match self.target(array, Some(index), out) {
                Some(v) => {
                    terms.push(Term { var: v, coef: 1 });
                    true
                }
                None => false,
            },
            _ => {
                self.error(e.span, "the left side of CONSERVE must be a sum of states");
                false
            }
        }
    }

    fn compartment(
        &mut self,
        index: Option<&ast::Ident>,
        volume: &ast::Expr,
        species: &[ast::Reactant],
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) {
        if !self.in_kinetic(span, "COMPARTMENT") {
            return;
        }
        for r in species {
            let s = &r.name;
            // An element `ca[0]` (the IR's text form) names one state.
            if let Some(i) = &r.index {
                if let Some(v) = self.target(s, Some(i), out) {
                    let volume = self.expr(volume, out);
                    Self::push(
                        out,
                        StmtKind::Compartment {
                            volume,
                            states: vec![v],
                        },
                        span,
                    );
                }
                continue;
            }
            match (self.resolve(&s.name), index) {
                (Some(Binding::Var(v)), None) => {
                    let volume = self.expr(volume, out);
                    Self::push(
                        out,
                        StmtKind::Compartment {
                            volume,
                            states: vec![v],
                        },
                        span,
                    );
                }
                (Some(Binding::Array(vs)), Some(i)) => {
                    for (k, &v) in vs.iter().enumerate() {
                        self.scopes.push(HashMap::new());
                        let ki = self.m.exprs.num(k as f64);
                        self.bind_local(&i.name, Binding::Expr(ki));
                        let volume = self.expr(volume, out);
                        self.scopes.pop();
                        Self::push(
                            out,
                            StmtKind::Compartment {
                                volume,
                                states: vec![v],
                            },
                            span,
                        );
                    }
                }
                (Some(Binding::Array(vs)), None) => {
                    let volume = self.expr(volume, out);
                    Self::push(out, StmtKind::Compartment { volume, states: vs }, span);
                }
                _ => self.error(
                    s.span,
                    format!("`{}` in COMPARTMENT is not a declared STATE", s.name),
                ),
            }
        }
    }

    fn solve(
        &mut self,
        block: &ast::Ident,
        method: Option<&ast::SolveMethod>,
        if_error: Option<&ast::Block>,
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) {
        if !matches!(self.context, BlockKind::Breakpoint | BlockKind::Initial) {
            self.error(span, "SOLVE is only allowed in BREAKPOINT and INITIAL");
            return;
        }
        if let Some(b) = if_error {
            self.diags.push(Diagnostic::warning(
                b.span,
                "IFERROR is ignored: gradmod's solvers report their own failures",
            ));
        }
        let Some(id) = self.named_block(&block.name, block.span) else {
            return;
        };
        let kind = self.m.block(id).kind;
        let method = match method {
            // NEURON solves a DERIVATIVE block without METHOD by derivimplicit.
            None => match kind {
                BlockKind::Kinetic => SolveMethod::Sparse,
                BlockKind::Derivative => SolveMethod::Derivimplicit,
                _ => SolveMethod::Direct,
            },
            Some(ast::SolveMethod::Method(m)) => match (m.name.as_str(), kind) {
                ("cnexp", _) => SolveMethod::Cnexp,
                ("euler", _) => SolveMethod::Euler,
                ("runge", BlockKind::Derivative) => SolveMethod::Runge,
                ("stochastic", BlockKind::Derivative) => self.stochastic_method(&block.name),
                ("derivimplicit", _) => SolveMethod::Derivimplicit,
                ("sparse", _) => SolveMethod::Sparse,
                // With a fixed step NEURON calls a PROCEDURE solved `after_cvode` or `cvode_t`
                // where it advances the states, as a SOLVE without METHOD.
                ("after_cvode" | "cvode_t", BlockKind::Procedure) => SolveMethod::Direct,
                // ... and integrates a DERIVATIVE block so solved by derivimplicit.
                ("after_cvode" | "cvode_t", BlockKind::Derivative) => SolveMethod::Derivimplicit,
                ("newton", BlockKind::NonLinear)
                | (_, BlockKind::Linear)
                | (_, BlockKind::NonLinear) => SolveMethod::Direct,
                (other, _) => {
                    self.unsupported(
                        m.span,
                        &format!("METHOD {other}"),
                        "supported methods are cnexp, derivimplicit, euler, sparse and (for DERIVATIVE \
                         blocks) runge and stochastic.",
                    );
                    return;
                }
            },
            Some(ast::SolveMethod::SteadyState(m)) => match m.name.as_str() {
                "sparse" => SolveMethod::SteadyStateSparse,
                "derivimplicit" => SolveMethod::SteadyStateDerivimplicit,
                other => {
                    self.unsupported(
                        m.span,
                        &format!("STEADYSTATE {other}"),
                        "supported are STEADYSTATE sparse and STEADYSTATE derivimplicit.",
                    );
                    return;
                }
            },
        };
        Self::push(out, StmtKind::Solve { block: id, method }, span);
    }
}
