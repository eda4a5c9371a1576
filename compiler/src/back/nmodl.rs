//! The NMODL back end: prints a module as NMODL text.
//!
//! This is the IR's text format. Its output parses and lowers back to the same IR (tested as a
//! round trip over every accepted file), and after the passes it is the readable form of update
//! maps and tangents that `gradmod audit` shows and `--emit-mod` writes.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write;

use crate::ir::{
    ArrayId, Block, BlockKind, Builtin, Dist, ExprId, MechKind, Module, Scope, SolveMethod, Stmt,
    StmtKind, Term, VarId, VarKind, Variable,
};

/// Prints `m` as a complete NMODL file.
pub fn print_module(m: &Module) -> String {
    let mut p = Printer::new(m);
    p.module();
    p.out
}

/// Prints one block of `m` (with its LOCAL declarations) as NMODL.
pub fn print_block(m: &Module, id: crate::ir::BlockId) -> String {
    let mut p = Printer::new(m);
    p.block(m.block(id), 0, None);
    p.out
}

/// Prints one expression of `m` in NMODL syntax.
pub fn print_expr(m: &Module, e: ExprId) -> String {
    crate::sym::to_nmodl(&m.exprs, e, &|v: VarId| var_text(m, v))
}

/// The name of the RANDOM variable the printed `random_*` calls draw from.
const RANDOM_VAR: &str = "gm_random";

/// The call a random variable other than white noise was lowered from, by the name lowering gave
/// it (the function's name, with `_1`, `_2`, ... for later call sites).
fn random_call(name: &str) -> Option<&'static str> {
    let base = match name.rsplit_once('_') {
        Some((b, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => b,
        _ => name,
    };
    Some(match base {
        "normrand" => "normrand(0, 1)",
        "exprand" => "exprand(1)",
        "scop_random" => "scop_random()",
        "unirand" => "unirand()",
        "random_uniform" => "random_uniform(gm_random)",
        "random_normal" => "random_normal(gm_random)",
        "random_negexp" => "random_negexp(gm_random)",
        _ => return None,
    })
}

/// How a variable is written in an expression: its name, or for a random draw other than white
/// noise the call that makes it (each call site is a stream of its own, as when it was lowered).
fn var_text(m: &Module, v: VarId) -> String {
    let var = m.var(v);
    match var.kind {
        VarKind::Random(d) if d.dist != Dist::WhiteNoise => random_call(&var.name).map_or_else(
            || match d.dist {
                Dist::Uniform => "scop_random()".to_string(),
                Dist::Normal => "normrand(0, 1)".to_string(),
                _ => "exprand(1)".to_string(),
            },
            str::to_string,
        ),
        _ => var.name.clone(),
    }
}

/// Whether block `b` reads a WHITE_NOISE variable (it is then solved by `METHOD stochastic`).
fn reads_white_noise(m: &Module, b: &Block) -> bool {
    let mut found = false;
    for s in &b.body {
        s.for_each_expr(&mut |e| {
            found |= m.exprs.reachable(&[e]).into_iter().any(|id| {
                matches!(m.exprs.get(id), crate::ir::Expr::Var(v)
                    if matches!(m.var(v).kind, VarKind::Random(d) if d.dist == Dist::WhiteNoise))
            });
        });
    }
    found
}

/// A test selecting the variables of one declaration block.
type VarFilter = fn(&Variable) -> bool;

struct Printer<'a> {
    m: &'a Module,
    /// The array and the index of every array element, from the module's array table.
    elements: HashMap<VarId, (ArrayId, usize)>,
    out: String,
}

impl<'a> Printer<'a> {
    fn new(m: &'a Module) -> Self {
        let elements = m
            .arrays
            .iter()
            .enumerate()
            .flat_map(|(a, array)| {
                let a = ArrayId(a as u32);
                array
                    .elems
                    .iter()
                    .enumerate()
                    .map(move |(i, &v)| (v, (a, i)))
            })
            .collect();
        Printer {
            m,
            elements,
            out: String::new(),
        }
    }

    /// The array `v` is an element of, and its index, if it is one.
    fn element(&self, v: VarId) -> Option<(ArrayId, usize)> {
        self.elements.get(&v).copied()
    }

    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn name(&self, v: VarId) -> &str {
        &self.m.var(v).name
    }

    /// Names for a list (RANGE, GLOBAL, LOCAL): an array once, by its base name, or with its size
    /// when `sized` (declarations).
    fn names_with(&self, vs: &[VarId], sized: bool) -> String {
        self.array_names(vs, sized).join(", ")
    }

    /// The names of `vs` with arrays collapsed: the elements of `x[3]` become `x` (or `x[3]`
    /// when `sized`), listed where the first of them is.
    fn array_names(&self, vs: &[VarId], sized: bool) -> Vec<String> {
        let mut seen: HashSet<ArrayId> = HashSet::new();
        let mut out = Vec::new();
        for &v in vs {
            let Some((a, _)) = self.element(v) else {
                out.push(self.m.var(v).name.clone());
                continue;
            };
            if !seen.insert(a) {
                continue;
            }
            let array = self.m.array(a);
            out.push(if sized {
                format!("{}[{}]", array.name, array.elems.len())
            } else {
                array.name.clone()
            });
        }
        out
    }

    fn names(&self, vs: &[VarId]) -> String {
        self.names_with(vs, false)
    }

    fn expr(&self, e: ExprId) -> String {
        print_expr(self.m, e)
    }

    fn module(&mut self) {
        let m = self.m;
        if let Some(title) = &m.title {
            self.line(0, &format!("TITLE {title}"));
            self.out.push('\n');
        }
        self.neuron_block();
        self.declarations();
        // INITIAL and BREAKPOINT first, as NEURON's translator wants the SOLVE statement before
        // the block it solves; the other blocks by name, an order that does not depend on the
        // order lowering made them in (reading the printed file may make them in another).
        let top: Vec<crate::ir::BlockId> =
            [m.initial, m.breakpoint].into_iter().flatten().collect();
        let mut rest: Vec<crate::ir::BlockId> = (0..m.blocks.len() as u32)
            .map(crate::ir::BlockId)
            .filter(|id| !top.contains(id))
            .collect();
        rest.sort_by(|a, b| m.block(*a).name.cmp(&m.block(*b).name));
        for id in top.iter().copied().chain(rest) {
            if m.net_receive.as_ref().is_some_and(|nr| {
                nr.body == id || nr.initial == Some(id) || nr.for_netcons == Some(id)
            }) {
                continue;
            }
            self.out.push('\n');
            self.block(m.block(id), 0, None);
        }
        if let Some(nr) = &m.net_receive {
            self.out.push('\n');
            let args = nr
                .args
                .iter()
                .map(|&a| with_unit(m.var(a)))
                .collect::<Vec<_>>()
                .join(", ");
            self.line(0, &format!("NET_RECEIVE({args}) {{"));
            let mut outer = nr.args.clone();
            outer.push(nr.flag);
            if let Some(init) = nr.initial {
                self.block(m.block(init), 1, Some(&outer));
            }
            let body = m.block(nr.body);
            self.block_body(body, 1, &outer);
            self.line(0, "}");
        }
    }

    fn neuron_block(&mut self) {
        let m = self.m;
        self.line(0, "NEURON {");
        let kw = match m.kind {
            MechKind::Density => "SUFFIX",
            MechKind::Point => "POINT_PROCESS",
            MechKind::Artificial => "ARTIFICIAL_CELL",
        };
        self.line(1, &format!("{kw} {}", m.name));
        if m.threadsafe {
            self.line(1, "THREADSAFE");
        }
        let ranvar = m
            .random_vars()
            .into_iter()
            .any(|v| random_call(&m.var(v).name).is_some_and(|c| c.contains(RANDOM_VAR)));
        if ranvar {
            self.line(1, &format!("RANDOM {RANDOM_VAR}"));
        }
        for ion in &m.ions {
            let mut text = format!("USEION {}", ion.species);
            if !ion.read.is_empty() {
                write!(text, " READ {}", self.names(&ion.read)).unwrap();
            }
            if !ion.write.is_empty() {
                write!(text, " WRITE {}", self.names(&ion.write)).unwrap();
            }
            if let Some(z) = ion.valence {
                write!(text, " VALENCE {}", fmt_num(z)).unwrap();
            }
            self.line(1, &text);
        }
        if !m.nonspecific.is_empty() {
            let kw = if m.electrode_current {
                "ELECTRODE_CURRENT"
            } else {
                "NONSPECIFIC_CURRENT"
            };
            self.line(1, &format!("{kw} {}", self.names(&m.nonspecific)));
        }
        if !m.pointers.is_empty() {
            self.line(1, &format!("POINTER {}", self.names(&m.pointers)));
        }
        let declared = |v: &Variable| {
            matches!(
                v.kind,
                VarKind::Parameter | VarKind::Assigned | VarKind::State
            )
        };
        let range: Vec<VarId> = m
            .var_ids()
            .filter(|&id| {
                let v = m.var(id);
                declared(v)
                    && v.scope == Scope::Range
                    && v.kind != VarKind::State
                    && self.element(id).is_none_or(|(_, i)| i == 0)
            })
            .collect();
        let mut range = range
            .into_iter()
            .filter(|&v| !m.nonspecific.contains(&v) && !m.pointers.contains(&v))
            .collect::<Vec<_>>();
        // In the order the declaration blocks below print them (PARAMETER before ASSIGNED), which
        // is the order that reading the printed file gives the variables: printing it again then
        // gives the same list.
        range.sort_by_key(|&v| m.var(v).kind != VarKind::Parameter);
        if !range.is_empty() {
            self.line(1, &format!("RANGE {}", self.names(&range)));
        }
        let global: Vec<VarId> = m.vars_where(|v| {
            declared(v) && v.scope == Scope::Global && v.kind != VarKind::Parameter
        });
        if !global.is_empty() {
            self.line(1, &format!("GLOBAL {}", self.names(&global)));
        }
        self.line(0, "}");
    }

    fn declarations(&mut self) {
        let m = self.m;
        let sections: [(&str, VarFilter); 4] = [
            ("PARAMETER", |v| {
                v.kind == VarKind::Parameter || v.kind == VarKind::Builtin(Builtin::Celsius)
            }),
            ("CONSTANT", |v| v.kind == VarKind::Constant),
            ("STATE", |v| v.kind == VarKind::State),
            ("ASSIGNED", |v| {
                matches!(
                    v.kind,
                    VarKind::Assigned | VarKind::Ion { .. } | VarKind::Tangent(_)
                ) || matches!(v.kind, VarKind::Builtin(b) if b != Builtin::Celsius)
            }),
        ];
        for t in &m.function_tables {
            let unit =
                |u: &Option<String>| u.as_ref().map(|u| format!(" ({u})")).unwrap_or_default();
            let args = if t.args == 0 {
                String::new()
            } else {
                format!("x{}", unit(&t.arg_unit))
            };
            self.out.push('\n');
            let text = format!("FUNCTION_TABLE {}({args}){}", t.name, unit(&t.unit));
            self.line(0, &text);
        }
        let white: Vec<VarId> =
            m.vars_where(|v| matches!(v.kind, VarKind::Random(d) if d.dist == Dist::WhiteNoise));
        if !white.is_empty() {
            self.out.push('\n');
            self.line(
                0,
                &format!("WHITE_NOISE {{ {} }}", self.names(&white).replace(',', "")),
            );
        }
        for (kw, pred) in sections {
            let vars = m.vars_where(pred);
            if vars.is_empty() {
                continue;
            }
            self.out.push('\n');
            self.line(0, &format!("{kw} {{"));
            for v in vars {
                let var = m.var(v);
                // An array is declared once, at its first element, with its size.
                if self.element(v).is_some_and(|(_, i)| i != 0) {
                    continue;
                }
                let mut text = match self.array_names(&[v], true).pop() {
                    Some(sized) => sized,
                    None => var.name.clone(),
                };
                if let Some(x) = var.value
                    && kw != "STATE"
                    && kw != "ASSIGNED"
                {
                    write!(text, " = {}", fmt_num(x)).unwrap();
                }
                if let Some(u) = &var.unit {
                    write!(text, " ({u})").unwrap();
                }
                if let Some((lo, hi)) = var.limits {
                    write!(text, " <{}, {}>", fmt_num(lo), fmt_num(hi)).unwrap();
                }
                self.line(1, &text);
            }
            self.line(0, "}");
        }
    }

    fn block(&mut self, block: &Block, indent: usize, outer_locals: Option<&[VarId]>) {
        let head = match block.kind {
            BlockKind::Initial | BlockKind::Breakpoint => block.kind.keyword().to_string(),
            BlockKind::Procedure => format!("PROCEDURE {}()", block.name),
            BlockKind::BeforeAfter => block.name.clone(),
            kind => format!("{} {}", kind.keyword(), block.name),
        };
        self.line(indent, &format!("{head} {{"));
        self.block_body(block, indent + 1, outer_locals.unwrap_or(&[]));
        self.line(indent, "}");
    }

    fn block_body(&mut self, block: &Block, indent: usize, outer_locals: &[VarId]) {
        let mut locals = BTreeSet::new();
        collect_locals(self.m, &block.body, &mut locals);
        let locals: Vec<VarId> = locals
            .into_iter()
            .filter(|v| !outer_locals.contains(v))
            .collect();
        if !locals.is_empty() {
            self.line(indent, &format!("LOCAL {}", self.names_with(&locals, true)));
        }
        self.stmts(&block.body, indent);
    }

    fn stmts(&mut self, stmts: &[Stmt], indent: usize) {
        for s in stmts {
            self.stmt(s, indent);
        }
    }

    fn terms(&self, terms: &[Term]) -> String {
        terms
            .iter()
            .map(|t| {
                if t.coef == 1 {
                    self.name(t.var).to_string()
                } else {
                    format!("{}{}", t.coef, self.name(t.var))
                }
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }

    fn stmt(&mut self, s: &Stmt, indent: usize) {
        let m = self.m;
        match &s.kind {
            StmtKind::Assign { var, value } => self.line(
                indent,
                &format!("{} = {}", self.name(*var), self.expr(*value)),
            ),
            StmtKind::Ode { state, rhs } => self.line(
                indent,
                &format!("{}' = {}", self.name(*state), self.expr(*rhs)),
            ),
            StmtKind::Reaction {
                lhs,
                rhs,
                forward,
                backward,
            } => {
                let text = match backward {
                    Some(b) => format!(
                        "~ {} <-> {} ({}, {})",
                        self.terms(lhs),
                        self.terms(rhs),
                        self.expr(*forward),
                        self.expr(*b)
                    ),
                    None => format!(
                        "~ {} -> {} ({})",
                        self.terms(lhs),
                        self.terms(rhs),
                        self.expr(*forward)
                    ),
                };
                self.line(indent, &text);
            }
            StmtKind::Flux { state, flux } => self.line(
                indent,
                &format!("~ {} << ({})", self.name(*state), self.expr(*flux)),
            ),
            StmtKind::Conserve { terms, total } => self.line(
                indent,
                &format!("CONSERVE {} = {}", self.terms(terms), self.expr(*total)),
            ),
            StmtKind::Compartment { volume, states } => {
                let names = states
                    .iter()
                    .map(|&v| self.name(v))
                    .collect::<Vec<_>>()
                    .join(" ");
                self.line(
                    indent,
                    &format!("COMPARTMENT {} {{ {names} }}", self.expr(*volume)),
                );
            }
            StmtKind::Equation { lhs, rhs } => self.line(
                indent,
                &format!("~ {} = {}", self.expr(*lhs), self.expr(*rhs)),
            ),
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.line(indent, &format!("if ({}) {{", self.expr(*cond)));
                self.stmts(then, indent + 1);
                if otherwise.is_empty() {
                    self.line(indent, "}");
                } else {
                    self.line(indent, "} else {");
                    self.stmts(otherwise, indent + 1);
                    self.line(indent, "}");
                }
            }
            StmtKind::While { cond, body } => {
                self.line(indent, &format!("while ({}) {{", self.expr(*cond)));
                self.stmts(body, indent + 1);
                self.line(indent, "}");
            }
            StmtKind::Loop {
                var,
                from,
                to,
                body,
            } => {
                let text = format!(
                    "FROM {} = {} TO {} {{",
                    self.name(*var),
                    self.expr(*from),
                    self.expr(*to)
                );
                self.line(indent, &text);
                self.stmts(body, indent + 1);
                self.line(indent, "}");
            }
            StmtKind::GetElement { var, array, index } => {
                let a = &m.array(*array).name;
                let text = format!("{} = {a}[{}]", self.name(*var), self.expr(*index));
                self.line(indent, &text);
            }
            StmtKind::TableRead {
                var,
                table,
                arg,
                slope,
            } => {
                let f = &m.function_tables[*table];
                let call = match (f.args, *slope) {
                    (0, _) => format!("{}()", f.name),
                    (_, false) => format!("{}({})", f.name, self.expr(*arg)),
                    // The slope has no NMODL spelling; the audit prints it so.
                    (_, true) => format!("{}_slope({})", f.name, self.expr(*arg)),
                };
                self.line(indent, &format!("{} = {call}", self.name(*var)));
            }
            StmtKind::VectorRead { var, index } => {
                let text = match index {
                    Some(i) => format!("{} = vector_element({})", self.name(*var), self.expr(*i)),
                    None => format!("{} = vector_size()", self.name(*var)),
                };
                self.line(indent, &text);
            }
            StmtKind::SetElement {
                array,
                index,
                value,
            } => {
                let a = &m.array(*array).name;
                let text = format!("{a}[{}] = {}", self.expr(*index), self.expr(*value));
                self.line(indent, &text);
            }
            StmtKind::Solve { block, method } => {
                let name = &m.block(*block).name;
                let text = match method {
                    SolveMethod::Direct => format!("SOLVE {name}"),
                    SolveMethod::Euler if reads_white_noise(m, m.block(*block)) => {
                        format!("SOLVE {name} METHOD stochastic")
                    }
                    _ => format!("SOLVE {name} {}", method.nmodl()),
                };
                self.line(indent, &text);
            }
            StmtKind::NetSend { delay, flag } => self.line(
                indent,
                &format!("net_send({}, {})", self.expr(*delay), self.expr(*flag)),
            ),
            StmtKind::ForNetcons { block } => {
                // The body's arguments are NET_RECEIVE's, by position.
                let Some(nr) = &m.net_receive else {
                    return;
                };
                let args = self.names_with(&nr.args, false);
                self.line(indent, &format!("FOR_NETCONS({args}) {{"));
                let mut outer = nr.args.clone();
                outer.push(nr.flag);
                self.block_body(m.block(*block), indent + 1, &outer);
                self.line(indent, "}");
            }
            StmtKind::NetEvent { time } => {
                self.line(indent, &format!("net_event({})", self.expr(*time)))
            }
            StmtKind::NetMove { time } => {
                self.line(indent, &format!("net_move({})", self.expr(*time)))
            }
            StmtKind::Watch { cond, flag } => self.line(
                indent,
                &format!("WATCH ({}) {}", self.expr(*cond), self.expr(*flag)),
            ),
        }
    }
}

fn with_unit(v: &Variable) -> String {
    match &v.unit {
        Some(u) => format!("{} ({u})", v.name),
        None => v.name.clone(),
    }
}

/// Formats a number so that it reads back as the same f64.
pub fn fmt_num(x: f64) -> String {
    let s = format!("{x:?}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// Collects every LOCAL variable a statement list assigns or reads.
fn collect_locals(m: &Module, stmts: &[Stmt], out: &mut BTreeSet<VarId>) {
    for s in stmts {
        s.for_each_stmt(&mut |s| {
            if let StmtKind::Assign { var, .. } = s.kind
                && m.var(var).kind == VarKind::Local
            {
                out.insert(var);
            }
        });
        s.for_each_expr(&mut |e| {
            for v in crate::sym::free_vars(&m.exprs, e) {
                if m.var(v).kind == VarKind::Local {
                    out.insert(v);
                }
            }
        });
    }
}
