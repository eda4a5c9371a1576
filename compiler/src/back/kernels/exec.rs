//! Symbolic execution of statements into straight-line values.
//!
//! Running a block symbolically keeps, for every variable it assigns, the value it holds at the
//! end of the block as one expression over the values the variables had at the start. An
//! if/else becomes a select of the two branches' values. The expressions are built without
//! simplification, node for node as the statements compute them, so the emitted code computes
//! exactly what the interpreter computes; CSE then names the shared parts once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Expr, ExprArena, ExprId, Module, SolveMethod, Stmt, StmtKind, VarId};

/// What a SOLVE statement does while running a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Solves {
    /// Skip it: BREAKPOINT's current phase.
    Skip,
    /// Run the solved block in place (a SOLVE in INITIAL).
    Inline,
}

/// The values of the variables a block assigned, over their values at its start.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// The value of each assigned variable. Variables absent hold their starting value.
    pub values: BTreeMap<VarId, ExprId>,
}

impl Env {
    /// The current value of `v`.
    pub fn get(&self, ar: &mut ExprArena, v: VarId) -> ExprId {
        match self.values.get(&v) {
            Some(&e) => e,
            None => ar.var(v),
        }
    }
}

/// What an event statement asks of the runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitKind {
    /// `net_send(delay, flag)`: a self-event after `delay` with `flag`.
    Send = 1,
    /// `net_move(time)`: the pending self-event moves to `time`.
    Move = 2,
    /// `net_event(te)`: the instance spikes at `te`, through its outgoing connections.
    Event = 3,
    /// `FOR_NETCONS`: runs the body over the connections onto the instance after the block. Its
    /// code is 6.
    ForNetcons = 6,
    /// `WATCH (cond) flag`: arms condition i of the instance with `flag`. Its code is 4 where the
    /// condition is false when armed and 5 where it is already true (NEURON's WatchCondition
    /// starts from the condition's value at activation and fires on a false-to-true change).
    Watch = 4,
}

impl EmitKind {
    /// The statement's name in NMODL.
    pub fn name(self) -> &'static str {
        match self {
            EmitKind::Send => "net_send",
            EmitKind::Move => "net_move",
            EmitKind::Event => "net_event",
            EmitKind::Watch => "WATCH",
            EmitKind::ForNetcons => "FOR_NETCONS",
        }
    }
}

/// A `WATCH` condition: its value, positive where the condition holds (`a - b` for `a > b`),
/// over the instance's variables, and where it was written. Its index in [`Exec::watches`] is
/// the one the kernels and the runtime name it by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WatchCond {
    /// The value, positive where the condition holds.
    pub value: ExprId,
    /// Where it was written.
    pub span: crate::diag::Span,
}

/// An event statement met while running a block: its kind, the condition under which it runs
/// (`None`: always) and its two arguments, as values at the statement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Emit {
    /// What it does.
    pub kind: EmitKind,
    /// The path condition of the if/else branches it sits in.
    pub cond: Option<ExprId>,
    /// The delay (net_send), the new time (net_move), the spike time (net_event) or the
    /// condition's index (WATCH).
    pub a: ExprId,
    /// The flag (net_send, WATCH), else 0.
    pub b: ExprId,
    /// For WATCH, the condition's value at the statement (its code is 5 where it is positive).
    pub above: Option<ExprId>,
    /// Where it was written.
    pub span: crate::diag::Span,
}

/// Runs blocks of one module symbolically on a copy of its arena.
pub struct Exec<'m> {
    /// The module.
    pub m: &'m Module,
    /// The arena the values live in: the module's, with the nodes execution builds.
    pub ar: ExprArena,
    /// Problems found: statements the runtime interface cannot express.
    pub diags: Diagnostics,
    /// The event statements run so far, in program order.
    pub emits: Vec<Emit>,
    /// The path condition of the statements being run (inside if/else), if any.
    pub path: Option<ExprId>,
    /// How deep in loops of run-time bounds the statements being run are.
    pub loops: usize,
    /// The number of event statements the last primal kernel stored.
    pub emitted: usize,
    /// The WATCH conditions met so far, each once, in the order first met.
    pub watches: Vec<WatchCond>,
}

impl<'m> Exec<'m> {
    /// An executor over a copy of `m`'s arena.
    pub fn new(m: &'m Module) -> Self {
        Exec {
            m,
            ar: m.exprs.clone(),
            diags: Diagnostics::new(),
            emits: Vec::new(),
            path: None,
            loops: 0,
            emitted: 0,
            watches: Vec::new(),
        }
    }

    /// Runs `stmts` from `env`.
    pub fn run(&mut self, stmts: &[Stmt], env: &mut Env, solves: Solves) {
        for s in stmts {
            self.stmt(s, env, solves);
        }
    }

    /// Runs one statement symbolically.
    pub fn stmt(&mut self, s: &Stmt, env: &mut Env, solves: Solves) {
        match &s.kind {
            StmtKind::Assign { var, value } => {
                let e = self.substitute(*value, env);
                env.values.insert(*var, e);
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.substitute(*cond, env);
                // A constant condition runs only the branch taken, so that what the other branch
                // holds (e.g. `if (0) { net_event(t) }`) is never executed, as in NEURON.
                if let Some(x) = self.ar.as_num(c) {
                    let taken = if x != 0.0 { then } else { otherwise };
                    self.run(taken, env, solves);
                    return;
                }
                let (p_then, p_else) = self.branch_paths(c);
                let outer = self.path;
                let mut a = env.clone();
                self.path = Some(p_then);
                self.run(then, &mut a, solves);
                let mut b = env.clone();
                self.path = Some(p_else);
                self.run(otherwise, &mut b, solves);
                self.path = outer;
                let keys: BTreeSet<VarId> =
                    a.values.keys().chain(b.values.keys()).copied().collect();
                for k in keys {
                    let (x, y) = (a.get(&mut self.ar, k), b.get(&mut self.ar, k));
                    let merged = if x == y { x } else { self.ar.select(c, x, y) };
                    env.values.insert(k, merged);
                }
            }
            StmtKind::Solve { block, method } => match (solves, method) {
                (Solves::Skip, _) => {}
                (Solves::Inline, SolveMethod::Direct) => {
                    let body = &self.m.block(*block).body;
                    self.run(body, env, solves);
                }
                (Solves::Inline, method) => {
                    self.unsupported(s, &format!("SOLVE ... {} here", method.nmodl()))
                }
            },
            StmtKind::While { .. } => self.unsupported(s, "while loop"),
            StmtKind::Loop { .. } => {
                self.unsupported_loop(s, "FROM loop with bounds known only at run time")
            }
            StmtKind::TableRead { .. } => self.unsupported_loop(s, "a FUNCTION_TABLE"),
            StmtKind::VectorRead { .. } => {
                self.unsupported_loop(s, "a read of the instance's vector")
            }
            StmtKind::GetElement { array, .. } | StmtKind::SetElement { array, .. } => {
                let name = &self.m.array(*array).name;
                self.unsupported_loop(
                    s,
                    &format!("array element `{name}[...]` at an index known only at run time"),
                )
            }
            StmtKind::NetSend { delay, flag } => {
                let (a, b) = (self.substitute(*delay, env), self.substitute(*flag, env));
                self.emit(s, EmitKind::Send, a, b);
            }
            StmtKind::NetMove { time } => {
                let a = self.substitute(*time, env);
                let b = self.ar.num(0.0);
                self.emit(s, EmitKind::Move, a, b);
            }
            StmtKind::ForNetcons { .. } => {
                let zero = self.ar.num(0.0);
                self.emit(s, EmitKind::ForNetcons, zero, zero);
            }
            StmtKind::NetEvent { time } => {
                let a = self.substitute(*time, env);
                let b = self.ar.num(0.0);
                self.emit(s, EmitKind::Event, a, b);
            }
            StmtKind::Watch { cond, flag } => self.watch(s, *cond, *flag, env),
            StmtKind::Ode { .. }
            | StmtKind::Reaction { .. }
            | StmtKind::Flux { .. }
            | StmtKind::Conserve { .. }
            | StmtKind::Compartment { .. }
            | StmtKind::Equation { .. } => {
                self.diags.push(Diagnostic::error(
                    s.span,
                    "internal: an equation reached code generation before its solver pass",
                ));
            }
        }
    }

    /// The path conditions of the two branches of an if/else on `c`, within the current path.
    pub fn branch_paths(&mut self, c: ExprId) -> (ExprId, ExprId) {
        match self.path {
            None => {
                let not = self.ar.unary(crate::ir::UnOp::Not, c);
                (c, not)
            }
            Some(g) => {
                let zero = self.ar.num(0.0);
                (self.ar.select(c, g, zero), self.ar.select(c, zero, g))
            }
        }
    }

    /// Records an event statement, which must not sit in a loop of run-time bounds.
    pub fn emit(&mut self, s: &Stmt, kind: EmitKind, a: ExprId, b: ExprId) {
        self.emit_with(s, kind, a, b, None);
    }

    fn emit_with(&mut self, s: &Stmt, kind: EmitKind, a: ExprId, b: ExprId, above: Option<ExprId>) {
        if self.loops > 0 {
            let what = kind.name();
            self.unsupported(s, &format!("{what} inside a FROM loop of run-time bounds"));
            return;
        }
        self.emits.push(Emit {
            kind,
            cond: self.path,
            a,
            b,
            above,
            span: s.span,
        });
    }

    /// `WATCH (cond) flag`: the condition becomes a value positive where it holds (NEURON
    /// accepts only a comparison there), recorded once in [`Exec::watches`]; the statement
    /// arms it with its flag and its value at this point.
    fn watch(&mut self, s: &Stmt, cond: ExprId, flag: ExprId, env: &Env) {
        use crate::ir::BinOp;
        let value = match self.ar.get(cond) {
            Expr::Binary(BinOp::Gt | BinOp::Ge, a, b) => self.ar.binary(BinOp::Sub, a, b),
            Expr::Binary(BinOp::Lt | BinOp::Le, a, b) => self.ar.binary(BinOp::Sub, b, a),
            _ => {
                self.diags.push(
                    Diagnostic::error(s.span, "unsupported construct: WATCH condition")
                        .with_label("not a comparison")
                        .with_note(
                            "NEURON's WATCH takes a comparison, `(a > b)` or `(a < b)`, whose \
                             sides it compares after each step",
                        ),
                );
                return;
            }
        };
        let index = match self.watches.iter().position(|w| w.span == s.span) {
            Some(i) => i,
            None => {
                self.watches.push(WatchCond {
                    value,
                    span: s.span,
                });
                self.watches.len() - 1
            }
        };
        let a = self.ar.num(index as f64);
        let b = self.substitute(flag, env);
        let above = self.substitute(value, env);
        self.emit_with(s, EmitKind::Watch, a, b, Some(above));
    }

    fn unsupported(&mut self, s: &Stmt, what: &str) {
        self.diags.push(
            Diagnostic::error(s.span, format!("unsupported construct: {what}"))
                .with_label(format!("{what} is not supported"))
                .with_note("the runtime's mechanism interface has no such call"),
        );
    }

    fn unsupported_loop(&mut self, s: &Stmt, what: &str) {
        self.diags.push(
            Diagnostic::error(s.span, format!("unsupported construct: {what}"))
                .with_label(format!("{what} is not supported by the kernel plans yet"))
                .with_note(
                    "the IR, the passes and the interpreter run it; the kernel plans every \
                     executable back end consumes are straight-line code (docs/DESIGN.md, \
                     \"Loops and arrays indexed at run time\")",
                ),
        );
    }

    /// `e` with every variable replaced by its value in `env`, rebuilt node for node without
    /// simplification.
    pub fn substitute(&mut self, e: ExprId, env: &Env) -> ExprId {
        if env.values.is_empty() {
            return e;
        }
        let ar = &mut self.ar;
        let order = ar.reachable(&[e]);
        let mut map: HashMap<ExprId, ExprId> = HashMap::with_capacity(order.len());
        for id in order {
            let node = ar.get(id);
            let new = match node {
                Expr::Num(_) => id,
                Expr::Var(v) => env.values.get(&v).copied().unwrap_or(id),
                node => super::reduce::rebuild(ar, node, &map),
            };
            map.insert(id, new);
        }
        map[&e]
    }
}
