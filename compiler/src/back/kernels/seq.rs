//! Sequential kernel bodies: symbolic execution that emits items in program order where a
//! block holds FROM loops with run-time bounds or arrays indexed at run time
//! (docs/DESIGN.md, "Loops and arrays indexed at run time").
//!
//! Straight-line statements are executed symbolically as everywhere else ([`Exec`]); a loop,
//! and a run-time element access, become items ([`Item::LoopStart`], [`Item::Set`],
//! [`Item::GetElement`], ...) in the order the statements run them. Every expression an item
//! reads denotes the values at the item's position:
//!
//! - a variable of the module is its value at the start of the kernel (it is loaded first);
//! - a temporary bound by [`Item::Let`] or [`Item::GetElement`] never changes;
//! - a loop's slots ([`Item::Set`]) are read only inside that loop, before the assignments that
//!   end an iteration; after the loop, each slot is copied into a new temporary.
//!
//! An array indexed at run time lives in a local array of the kernel. Its elements are copied in
//! from their values (`x[2]` is an ordinary variable) before the first run-time access, and read
//! back after the last, so that code reading an element at a constant index, and the stores of
//! ASSIGNED and STATE elements, see what the loops wrote.

use std::collections::{BTreeSet, HashMap};

use super::exec::{Env, Exec, Solves};
use super::{Item, TempKind};
use crate::diag::Diagnostic;
use crate::ir::{
    ArrayId, ExprId, SolveMethod, Stmt, StmtKind, TempId, VarId, VarKind, assigned_vars,
    indexed_arrays,
};

/// The fewest zeros copied into a local array that one loop writes rather than one item each.
const ZERO_LOOP_MIN: usize = 16;

/// Whether the value `v` of the array element `e` is zero: the constant, or a LOCAL (or
/// tangent) never assigned, which every back end reads as zero.
fn is_zero(ex: &mut Exec, e: VarId, v: ExprId) -> bool {
    ex.ar.as_num(v) == Some(0.0)
        || (v == ex.ar.var(e) && matches!(ex.m.var(e).kind, VarKind::Local | VarKind::Tangent(_)))
}

/// The items of a sequential body and the temporaries they bind.
#[derive(Clone, Debug, Default)]
pub struct Seq {
    /// The items, in program order.
    pub items: Vec<Item>,
    /// The temporaries, indexed by [`TempId`].
    pub temps: Vec<TempKind>,
    /// Per array indexed at run time: whether the local array holds the truth (its elements'
    /// values in the environment are stale), and the values it is known to hold.
    arrays: HashMap<ArrayId, Local>,
    /// The condition under which the statements being run execute (inside if/else), if any.
    guard: Option<ExprId>,
    /// How deep in loops and branches the statements being run are.
    depth: usize,
    /// The running number of the current loop iteration, counted over every iteration of every
    /// loop that draws random numbers in this kernel call (the key of those draws); `None` before
    /// the first such loop.
    iteration: Option<ExprId>,
}

#[derive(Clone, Debug, Default)]
struct Local {
    live: bool,
    known: Option<Vec<ExprId>>,
}

impl Exec<'_> {
    /// Runs `stmts` from `env` as [`Exec::run`] does, unless they hold loops or run-time
    /// element accesses: then in program order, returning the items emitted ([`Seq`]), with the
    /// arrays read back into their elements at the end.
    pub fn run_block(&mut self, stmts: &[Stmt], env: &mut Env, solves: Solves) -> Option<Seq> {
        if !needs_seq(self.m, stmts, solves) {
            self.run(stmts, env, solves);
            return None;
        }
        let mut seq = Seq::default();
        seq.run(self, stmts, env, solves);
        seq.finish(self, env);
        Some(seq)
    }
}

/// Whether `stmts` (and the blocks their SOLVEs run directly) hold a FROM loop with run-time
/// bounds or an array element at a run-time index.
pub fn needs_seq(m: &crate::ir::Module, stmts: &[Stmt], solves: Solves) -> bool {
    let mut found = false;
    for s in stmts {
        s.for_each_stmt(&mut |t| match t.kind {
            StmtKind::Loop { .. }
            | StmtKind::While { .. }
            | StmtKind::GetElement { .. }
            | StmtKind::SetElement { .. }
            | StmtKind::TableRead { .. }
            | StmtKind::VectorRead { .. } => found = true,
            StmtKind::Solve {
                block,
                method: SolveMethod::Direct,
            } if solves == Solves::Inline => {
                found |= needs_seq(m, &m.block(block).body, solves);
            }
            _ => {}
        });
    }
    found
}

/// Whether a statement (or one nested in it) is a loop or a run-time element access.
fn imperative(s: &Stmt) -> bool {
    let mut found = false;
    s.for_each_stmt(&mut |t| {
        found |= matches!(
            t.kind,
            StmtKind::Loop { .. }
                | StmtKind::While { .. }
                | StmtKind::GetElement { .. }
                | StmtKind::SetElement { .. }
                | StmtKind::TableRead { .. }
                | StmtKind::VectorRead { .. }
        )
    });
    found
}

impl Seq {
    /// The arrays the items index, in id order.
    pub fn arrays(&self) -> Vec<ArrayId> {
        let mut out: Vec<ArrayId> = self.arrays.keys().copied().collect();
        out.sort_unstable();
        out
    }

    fn temp(&mut self) -> TempId {
        self.temps.push(TempKind::Shared);
        TempId(self.temps.len() as u32 - 1)
    }

    /// Makes the local array of `a` hold the truth, copying in the elements whose values it is
    /// not known to hold.
    fn sync(&mut self, ex: &mut Exec, env: &Env, a: ArrayId) {
        let local = self.arrays.entry(a).or_default().clone();
        if local.live {
            return;
        }
        let elems = ex.m.array(a).elems.clone();
        let values: Vec<ExprId> = elems.iter().map(|&e| env.get(&mut ex.ar, e)).collect();
        let stale: Vec<usize> = (0..elems.len())
            .filter(|&i| local.known.as_ref().map(|k| k[i]) != Some(values[i]))
            .collect();
        // Zeros are written by one loop where they are many (the matrix of Newton's method kept
        // as loops, and the tangent arrays, start so), so that the code stays linear.
        let zeros: Vec<usize> = stale
            .iter()
            .copied()
            .filter(|&i| is_zero(ex, elems[i], values[i]))
            .collect();
        let zeroed = zeros.len() >= ZERO_LOOP_MIN;
        if zeroed {
            let counter = self.temp();
            let (from, to) = (ex.ar.num(0.0), ex.ar.num((elems.len() - 1) as f64));
            self.items.push(Item::LoopStart { counter, from, to });
            let (index, value) = (ex.ar.temp(counter), ex.ar.num(0.0));
            self.items.push(Item::SetElement {
                array: a,
                index,
                value,
            });
            self.items.push(Item::LoopEnd);
        }
        for i in stale {
            if !(zeroed && zeros.binary_search(&i).is_ok()) {
                let (index, v) = (ex.ar.num(i as f64), values[i]);
                self.items.push(Item::SetElement {
                    array: a,
                    index,
                    value: v,
                });
            }
        }
        self.arrays.insert(
            a,
            Local {
                live: true,
                known: Some(values),
            },
        );
    }

    /// Reads the local array of `a` back into its elements' values.
    fn read_back(&mut self, ex: &mut Exec, env: &mut Env, a: ArrayId) {
        if !self.arrays.get(&a).is_some_and(|l| l.live) {
            return;
        }
        let elems = ex.m.array(a).elems.clone();
        let mut values = Vec::with_capacity(elems.len());
        for (i, &e) in elems.iter().enumerate() {
            let t = self.temp();
            let index = ex.ar.num(i as f64);
            self.items.push(Item::GetElement {
                var: t,
                array: a,
                index,
            });
            let v = ex.ar.temp(t);
            env.values.insert(e, v);
            values.push(v);
        }
        self.arrays.insert(
            a,
            Local {
                live: false,
                known: Some(values),
            },
        );
    }

    /// Reads back every array whose elements are stored (ASSIGNED, STATE or PARAMETER elements),
    /// at the end of a kernel.
    pub fn finish(&mut self, ex: &mut Exec, env: &mut Env) {
        for a in self.arrays() {
            let stored = ex.m.array(a).elems.iter().any(|&e| {
                matches!(
                    ex.m.var(e).kind,
                    VarKind::Assigned | VarKind::State | VarKind::Parameter
                )
            });
            if stored {
                self.read_back(ex, env, a);
            }
        }
    }

    /// Runs `stmts` from `env`, emitting items.
    pub fn run(&mut self, ex: &mut Exec, stmts: &[Stmt], env: &mut Env, solves: Solves) {
        for s in stmts {
            self.stmt(ex, s, env, solves);
        }
    }

    /// The live arrays one of whose elements `s` names as a variable (a constant index).
    fn touched_live(&self, ex: &Exec, s: &Stmt) -> Vec<ArrayId> {
        let mut vars: BTreeSet<VarId> = assigned_vars(std::slice::from_ref(s));
        s.for_each_expr(&mut |e| vars.extend(crate::sym::free_vars(&ex.ar, e)));
        self.arrays()
            .into_iter()
            .filter(|a| self.arrays[a].live)
            .filter(|&a| ex.m.array(a).elems.iter().any(|e| vars.contains(e)))
            .collect()
    }

    fn unsupported(ex: &mut Exec, s: &Stmt, what: &str) {
        ex.diags.push(
            Diagnostic::error(s.span, format!("unsupported construct: {what}"))
                .with_label(format!("{what} is not supported"))
                .with_note(
                    "docs/DESIGN.md, \"Loops and arrays indexed at run time\", says what the \
                     kernel plans run",
                ),
        );
    }

    fn stmt(&mut self, ex: &mut Exec, s: &Stmt, env: &mut Env, solves: Solves) {
        // Code that reads or writes an element at a constant index sees the local array.
        for a in self.touched_live(ex, s) {
            if self.depth > 0 {
                let name = ex.m.array(a).name.clone();
                Self::unsupported(
                    ex,
                    s,
                    &format!(
                        "array `{name}` indexed at a constant index inside a loop or branch \
                         that also indexes it at run time"
                    ),
                );
                return;
            }
            self.read_back(ex, env, a);
        }
        match &s.kind {
            StmtKind::Solve {
                block,
                method: SolveMethod::Direct,
            } if solves == Solves::Inline => {
                let body = ex.m.block(*block).body.clone();
                self.run(ex, &body, env, solves);
            }
            _ if !imperative(s) => ex.stmt(s, env, solves),
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = ex.substitute(*cond, env);
                if let Some(x) = ex.ar.as_num(c) {
                    let taken = if x != 0.0 { then } else { otherwise };
                    self.run(ex, taken, env, solves);
                    return;
                }
                let mut both = then.clone();
                both.extend(otherwise.iter().cloned());
                for a in indexed_arrays(&both) {
                    self.sync(ex, env, a);
                }
                let zero = ex.ar.num(0.0);
                let outer = self.guard;
                let (g_then, g_else) = match outer {
                    None => {
                        let not = ex.ar.unary(crate::ir::UnOp::Not, c);
                        (c, not)
                    }
                    Some(g) => (ex.ar.select(c, g, zero), ex.ar.select(c, zero, g)),
                };
                self.depth += 1;
                let outer_path = ex.path;
                let mut a = env.clone();
                self.guard = Some(g_then);
                ex.path = Some(g_then);
                self.run(ex, then, &mut a, solves);
                let mut b = env.clone();
                self.guard = Some(g_else);
                ex.path = Some(g_else);
                self.run(ex, otherwise, &mut b, solves);
                self.guard = outer;
                ex.path = outer_path;
                self.depth -= 1;
                let keys: BTreeSet<VarId> =
                    a.values.keys().chain(b.values.keys()).copied().collect();
                for k in keys {
                    let (x, y) = (a.get(&mut ex.ar, k), b.get(&mut ex.ar, k));
                    let merged = if x == y { x } else { ex.ar.select(c, x, y) };
                    env.values.insert(k, merged);
                }
            }
            StmtKind::Loop {
                var,
                from,
                to,
                body,
            } => {
                let head = Head::Count {
                    var: *var,
                    from: *from,
                    to: *to,
                };
                self.looped(ex, head, body, env, solves)
            }
            StmtKind::While { cond, body } => {
                self.looped(ex, Head::While { cond: *cond }, body, env, solves)
            }
            StmtKind::GetElement { var, array, index } => {
                self.sync(ex, env, *array);
                let index = ex.substitute(*index, env);
                let t = self.temp();
                self.items.push(Item::GetElement {
                    var: t,
                    array: *array,
                    index,
                });
                let v = ex.ar.temp(t);
                env.values.insert(*var, v);
            }
            StmtKind::TableRead {
                var,
                table,
                arg,
                slope,
            } => {
                let arg = ex.substitute(*arg, env);
                let t = self.temp();
                self.items.push(Item::TableRead {
                    var: t,
                    table: *table,
                    arg,
                    slope: *slope,
                });
                let v = ex.ar.temp(t);
                env.values.insert(*var, v);
            }
            StmtKind::VectorRead { var, index } => {
                let index = index.map(|i| ex.substitute(i, env));
                let t = self.temp();
                self.items.push(Item::VectorRead { var: t, index });
                let v = ex.ar.temp(t);
                env.values.insert(*var, v);
            }
            StmtKind::SetElement {
                array,
                index,
                value,
            } => {
                self.sync(ex, env, *array);
                let mut index = ex.substitute(*index, env);
                let mut value = ex.substitute(*value, env);
                if let Some(g) = self.guard {
                    // Under a condition the element is written with its own value where the
                    // condition fails, at index 0, so that an index out of range faults only
                    // where the statement runs.
                    let zero = ex.ar.num(0.0);
                    index = ex.ar.select(g, index, zero);
                    let t = self.temp();
                    self.items.push(Item::GetElement {
                        var: t,
                        array: *array,
                        index,
                    });
                    let old = ex.ar.temp(t);
                    value = ex.ar.select(g, value, old);
                }
                self.items.push(Item::SetElement {
                    array: *array,
                    index,
                    value,
                });
                if let Some(l) = self.arrays.get_mut(array) {
                    l.known = None;
                }
            }
            _ => ex.stmt(s, env, solves),
        }
    }

    /// A FROM loop or a while loop: the variables its body assigns live in slots across
    /// iterations, and are copied into temporaries after it.
    fn looped(&mut self, ex: &mut Exec, head: Head, body: &[Stmt], env: &mut Env, solves: Solves) {
        let arrays = indexed_arrays(body);
        for &a in &arrays {
            self.sync(ex, env, a);
        }
        let mut carried: Vec<VarId> = assigned_vars(body).into_iter().collect();
        let (from, to) = match head {
            Head::Count { var, from, to } => {
                if !carried.contains(&var) {
                    carried.push(var);
                }
                let from = ex.substitute(from, env);
                let mut to = ex.substitute(to, env);
                if let Some(g) = self.guard {
                    // Under a condition that fails, the loop runs no iteration.
                    let one = ex.ar.num(1.0);
                    let none = ex.ar.binary(crate::ir::BinOp::Sub, from, one);
                    to = ex.ar.select(g, to, none);
                }
                (from, to)
            }
            // A while loop counts without bound; its condition ends it.
            Head::While { .. } => (ex.ar.num(0.0), ex.ar.num(f64::INFINITY)),
        };
        // A loop that reads random variables draws them anew in each iteration, keyed by a count
        // of iterations that runs on over every such loop of the call.
        let cond = match head {
            Head::While { cond } => Some(cond),
            Head::Count { .. } => None,
        };
        let randoms = random_vars(ex, body, cond);
        let count = (!randoms.is_empty()).then(|| {
            let slot = self.temp();
            let start = self.iteration.unwrap_or_else(|| ex.ar.num(0.0));
            self.items.push(Item::Set {
                var: slot,
                value: start,
            });
            slot
        });
        let counter = self.temp();
        let mut slots = Vec::with_capacity(carried.len());
        for &v in &carried {
            let slot = self.temp();
            let value = env.get(&mut ex.ar, v);
            self.items.push(Item::Set { var: slot, value });
            slots.push(slot);
        }
        self.items.push(Item::LoopStart { counter, from, to });
        let mut inner = env.clone();
        for (&v, &slot) in carried.iter().zip(&slots) {
            let x = ex.ar.temp(slot);
            inner.values.insert(v, x);
        }
        match head {
            Head::Count { var, .. } => {
                let c = ex.ar.temp(counter);
                inner.values.insert(var, c);
            }
            Head::While { .. } => {}
        }
        if let Some(slot) = count {
            let (current, one) = (ex.ar.temp(slot), ex.ar.num(1.0));
            let next = ex.ar.binary(crate::ir::BinOp::Add, current, one);
            self.items.push(Item::Set {
                var: slot,
                value: next,
            });
            self.iteration = Some(current);
            for &(v, draw) in &randoms {
                let t = self.temp();
                self.items.push(Item::Draw {
                    var: t,
                    draw,
                    iteration: current,
                });
                let x = ex.ar.temp(t);
                inner.values.insert(v, x);
            }
        }
        if let Some(cond) = cond {
            // The condition, from the values the previous iteration left (and this iteration's
            // draws); under a condition that fails, the loop runs no iteration.
            let mut cond = ex.substitute(cond, &inner);
            if let Some(g) = self.guard {
                let zero = ex.ar.num(0.0);
                cond = ex.ar.select(g, cond, zero);
            }
            self.items.push(Item::ExitUnless { cond });
        }
        let guard = self.guard.take();
        self.depth += 1;
        ex.loops += 1;
        self.run(ex, body, &mut inner, solves);
        ex.loops -= 1;
        self.depth -= 1;
        self.guard = guard;
        // The values an iteration leaves, all computed before any slot changes.
        let mut next = Vec::new();
        for (&v, &slot) in carried.iter().zip(&slots) {
            let value = inner.get(&mut ex.ar, v);
            if value == ex.ar.temp(slot) {
                continue;
            }
            let t = self.temp();
            self.items.push(Item::Let { var: t, value });
            next.push((slot, t));
        }
        // The count goes on from where the loops nested in this one left it.
        if let (Some(slot), Some(value)) = (count, self.iteration)
            && value != ex.ar.temp(slot)
        {
            let t = self.temp();
            self.items.push(Item::Let { var: t, value });
            next.push((slot, t));
        }
        for (slot, t) in next {
            let value = ex.ar.temp(t);
            self.items.push(Item::Set { var: slot, value });
        }
        self.items.push(Item::LoopEnd);
        for (&v, &slot) in carried.iter().zip(&slots) {
            let t = self.temp();
            let value = ex.ar.temp(slot);
            self.items.push(Item::Let { var: t, value });
            let x = ex.ar.temp(t);
            env.values.insert(v, x);
        }
        if let Some(slot) = count {
            let t = self.temp();
            let value = ex.ar.temp(slot);
            self.items.push(Item::Let { var: t, value });
            self.iteration = Some(ex.ar.temp(t));
        }
    }
}

/// The random variables `body` and a while loop's `cond` read (nested statements included), with
/// their draws.
fn random_vars(ex: &Exec, body: &[Stmt], cond: Option<ExprId>) -> Vec<(VarId, crate::ir::Draw)> {
    let mut vars: BTreeSet<VarId> = cond
        .map(|c| crate::sym::free_vars(&ex.ar, c))
        .unwrap_or_default()
        .into_iter()
        .collect();
    for s in body {
        s.for_each_expr(&mut |e| vars.extend(crate::sym::free_vars(&ex.ar, e)));
    }
    vars.into_iter()
        .filter_map(|v| match ex.m.var(v).kind {
            VarKind::Random(d) => Some((v, d)),
            _ => None,
        })
        .collect()
}

/// How a loop runs: a FROM loop's counter and bounds, or a while loop's condition.
#[derive(Clone, Copy)]
enum Head {
    Count {
        var: VarId,
        from: ExprId,
        to: ExprId,
    },
    While {
        cond: ExprId,
    },
}
