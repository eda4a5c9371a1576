//! A kernel plan flattened into register code.
//!
//! Every expression of a [`Body`] becomes a sequence of single operations over registers. A
//! register is an array of [`LANES`] values, one per instance of a chunk: the evaluator runs
//! each operation over a whole chunk at once, so the cost of dispatching an operation is paid
//! once per chunk, not once per instance. Registers are allocated by a linear scan: constants
//! and the values of the per-call part are pinned, per-instance values live until their last
//! use (to the end of the chunk when a per-direction operation reads them), and a destination
//! never shares a register with an operand, so every operation reads and writes disjoint
//! arrays.
//!
//! The operations and their order are those of the plan, so a kernel computes, value for value,
//! what the Rust back end's printed kernel computes.

use std::collections::HashMap;

use gradmod_compiler::back::kernels::{Body, Item, Sink, Source, guard};
use gradmod_compiler::ir::{ArrayId, BinOp, Expr, ExprArena, ExprId, IonRole, TempId, VarId};
use gradmod_compiler::sym::eval::{constant_exponent, is_int_exponent};

/// Instances per chunk: the length of every register.
pub const LANES: usize = 32;

pub use crate::op::{Op, Reg};

/// One kernel as register code.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    /// Operations run once per call (on one lane, then broadcast to every lane).
    pub pre: Vec<Op>,
    /// Operations run once per chunk of instances.
    pub outer: Vec<Op>,
    /// Operations run once per chunk and tangent direction.
    pub inner: Vec<Op>,
    /// Operations run once per chunk and tangent direction instead of [`Program::inner`] for a
    /// direction that moves no parameter of the mechanism (its seeds are all zero): the plan's
    /// [`Body::unseeded`]. They read only what the per-call and per-instance parts computed and
    /// their own results, never what `inner` computed.
    pub unseeded: Option<Vec<Op>>,
    /// The tails of [`Program::inner`] and [`Program::unseeded`] that only the tangent columns
    /// of ion currents need, which the runtime keeps only where a mechanism reads the current.
    /// Their stores test the column themselves, so running a tail regardless is correct (the
    /// evaluator does); the JIT branches around it.
    pub guards: [Option<Guard>; 2],
    /// The registers [`Program::pre`] writes, broadcast after it runs.
    pub pre_regs: Vec<Reg>,
    /// Constants: the caller fills each register with its value in every lane before the
    /// kernel runs (the evaluator never writes them).
    pub constants: Vec<(Reg, f64)>,
    /// The number of registers.
    pub registers: usize,
    /// Whether the kernel must run one instance at a time: a point process whose instances may
    /// share a CV and that reads an ion array it also writes, so that each instance sees what
    /// the earlier ones stored, as in a loop over instances.
    pub serial: bool,
    /// Whether the kernel has loops and local arrays ([`Op::is_sequential`]): it runs one
    /// instance at a time, its operations in order with jumps, and its registers are never
    /// shared (a loop's body runs more than once).
    pub sequential: bool,
}

/// Where the tail of a per-direction part that only ion current tangent columns need starts,
/// and the ion slots of those columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Guard {
    /// The index of the tail's first operation.
    pub from: usize,
    /// The ion slots whose current tangent columns the tail accumulates into.
    pub slots: Vec<usize>,
}

impl Program {
    /// Whether the kernel does nothing.
    pub fn is_empty(&self) -> bool {
        self.outer.is_empty()
            && self.inner.is_empty()
            && self.unseeded.as_ref().is_none_or(Vec::is_empty)
    }

    /// The per-direction operations for direction k: [`Program::unseeded`] where there is such a
    /// part and `seeded` (k moves a parameter of the mechanism) is false, else
    /// [`Program::inner`].
    pub fn per_direction(&self, seeded: bool) -> &[Op] {
        match &self.unseeded {
            Some(ops) if !seeded => ops,
            _ => &self.inner,
        }
    }

    /// Every operation: the per-call part, the per-instance part, then the per-direction parts.
    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.pre
            .iter()
            .chain(&self.outer)
            .chain(&self.inner)
            .chain(self.unseeded.iter().flatten())
    }

    /// Renames every register `r` to `f(r)`.
    pub fn rename(&mut self, f: &dyn Fn(Reg) -> Reg) {
        for op in self
            .pre
            .iter_mut()
            .chain(&mut self.outer)
            .chain(&mut self.inner)
            .chain(self.unseeded.iter_mut().flatten())
        {
            op.regs_mut().into_iter().for_each(|r| *r = f(*r));
        }
        for r in &mut self.pre_regs {
            *r = f(*r);
        }
        for (r, _) in &mut self.constants {
            *r = f(*r);
        }
    }
}

/// Flattens `body` (whose expressions live in `arena`) into register code. `point` tells
/// whether the mechanism is a point process.
pub fn compile(body: &Body, arena: &ExprArena, point: bool) -> Program {
    let mut b = Builder {
        arena,
        vars: HashMap::new(),
        temps: HashMap::new(),
        memo: HashMap::new(),
        constants: Vec::new(),
        next: 0,
        scopes: Vec::new(),
    };
    let mut sections: [Vec<Op>; 3] = Default::default();
    let mut guards: [Option<Guard>; 2] = Default::default();
    let mut after_outer = (HashMap::new(), HashMap::new(), HashMap::new());
    // The local arrays: consecutive registers, zeroed where the part holding the loops starts.
    let mut arrays = HashMap::new();
    for &(a, n) in &body.arrays {
        arrays.insert(a, (b.next, n as u32));
        b.next += n as Reg;
    }
    let array_part = if body.inner.is_empty() { 1 } else { 2 };
    for (section, items) in [&body.pre, &body.outer, &body.inner]
        .into_iter()
        .enumerate()
    {
        if section == 2 {
            after_outer = (b.vars.clone(), b.temps.clone(), b.memo.clone());
        }
        let mut ops = Vec::new();
        if section == array_part && !arrays.is_empty() {
            let zero = b.constant(0.0);
            for &(base, n) in arrays.values() {
                for r in base..base + n {
                    ops.push(Op::Copy { dst: r, src: zero });
                }
            }
        }
        let mut open: Vec<usize> = Vec::new();
        let split = (section == 2).then(|| guard::split(arena, items)).flatten();
        match &split {
            Some(g) => {
                for item in &g.common {
                    b.seq_item(item, &arrays, &mut open, &mut ops);
                }
                guards[0] = Some(Guard {
                    from: ops.len(),
                    slots: g.slots.clone(),
                });
                for item in &g.guarded {
                    b.seq_item(item, &arrays, &mut open, &mut ops);
                }
            }
            None => {
                for item in items {
                    b.seq_item(item, &arrays, &mut open, &mut ops);
                }
            }
        }
        sections[section] = ops;
    }
    // The specialised per-direction part runs instead of the general one: it starts from what
    // the per-instance part left, and computes again what it shares with the general part.
    let unseeded = body.unseeded.as_ref().map(|items| {
        (b.vars, b.temps, b.memo) = after_outer;
        let mut ops = Vec::new();
        match guard::split(arena, items) {
            Some(g) => {
                for item in &g.common {
                    b.item(item, &mut ops);
                }
                guards[1] = Some(Guard {
                    from: ops.len(),
                    slots: g.slots,
                });
                for item in &g.guarded {
                    b.item(item, &mut ops);
                }
            }
            None => {
                for item in items {
                    b.item(item, &mut ops);
                }
            }
        }
        ops
    });
    let [pre, outer, inner] = sections;
    let mut program = Program {
        pre,
        outer,
        inner,
        unseeded,
        guards,
        pre_regs: Vec::new(),
        constants: b.constants,
        registers: 0,
        serial: point && reads_what_it_writes(body),
        sequential: body.is_sequential(),
    };
    if program.sequential {
        // Every virtual register is its own: nothing to share across a loop's iterations.
        program.registers = b.next as usize;
        program.pre_regs = program.pre.iter().filter_map(Op::writes).collect();
    } else {
        allocate(&mut program, b.next);
    }
    program
}

/// Whether a body loads an ion array (or its tangent) that it also stores.
fn reads_what_it_writes(body: &Body) -> bool {
    let items = || {
        body.pre
            .iter()
            .chain(&body.outer)
            .chain(&body.inner)
            .chain(body.unseeded.iter().flatten())
    };
    let mut read: Vec<(bool, usize, IonRole)> = Vec::new();
    for item in items() {
        if let Item::Load { from, .. } = item {
            match *from {
                Source::Ion(s, r) => read.push((false, s, r)),
                Source::TanIon(s, r) => read.push((true, s, r)),
                _ => {}
            }
        }
    }
    items().any(|item| match item {
        Item::Store { sink, .. } => match *sink {
            Sink::FieldAndIon(_, s, r) | Sink::Ion(s, r) => read.contains(&(false, s, r)),
            Sink::SigmaAndTanIon(_, s, r) | Sink::TanIon(s, r) => read.contains(&(true, s, r)),
            _ => false,
        },
        _ => false,
    })
}

/// Builds register code with virtual registers, one per value.
struct Builder<'a> {
    arena: &'a ExprArena,
    /// The register holding each variable loaded.
    vars: HashMap<VarId, Reg>,
    /// The register holding each temporary bound.
    temps: HashMap<TempId, Reg>,
    /// The register holding each expression computed so far.
    memo: HashMap<ExprId, Reg>,
    constants: Vec<(Reg, f64)>,
    next: Reg,
    /// The memo as it was where each open loop started.
    scopes: Vec<HashMap<ExprId, Reg>>,
}

impl Builder<'_> {
    fn fresh(&mut self) -> Reg {
        self.next += 1;
        self.next - 1
    }

    fn item(&mut self, item: &Item, ops: &mut Vec<Op>) {
        match *item {
            Item::Load { var, from } => {
                let dst = match from {
                    Source::Const(x) => self.constant(x),
                    _ => {
                        let dst = self.fresh();
                        ops.push(Op::Load { dst, from });
                        dst
                    }
                };
                self.vars.insert(var, dst);
            }
            Item::Let { var, value } => {
                let r = self.expr(value, ops);
                self.temps.insert(var, r);
            }
            Item::Store { value, sink } => {
                let src = self.expr(value, ops);
                match sink {
                    // A coefficient bound once per instance: later values read its register.
                    Sink::Let(t) => {
                        self.temps.insert(t, src);
                    }
                    sink => ops.push(Op::Store { src, sink }),
                }
            }
            Item::Set { .. }
            | Item::LoopStart { .. }
            | Item::LoopEnd
            | Item::ExitUnless { .. }
            | Item::GetElement { .. }
            | Item::VectorRead { .. }
            | Item::Draw { .. }
            | Item::TableRead { .. }
            | Item::SetElement { .. } => unreachable!("handled by seq_item"),
        }
    }

    /// One item of a body that may be sequential: loops open and close (`open` holds the
    /// positions of the open loops' starts), and what the loop's body computes is forgotten
    /// after it (it is computed inside, and may never run).
    fn seq_item(
        &mut self,
        item: &Item,
        arrays: &HashMap<ArrayId, (Reg, u32)>,
        open: &mut Vec<usize>,
        ops: &mut Vec<Op>,
    ) {
        match *item {
            Item::Set { var, value } => {
                let src = self.expr(value, ops);
                let dst = match self.temps.get(&var) {
                    Some(&r) => r,
                    None => {
                        let r = self.fresh();
                        self.temps.insert(var, r);
                        r
                    }
                };
                if dst != src {
                    ops.push(Op::Copy { dst, src });
                }
            }
            Item::LoopStart { counter, from, to } => {
                let from = self.expr(from, ops);
                let to = self.expr(to, ops);
                let (c, last) = (self.fresh(), self.fresh());
                self.temps.insert(counter, c);
                open.push(ops.len());
                self.scopes.push(self.memo.clone());
                ops.push(Op::LoopStart {
                    counter: c,
                    last,
                    from,
                    to,
                    exit: 0,
                });
            }
            Item::LoopEnd => {
                let start = open.pop().expect("a loop end closes an open loop");
                let Op::LoopStart { counter, last, .. } = ops[start] else {
                    unreachable!("a loop's start is a LoopStart");
                };
                ops.push(Op::LoopEnd {
                    counter,
                    last,
                    body: start as u32 + 1,
                });
                let exit = ops.len() as u32;
                if let Op::LoopStart { exit: e, .. } = &mut ops[start] {
                    *e = exit;
                }
                // The exits of this loop's body are the ones not yet placed (a nested loop
                // placed its own when it closed).
                for op in &mut ops[start + 1..] {
                    if let Op::ExitUnless { exit: e, .. } = op
                        && *e == u32::MAX
                    {
                        *e = exit;
                    }
                }
                self.memo = self.scopes.pop().unwrap_or_default();
            }
            Item::ExitUnless { cond } => {
                let cond = self.expr(cond, ops);
                ops.push(Op::ExitUnless {
                    cond,
                    exit: u32::MAX,
                });
            }
            Item::GetElement { var, array, index } => {
                let (base, len) = arrays[&array];
                let index = self.expr(index, ops);
                let dst = self.fresh();
                ops.push(Op::GetElement {
                    dst,
                    base,
                    len,
                    index,
                });
                self.temps.insert(var, dst);
            }
            Item::VectorRead { var, index } => {
                let index = index.map(|i| self.expr(i, ops));
                let dst = self.fresh();
                ops.push(Op::VectorRead { dst, index });
                self.temps.insert(var, dst);
            }
            Item::TableRead {
                var,
                table,
                arg,
                slope,
            } => {
                let arg = self.expr(arg, ops);
                let dst = self.fresh();
                ops.push(Op::TableRead {
                    dst,
                    table: table as u32,
                    arg,
                    slope,
                });
                self.temps.insert(var, dst);
            }
            Item::Draw {
                var,
                draw,
                iteration,
            } => {
                let iteration = self.expr(iteration, ops);
                let dst = self.fresh();
                ops.push(Op::DrawAt {
                    dst,
                    draw,
                    iteration,
                });
                self.temps.insert(var, dst);
            }
            Item::SetElement {
                array,
                index,
                value,
            } => {
                let (base, len) = arrays[&array];
                let index = self.expr(index, ops);
                let src = self.expr(value, ops);
                ops.push(Op::SetElement {
                    base,
                    len,
                    index,
                    src,
                });
                // Values read from the array before are still what they were.
            }
            _ => self.item(item, ops),
        }
    }

    fn constant(&mut self, x: f64) -> Reg {
        let bits = if x == 0.0 { 0 } else { x.to_bits() };
        if let Some(&(r, _)) = self
            .constants
            .iter()
            .find(|(_, c)| (if *c == 0.0 { 0 } else { c.to_bits() }) == bits)
        {
            return r;
        }
        let r = self.fresh();
        self.constants.push((r, x));
        r
    }

    /// The register holding `e`, computing it (and its operands) where not yet computed.
    fn expr(&mut self, e: ExprId, ops: &mut Vec<Op>) -> Reg {
        if let Some(&r) = self.memo.get(&e) {
            return r;
        }
        let r = match self.arena.get(e) {
            Expr::Num(n) => self.constant(n.0),
            Expr::Var(v) => match self.vars.get(&v) {
                Some(&r) => r,
                // A variable no load names reads as 0, as a LOCAL read before it is assigned.
                None => self.constant(0.0),
            },
            // A plan binds every temporary before it reads it; one unbound would read as 0,
            // as a variable does.
            Expr::Temp(t) => match self.temps.get(&t) {
                Some(&r) => r,
                None => self.constant(0.0),
            },
            Expr::Unary(op, a) => {
                let a = self.expr(a, ops);
                let dst = self.fresh();
                ops.push(Op::Unary { op, dst, a });
                dst
            }
            Expr::Binary(BinOp::Pow, a, b)
                if constant_exponent(self.arena, b).is_some_and(is_int_exponent) =>
            {
                // The range check of `is_int_exponent` makes this cast exact.
                let n = constant_exponent(self.arena, b).unwrap_or(0.0) as i32;
                let a = self.expr(a, ops);
                let dst = self.fresh();
                ops.push(Op::Powi { dst, a, n });
                dst
            }
            Expr::Binary(op, a, b) => {
                let a = self.expr(a, ops);
                let b = self.expr(b, ops);
                let dst = self.fresh();
                ops.push(Op::Binary { op, dst, a, b });
                dst
            }
            Expr::Call(f, a) => {
                let a = self.expr(a, ops);
                let dst = self.fresh();
                ops.push(Op::Call { f, dst, a });
                dst
            }
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                let c = self.expr(cond, ops);
                let t = self.expr(then, ops);
                let o = self.expr(otherwise, ops);
                let dst = self.fresh();
                ops.push(Op::Select { dst, c, t, o });
                dst
            }
        };
        self.memo.insert(e, r);
        r
    }
}

/// Maps the `count` virtual registers of `p` onto as few physical registers as their lifetimes
/// allow.
fn allocate(p: &mut Program, count: Reg) {
    const PINNED: usize = usize::MAX;
    let (npre, nouter) = (p.pre.len(), p.outer.len());
    // The position after which each virtual register is dead; pinned ones never die.
    let mut last = vec![0usize; count as usize];
    for &(r, _) in &p.constants {
        last[r as usize] = PINNED;
    }
    // The two per-direction parts are laid out one after the other: each reads only its own
    // results and values of the earlier parts, which a read in either keeps to the end of the
    // chunk, so that a register is never shared between a value of the per-instance part and
    // one of either per-direction part.
    let ops: Vec<&Op> = p.ops().collect();
    for (pos, op) in ops.iter().enumerate() {
        if let Some(d) = op.writes() {
            if pos < npre {
                last[d as usize] = PINNED;
            } else if last[d as usize] != PINNED {
                last[d as usize] = pos;
            }
        }
        for r in op.reads() {
            let l = &mut last[r as usize];
            if *l == PINNED {
                continue;
            }
            // A per-instance value read once per direction lives to the end of the chunk.
            *l = if pos >= npre + nouter && *l < npre + nouter {
                PINNED
            } else {
                (*l).max(pos)
            };
        }
    }
    let mut phys: Vec<Option<Reg>> = vec![None; count as usize];
    let mut free: Vec<Reg> = Vec::new();
    let mut registers: Reg = 0;
    let mut take = |free: &mut Vec<Reg>| {
        free.pop().unwrap_or_else(|| {
            registers += 1;
            registers - 1
        })
    };
    for &(r, _) in &p.constants {
        phys[r as usize] = Some(take(&mut free));
    }
    for (pos, op) in ops.iter().enumerate() {
        if let Some(d) = op.writes() {
            phys[d as usize] = Some(take(&mut free));
        }
        let mut dead: Vec<Reg> = op
            .reads()
            .chain(op.writes())
            .filter(|&r| last[r as usize] == pos)
            .collect();
        dead.sort_unstable();
        dead.dedup();
        for r in dead {
            if let Some(x) = phys[r as usize] {
                free.push(x);
            }
        }
    }
    let map = |r: &mut Reg| *r = phys[*r as usize].unwrap_or(0);
    for op in p
        .pre
        .iter_mut()
        .chain(&mut p.outer)
        .chain(&mut p.inner)
        .chain(p.unseeded.iter_mut().flatten())
    {
        op.regs_mut().into_iter().for_each(map);
    }
    p.pre_regs = p.pre.iter().filter_map(Op::writes).collect();
    for (r, _) in &mut p.constants {
        map(r);
    }
    p.registers = registers as usize;
}
