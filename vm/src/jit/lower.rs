//! The lowering of one kernel's register code to Cranelift IR: the loops and the arithmetic.
//!
//! A kernel becomes one function `extern "C" fn(*const Frame)` that runs the per-call part
//! once, then for each instance j in `first..end` the per-instance part and, for each tangent
//! direction k below `ndir`, the per-direction part. The kernels that run every step first run
//! over blocks of four instances where the CPU allows (`lanes.rs`), then one instance at a time,
//! in order, for the rest; a point process that reads an ion array it also writes runs one
//! instance at a time throughout, so that it sees what the earlier instances stored, as the
//! evaluator's serial mode guarantees. Registers become SSA values (Cranelift allocates
//! machine registers and spills), not an array in memory.
//!
//! The operations are those of the program, in its order, with the semantics of
//! [`gradmod_compiler::sym::eval`] that the evaluator follows: IEEE arithmetic with no
//! contraction into fused multiply-adds (Cranelift never contracts), `powi` as the evaluator's
//! repeated squaring, and library functions called through the very libm symbols that Rust's
//! `f64` methods call. So the results are the evaluator's, and the generated Rust's, to the bit.
//! Loads and stores are in `memory.rs`.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F64, I64};
use cranelift_codegen::ir::{
    Block, FuncRef, InstBuilder, MemFlagsData, StackSlot, StackSlotData, StackSlotKind, Value,
};
use cranelift_frontend::FunctionBuilder;

use gradmod_compiler::ir::{BinOp, Func, UnOp};

use super::frame::{Base, bases};
use crate::program::{Guard, Op, Program};

/// Four lanes: two vectors of two f64.
pub(super) type Lanes = [Value; 2];

/// What a kernel that runs over lanes (`lanes.rs`) calls and uses.
#[derive(Clone, Copy)]
pub(super) struct LaneFuncs {
    /// `exp` of four lanes in place, `extern "C" fn(*mut [f64; 4])`, where the kernel calls exp.
    pub exp4: Option<FuncRef>,
    /// 32 bytes of stack for the four lanes passed to `exp4`.
    pub slot: StackSlot,
}

impl LaneFuncs {
    /// The lanes' set-up in the function `b` builds, with `exp4` declared in it where the
    /// kernel calls exp.
    pub fn new(b: &mut FunctionBuilder, exp4: Option<FuncRef>) -> Self {
        let slot =
            b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 32, 4));
        LaneFuncs { exp4, slot }
    }
}

/// The generator of one kernel's body.
pub(super) struct Gen<'a, 'f> {
    /// The function being built.
    pub b: &'a mut FunctionBuilder<'f>,
    /// The frame pointer, the function's parameter.
    pub frame: Value,
    /// Whether the kernel runs with tangents.
    pub tangent: bool,
    /// The values loaded from the frame in the entry block.
    pub bases: HashMap<Base, Value>,
    /// The library functions the kernel calls, declared in the function.
    pub funcs: HashMap<&'static str, FuncRef>,
    /// The constant pool: register r below its length holds `pool[r]`.
    pub pool: &'a [f64],
    /// The SSA value of each register written so far.
    pub regs: Vec<Option<Value>>,
    /// The current instance.
    pub j: Value,
    /// The current instance's CV, once loaded in the current block.
    pub cv: Option<Value>,
    /// The current instance's weight, once loaded in the current block.
    pub w: Option<Value>,
    /// The current direction.
    pub k: Value,
    /// Float constants by their bits, created where first used.
    pub consts: HashMap<u64, Value>,
    /// `k * ncv + cv` in the current block (`opt_level` none does no CSE of its own).
    pub tan_idx: Option<Value>,
    /// `k * nfields` in the current block.
    pub seed_row: Option<Value>,
    /// `(k * rows + row) * ni + j` in the current block, by the base of `rows` and the row.
    pub rows: HashMap<(Base, usize), Value>,
    /// What the kernel needs to run over lanes, where it does (see `lanes.rs`).
    pub lanes: Option<LaneFuncs>,
    /// Whether the operations being emitted are over lanes (in the loop over four instances).
    pub vector: bool,
    /// The lanes of each register written so far in the loop over lanes.
    pub vregs: Vec<Option<Lanes>>,
    /// Float constants over lanes by their bits, in the loop over lanes.
    pub vconsts: HashMap<u64, Value>,
    /// The CVs of the current four instances, once loaded in the current block.
    pub vcv: Option<[Value; 4]>,
    /// Whether the current four instances sit on consecutive CVs, once computed in the current
    /// block.
    pub vrun: Option<Value>,
    /// The weights of the current four instances, once loaded in the current block.
    pub vw: Option<Lanes>,
    /// `k * ncv` in the current block of the loop over lanes.
    pub koff: Option<Value>,
    /// Where the registers of a sequential program live (8 bytes each): its loops run a body
    /// more than once, so registers are memory rather than SSA values.
    pub mem: Option<StackSlot>,
    /// The open loops of a sequential program: the body and exit blocks, and the constants
    /// created before the loop (those created inside it do not dominate its exit).
    pub loops: Vec<(Block, Block, HashMap<u64, Value>)>,
}

/// The values a [`Gen`] caches for reuse, saved before a branch whose own values do not
/// dominate the code after it.
struct Snapshot {
    regs: Vec<Option<Value>>,
    vregs: Vec<Option<Lanes>>,
    consts: HashMap<u64, Value>,
    vconsts: HashMap<u64, Value>,
    per_instance: PerInstance,
    tan_idx: Option<Value>,
    seed_row: Option<Value>,
    rows: HashMap<(Base, usize), Value>,
    koff: Option<Value>,
}

/// The per-instance values of the loop over instances that the loop over directions may reuse.
#[derive(Clone, Copy)]
pub(super) struct PerInstance {
    cv: Option<Value>,
    w: Option<Value>,
    vcv: Option<[Value; 4]>,
    vrun: Option<Value>,
    vw: Option<Lanes>,
}

/// A register's value: one f64, or four lanes in two vectors of two.
#[derive(Clone, Copy)]
pub(super) enum Val {
    One(Value),
    Four(Lanes),
}

impl<'a, 'f> Gen<'a, 'f> {
    /// Generates `p` into `b`, whose function has the kernel signature: one pointer to a
    /// frame. `tangent` tells whether the kernel runs with tangents, `pool` is the mechanism's
    /// constant pool, `funcs` the library functions `p` calls (see `module::libm_used`).
    pub fn generate(
        b: &'a mut FunctionBuilder<'f>,
        p: &Program,
        tangent: bool,
        pool: &'a [f64],
        funcs: HashMap<&'static str, FuncRef>,
        lanes: Option<LaneFuncs>,
    ) {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let frame = b.block_params(entry)[0];
        let zero = b.ins().iconst(I64, 0);
        let mut g = Gen {
            b,
            frame,
            tangent,
            bases: HashMap::new(),
            funcs,
            pool,
            regs: vec![None; p.registers],
            j: zero,
            cv: None,
            w: None,
            k: zero,
            consts: HashMap::new(),
            tan_idx: None,
            seed_row: None,
            rows: HashMap::new(),
            lanes,
            vector: false,
            vregs: vec![None; p.registers],
            vconsts: HashMap::new(),
            vcv: None,
            vrun: None,
            vw: None,
            koff: None,
            mem: None,
            loops: Vec::new(),
        };
        if p.sequential {
            let size = u32::try_from(8 * p.registers.max(1)).unwrap_or(u32::MAX);
            let slot = StackSlotData::new(StackSlotKind::ExplicitSlot, size, 3);
            g.mem = Some(g.b.create_sized_stack_slot(slot));
        }
        // Every loop-invariant pointer and scalar, loaded once in the entry block.
        let mut need = vec![Base::First, Base::End];
        if !p.inner.is_empty() {
            need.push(Base::Ndir);
        }
        if p.unseeded.is_some() {
            need.push(Base::Seeded);
        }
        for op in p.ops() {
            bases(op, tangent, &mut need);
        }
        for base in need {
            g.base(base);
        }
        // The per-call part, on the first instance and direction 0, as the evaluator runs it.
        g.j = g.bases[&Base::First];
        for op in &p.pre {
            g.op(op);
        }
        // The loop over four instances at a time, where the kernel runs over lanes (see
        // `lanes.rs`), then the loop over one instance at a time for the rest: for j in
        // start..end.
        let shead = g.b.create_block();
        let sbody = g.b.create_block();
        let exit = g.b.create_block();
        let sp = g.b.append_block_param(shead, I64);
        let first = g.bases[&Base::First];
        if g.lanes.is_some() {
            g.lane_loop(p, first, shead);
        } else {
            g.b.ins().jump(shead, &[first.into()]);
        }
        g.b.switch_to_block(shead);
        let end = g.bases[&Base::End];
        let more = g.b.ins().icmp(IntCC::UnsignedLessThan, sp, end);
        g.b.ins().brif(more, sbody, &[], exit, &[]);
        g.b.switch_to_block(sbody);
        g.j = sp;
        g.new_block();
        g.body(p, sp, shead, 1);
        g.b.switch_to_block(exit);
        g.b.ins().return_(&[]);
        g.b.seal_all_blocks();
    }

    /// Emits, in the current block (the body of the loop over instances, for the instances from
    /// `jp` on), the per-instance part and the loop over directions, then the jump back to
    /// `head` with the next instance, `step` on.
    pub(super) fn body(&mut self, p: &Program, jp: Value, head: Block, step: i64) {
        for op in &p.outer {
            self.op(op);
        }
        // Arithmetic of the per-direction part that reads no per-direction value is the same for
        // every k: it is computed once per instance, before the loop over directions
        // (Cranelift's own loop-invariant code motion does not hoist computations that involve
        // constants). Pure operations on the same operands give the same bits wherever they
        // run.
        let hoisted = if p.sequential {
            vec![None; p.inner.len()]
        } else {
            self.hoist(&p.inner)
        };
        // A sequential program has no specialised part (see the kernel plans).
        let hoisted_unseeded = p.unseeded.as_ref().map(|u| self.hoist(u));
        let jnext = self.b.ins().iadd_imm_s(jp, step);
        let saved = self.saved_per_instance();
        if p.inner.is_empty() {
            self.b.ins().jump(head, &[jnext.into()]);
            return;
        }
        // The loop over directions: for k in 0..ndir.
        let khead = self.b.create_block();
        let kbody = self.b.create_block();
        let kexit = self.b.create_block();
        let kp = self.b.append_block_param(khead, I64);
        let zero = self.b.ins().iconst(I64, 0);
        self.b.ins().jump(khead, &[zero.into()]);
        self.b.switch_to_block(khead);
        let ndir = self.bases[&Base::Ndir];
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, kp, ndir);
        self.b.ins().brif(more, kbody, &[], kexit, &[]);
        self.b.switch_to_block(kbody);
        self.k = kp;
        self.new_block();
        // The CV and weight loaded in the per-instance part dominate the per-direction part;
        // those first loaded here are loaded again per direction (cheap, and rare).
        self.restore_per_instance(saved);
        match (&p.unseeded, &hoisted_unseeded) {
            (Some(unseeded), Some(hoisted_unseeded)) => {
                // The general part where direction k moves a parameter of the mechanism, the
                // specialised one elsewhere; values made in one branch are not used in the
                // other.
                let general = self.b.create_block();
                let special = self.b.create_block();
                let join = self.b.create_block();
                let table = self.bases[&Base::Seeded];
                let at = self.addr(table, kp);
                let flag = self.b.ins().load(I64, MemFlagsData::trusted(), at, 0);
                self.b.ins().brif(flag, general, &[], special, &[]);
                let before = (
                    self.regs.clone(),
                    self.vregs.clone(),
                    self.consts.clone(),
                    self.vconsts.clone(),
                );
                for (block, ops, hoisted, guard) in [
                    (general, &p.inner, &hoisted, &p.guards[0]),
                    (special, unseeded, hoisted_unseeded, &p.guards[1]),
                ] {
                    self.b.switch_to_block(block);
                    self.new_block();
                    self.restore_per_instance(saved);
                    self.directions(ops, hoisted, guard.as_ref());
                    self.b.ins().jump(join, &[]);
                    (self.regs, self.vregs, self.consts, self.vconsts) = before.clone();
                }
                self.b.switch_to_block(join);
                self.new_block();
            }
            _ => self.directions(&p.inner, &hoisted, p.guards[0].as_ref()),
        }
        let knext = self.b.ins().iadd_imm_s(kp, 1);
        self.b.ins().jump(khead, &[knext.into()]);
        self.b.switch_to_block(kexit);
        self.b.ins().jump(head, &[jnext.into()]);
    }

    /// Emits the per-direction operations `ops`, with the values `hoisted` computed for them
    /// before the loop over directions.
    fn directions(&mut self, ops: &[Op], hoisted: &[Option<Val>], guard: Option<&Guard>) {
        let from = guard.map_or(ops.len(), |g| g.from.min(ops.len()));
        let emit = |g: &mut Self, range: std::ops::Range<usize>| {
            for (op, h) in ops[range.clone()].iter().zip(&hoisted[range]) {
                match (h, op.writes()) {
                    (Some(v), Some(dst)) => g.set(dst, v),
                    _ => g.op(op),
                }
            }
        };
        emit(self, 0..from);
        if from == ops.len() {
            return;
        }
        // The tail only kept ion current tangent columns need, behind one test of their
        // pointers (null where the runtime left a column empty; its stores test their own).
        let columns: Option<Vec<Value>> = guard
            .into_iter()
            .flat_map(|g| &g.slots)
            .map(|&s| self.bases.get(&Base::TanIon(s, 0)).copied())
            .collect();
        let Some(test) = columns.and_then(|c| {
            let first = *c.first()?;
            Some(c[1..].iter().fold(first, |a, &x| self.b.ins().bor(a, x)))
        }) else {
            emit(self, from..ops.len());
            return;
        };
        // What the code before the test computed dominates the code after it; what the tail
        // computes does not, and is forgotten after it.
        let before = self.snapshot();
        let (tail, after) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(test, tail, &[], after, &[]);
        self.b.switch_to_block(tail);
        emit(self, from..ops.len());
        self.b.ins().jump(after, &[]);
        self.b.switch_to_block(after);
        self.restore(before);
    }

    /// Every value cached for reuse in later code.
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            regs: self.regs.clone(),
            vregs: self.vregs.clone(),
            consts: self.consts.clone(),
            vconsts: self.vconsts.clone(),
            per_instance: self.saved_per_instance(),
            tan_idx: self.tan_idx,
            seed_row: self.seed_row,
            rows: self.rows.clone(),
            koff: self.koff,
        }
    }

    /// Restores what [`Gen::snapshot`] saved.
    fn restore(&mut self, s: Snapshot) {
        (self.regs, self.vregs, self.consts, self.vconsts) = (s.regs, s.vregs, s.consts, s.vconsts);
        self.restore_per_instance(s.per_instance);
        (self.tan_idx, self.seed_row, self.rows, self.koff) =
            (s.tan_idx, s.seed_row, s.rows, s.koff);
    }

    /// Emits, where the builder is, every operation of `inner` that is pure arithmetic on values
    /// computed outside `inner` or by operations so emitted; the value of each (or `None`).
    fn hoist(&mut self, inner: &[Op]) -> Vec<Option<Val>> {
        let saved = (self.regs.clone(), self.vregs.clone());
        // Whether each register holds a per-direction value at this point of `inner`.
        let mut variant = vec![false; self.regs.len()];
        let mut out = Vec::with_capacity(inner.len());
        for op in inner {
            let pure = !matches!(op, Op::Load { .. } | Op::Store { .. });
            let invariant = pure && op.reads().all(|r| !variant[r as usize]);
            match op.writes() {
                Some(dst) if invariant => {
                    self.op(op);
                    variant[dst as usize] = false;
                    out.push(self.get(dst));
                }
                Some(dst) => {
                    variant[dst as usize] = true;
                    out.push(None);
                }
                None => out.push(None),
            }
        }
        (self.regs, self.vregs) = saved;
        out
    }

    /// The value of register `r` as last written, in the current mode.
    fn get(&self, r: u32) -> Option<Val> {
        if self.vector {
            self.vregs[r as usize].map(Val::Four)
        } else {
            self.regs[r as usize].map(Val::One)
        }
    }

    /// Sets register `r` to `v`.
    fn set(&mut self, r: u32, v: &Val) {
        match *v {
            Val::One(v) => self.regs[r as usize] = Some(v),
            Val::Four(v) => self.vregs[r as usize] = Some(v),
        }
    }

    /// The per-instance values the loop over directions may reuse.
    fn saved_per_instance(&self) -> PerInstance {
        PerInstance {
            cv: self.cv,
            w: self.w,
            vcv: self.vcv,
            vrun: self.vrun,
            vw: self.vw,
        }
    }

    /// Restores what [`Gen::saved_per_instance`] saved, after [`Gen::new_block`].
    fn restore_per_instance(&mut self, s: PerInstance) {
        self.cv = s.cv;
        self.w = s.w;
        self.vcv = s.vcv;
        self.vrun = s.vrun;
        self.vw = s.vw;
    }

    /// Forgets the values computed in the previous block that do not dominate the next.
    pub fn new_block(&mut self) {
        self.cv = None;
        self.w = None;
        self.tan_idx = None;
        self.seed_row = None;
        self.rows.clear();
        self.vcv = None;
        self.vrun = None;
        self.vw = None;
        self.koff = None;
    }

    /// The float constant `x` (created in the entry block's successors where first used; every
    /// later use is in a block it dominates).
    pub fn fconst(&mut self, x: f64) -> Value {
        if let Some(&v) = self.consts.get(&x.to_bits()) {
            return v;
        }
        let v = self.b.ins().f64const(x);
        self.consts.insert(x.to_bits(), v);
        v
    }

    /// The value of register `r`: a pooled constant, or what the operation that wrote it
    /// computed.
    fn reg(&mut self, r: u32) -> Value {
        let r = r as usize;
        if r < self.pool.len() {
            return self.fconst(self.pool[r]);
        }
        if let Some(slot) = self.mem {
            return self.b.ins().stack_load(I64, F64, slot, (8 * r) as i32);
        }
        self.regs[r].expect("a register read before it is written")
    }

    /// Writes `v` to register `r`.
    fn write(&mut self, r: u32, v: Value) {
        match self.mem {
            Some(slot) => {
                self.b.ins().stack_store(I64, v, slot, (8 * r) as i32);
            }
            None => self.regs[r as usize] = Some(v),
        }
    }

    /// The operations of sequential programs: copies, loops and local arrays (registers from
    /// `base`, in the stack slot).
    fn seq_op(&mut self, op: &Op) {
        let slot = self
            .mem
            .expect("a sequential program's registers are memory");
        let le = |g: &mut Self, a: Value, b: Value| g.b.ins().fcmp(FloatCC::LessThanOrEqual, a, b);
        match *op {
            Op::Copy { dst, src } => {
                let v = self.reg(src);
                self.write(dst, v);
            }
            Op::LoopStart {
                counter,
                last,
                from,
                to,
                ..
            } => {
                let (x, end) = (self.reg(from), self.reg(to));
                self.write(counter, x);
                self.write(last, end);
                let (body, exit) = (self.b.create_block(), self.b.create_block());
                let go = le(self, x, end);
                self.b.ins().brif(go, body, &[], exit, &[]);
                self.loops.push((body, exit, self.consts.clone()));
                self.b.switch_to_block(body);
                self.new_block();
            }
            Op::LoopEnd { counter, last, .. } => {
                let (body, exit, consts) = self.loops.pop().expect("a loop end closes a loop");
                let one = self.fconst(1.0);
                let c = self.reg(counter);
                let x = self.b.ins().fadd(c, one);
                self.write(counter, x);
                let end = self.reg(last);
                let go = le(self, x, end);
                self.b.ins().brif(go, body, &[], exit, &[]);
                self.b.switch_to_block(exit);
                self.new_block();
                self.consts = consts;
            }
            Op::ExitUnless { cond, .. } => {
                let &(_, exit, _) = self.loops.last().expect("an exit inside a loop");
                let c = self.reg(cond);
                let zero = self.fconst(0.0);
                let go = self.b.ins().fcmp(FloatCC::NotEqual, c, zero);
                let on = self.b.create_block();
                self.b.ins().brif(go, on, &[], exit, &[]);
                self.b.switch_to_block(on);
                self.new_block();
            }
            Op::GetElement {
                dst,
                base,
                len,
                index,
            } => {
                let (ok, at) = self.element(slot, base, len, index);
                let x = self.b.ins().load(F64, MemFlagsData::trusted(), at, 0);
                let nan = self.fconst(f64::NAN);
                let v = self.b.ins().select(ok, x, nan);
                self.write(dst, v);
            }
            Op::TableRead {
                dst,
                table,
                arg,
                slope,
            } => {
                let tables = self.bases[&Base::Tables];
                let n = self.bases[&Base::Ntables];
                let x = self.reg(arg);
                let k = self.b.ins().iconst(I64, i64::from(table));
                let s = self.b.ins().iconst(I64, i64::from(slope));
                let v = self.call(super::symbols::TABLE, &[tables, n, k, x, s]);
                self.write(dst, v);
            }
            Op::DrawAt {
                dst,
                draw,
                iteration,
            } => {
                let key = self.bases[&Base::RandomKey];
                let dt = self.bases[&Base::Dt];
                let code =
                    i64::from(draw.stream.0) * 4 + i64::from(crate::eval::draw_code(draw.dist));
                let code = self.b.ins().iconst(I64, code);
                let it = self.reg(iteration);
                let j = self.j;
                let v = self.call(super::symbols::DRAW_AT, &[key, j, code, dt, it]);
                self.write(dst, v);
            }
            Op::VectorRead { dst, index } => {
                let vectors = self.bases[&Base::Vectors];
                let n = self.bases[&Base::Nvectors];
                let (x, size) = match index {
                    Some(i) => (self.reg(i), 0),
                    None => (self.fconst(0.0), 1),
                };
                let size = self.b.ins().iconst(I64, size);
                let j = self.j;
                let v = self.call(super::symbols::VECTOR, &[vectors, n, j, x, size]);
                self.write(dst, v);
            }
            Op::SetElement {
                base,
                len,
                index,
                src,
            } => {
                let x = self.reg(src);
                let (ok, at) = self.element(slot, base, len, index);
                let (store, poison, join) = (
                    self.b.create_block(),
                    self.b.create_block(),
                    self.b.create_block(),
                );
                self.b.ins().brif(ok, store, &[], poison, &[]);
                self.b.switch_to_block(store);
                self.b.ins().store(MemFlagsData::trusted(), x, at, 0);
                self.b.ins().jump(join, &[]);
                // Out of range: every element NaN, in a loop over the elements.
                self.b.switch_to_block(poison);
                let head = self.b.create_block();
                let step = self.b.create_block();
                let i = self.b.append_block_param(head, I64);
                let zero = self.b.ins().iconst(I64, 0);
                self.b.ins().jump(head, &[zero.into()]);
                self.b.switch_to_block(head);
                let more = self
                    .b
                    .ins()
                    .icmp_imm_u(IntCC::UnsignedLessThan, i, i64::from(len));
                self.b.ins().brif(more, step, &[], join, &[]);
                self.b.switch_to_block(step);
                let nan = self.b.ins().f64const(f64::NAN);
                let first = self.b.ins().stack_addr(I64, slot, 8 * base as i32);
                let off = self.b.ins().imul_imm_s(i, 8);
                let a = self.b.ins().iadd(first, off);
                self.b.ins().store(MemFlagsData::trusted(), nan, a, 0);
                let next = self.b.ins().iadd_imm_s(i, 1);
                self.b.ins().jump(head, &[next.into()]);
                self.b.switch_to_block(join);
                self.new_block();
            }
            _ => unreachable!("not an operation of sequential programs"),
        }
    }

    /// Whether the truncated `index` is within `len` elements, and the address of the element
    /// (of element 0 where it is not).
    fn element(&mut self, slot: StackSlot, base: u32, len: u32, index: u32) -> (Value, Value) {
        let x = self.reg(index);
        let i = self.b.ins().trunc(x);
        let zero = self.fconst(0.0);
        let n = self.fconst(f64::from(len));
        let lo = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, i, zero);
        let hi = self.b.ins().fcmp(FloatCC::LessThan, i, n);
        let ok = self.b.ins().band(lo, hi);
        let k = self.b.ins().fcvt_to_sint_sat(I64, i);
        let none = self.b.ins().iconst(I64, 0);
        let k = self.b.ins().select(ok, k, none);
        let first = self.b.ins().stack_addr(I64, slot, 8 * base as i32);
        let off = self.b.ins().imul_imm_s(k, 8);
        let at = self.b.ins().iadd(first, off);
        (ok, at)
    }

    /// 1.0 where `c` holds, else 0.0.
    fn truth(&mut self, c: Value) -> Value {
        let one = self.fconst(1.0);
        let zero = self.fconst(0.0);
        self.b.ins().select(c, one, zero)
    }

    /// A call of the library function `name`.
    pub(super) fn call(&mut self, name: &'static str, args: &[Value]) -> Value {
        let f = self.funcs[name];
        let inst = self.b.ins().call(f, args);
        self.b.inst_results(inst)[0]
    }

    /// Emits one operation.
    pub fn op(&mut self, op: &Op) {
        if self.vector {
            return self.vop(op);
        }
        let (dst, v) = match *op {
            Op::Load { dst, from } => (dst, self.load(from)),
            Op::Copy { .. }
            | Op::LoopStart { .. }
            | Op::LoopEnd { .. }
            | Op::ExitUnless { .. }
            | Op::DrawAt { .. }
            | Op::TableRead { .. }
            | Op::GetElement { .. }
            | Op::VectorRead { .. }
            | Op::SetElement { .. } => return self.seq_op(op),
            Op::Unary { op, dst, a } => {
                let a = self.reg(a);
                let v = match op {
                    UnOp::Neg => self.b.ins().fneg(a),
                    UnOp::Not => {
                        let zero = self.fconst(0.0);
                        let c = self.b.ins().fcmp(FloatCC::Equal, a, zero);
                        self.truth(c)
                    }
                };
                (dst, v)
            }
            Op::Binary { op, dst, a, b } => {
                let (a, b) = (self.reg(a), self.reg(b));
                (dst, self.binary(op, a, b))
            }
            Op::Powi { dst, a, n } => {
                let a = self.reg(a);
                (dst, self.powi(a, n))
            }
            Op::Call { f, dst, a } => {
                let a = self.reg(a);
                (dst, self.func(f, a))
            }
            Op::Select { dst, c, t, o } => {
                let (c, t, o) = (self.reg(c), self.reg(t), self.reg(o));
                let zero = self.fconst(0.0);
                // C semantics: any nonzero value, NaN included, is true.
                let c = self.b.ins().fcmp(FloatCC::NotEqual, c, zero);
                (dst, self.b.ins().select(c, t, o))
            }
            Op::Store { src, sink } => {
                let x = self.reg(src);
                self.store(x, sink);
                return;
            }
        };
        self.write(dst, v);
    }

    /// `apply_binary(op, a, b, false)`.
    fn binary(&mut self, op: BinOp, a: Value, b: Value) -> Value {
        let cmp = |g: &mut Self, cc: FloatCC| {
            let c = g.b.ins().fcmp(cc, a, b);
            g.truth(c)
        };
        match op {
            BinOp::Add => self.b.ins().fadd(a, b),
            BinOp::Sub => self.b.ins().fsub(a, b),
            BinOp::Mul => self.b.ins().fmul(a, b),
            BinOp::Div => self.b.ins().fdiv(a, b),
            BinOp::Pow => self.call("pow", &[a, b]),
            BinOp::Lt => cmp(self, FloatCC::LessThan),
            BinOp::Le => cmp(self, FloatCC::LessThanOrEqual),
            BinOp::Gt => cmp(self, FloatCC::GreaterThan),
            BinOp::Ge => cmp(self, FloatCC::GreaterThanOrEqual),
            BinOp::Eq => cmp(self, FloatCC::Equal),
            // Unordered or not equal: true for NaN, as Rust's `!=`.
            BinOp::Ne => cmp(self, FloatCC::NotEqual),
            BinOp::And | BinOp::Or => {
                let zero = self.fconst(0.0);
                let ca = self.b.ins().fcmp(FloatCC::NotEqual, a, zero);
                let cb = self.b.ins().fcmp(FloatCC::NotEqual, b, zero);
                let c = if op == BinOp::And {
                    self.b.ins().band(ca, cb)
                } else {
                    self.b.ins().bor(ca, cb)
                };
                self.truth(c)
            }
            // Rust's `f64::min` and `f64::max` as LLVM lowers them on x86-64: the other operand
            // when `a` is NaN, else `b < a ? b : a` (`b > a ? b : a`).
            BinOp::Min | BinOp::Max => {
                let cc = if op == BinOp::Min {
                    FloatCC::LessThan
                } else {
                    FloatCC::GreaterThan
                };
                let pick = self.b.ins().fcmp(cc, b, a);
                let m = self.b.ins().select(pick, b, a);
                let nan = self.b.ins().fcmp(FloatCC::Unordered, a, a);
                self.b.ins().select(nan, b, m)
            }
            BinOp::Atan2 => self.call("atan2", &[a, b]),
            BinOp::Fmod => self.call("fmod", &[a, b]),
        }
    }

    /// `a^n` by the evaluator's repeated squaring (a leading `1.0 *` is exact and omitted).
    fn powi(&mut self, mut a: Value, n: i32) -> Value {
        let mut e = n.unsigned_abs();
        let mut r: Option<Value> = None;
        loop {
            if e & 1 != 0 {
                r = Some(match r {
                    None => a,
                    Some(r) => self.b.ins().fmul(r, a),
                });
            }
            e /= 2;
            if e == 0 {
                break;
            }
            a = self.b.ins().fmul(a, a);
        }
        let r = match r {
            Some(r) => r,
            None => self.fconst(1.0),
        };
        if n < 0 {
            let one = self.fconst(1.0);
            self.b.ins().fdiv(one, r)
        } else {
            r
        }
    }

    /// `apply_call(f, x)`.
    fn func(&mut self, f: Func, x: Value) -> Value {
        let signum = |g: &mut Self, x: Value| {
            let zero = g.fconst(0.0);
            let one = g.fconst(1.0);
            let minus = g.fconst(-1.0);
            let gt = g.b.ins().fcmp(FloatCC::GreaterThan, x, zero);
            let lt = g.b.ins().fcmp(FloatCC::LessThan, x, zero);
            let s = g.b.ins().select(lt, minus, zero);
            g.b.ins().select(gt, one, s)
        };
        match f {
            Func::Exp => self.call("exp", &[x]),
            Func::Log => self.call("log", &[x]),
            Func::Log10 => self.call("log10", &[x]),
            Func::Sqrt => self.b.ins().sqrt(x),
            Func::Fabs => self.b.ins().fabs(x),
            Func::Sin => self.call("sin", &[x]),
            Func::Cos => self.call("cos", &[x]),
            Func::Tan => self.call("tan", &[x]),
            Func::Tanh => self.call("tanh", &[x]),
            Func::Sinh => self.call("sinh", &[x]),
            Func::Cosh => self.call("cosh", &[x]),
            Func::Atan => self.call("atan", &[x]),
            Func::Asin => self.call("asin", &[x]),
            Func::Acos => self.call("acos", &[x]),
            Func::Erf => self.call("erf", &[x]),
            Func::Erfc => self.call("erfc", &[x]),
            // `if 1 + x == 1 { 1 } else { x / expm1(x) }`, both sides computed.
            Func::Exprelr => {
                let one = self.fconst(1.0);
                let s = self.b.ins().fadd(one, x);
                let tiny = self.b.ins().fcmp(FloatCC::Equal, s, one);
                let em1 = self.call("expm1", &[x]);
                let q = self.b.ins().fdiv(x, em1);
                self.b.ins().select(tiny, one, q)
            }
            Func::Floor => self.b.ins().floor(x),
            Func::Ceil => self.b.ins().ceil(x),
            Func::StepRight => {
                let zero = self.fconst(0.0);
                let c = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, zero);
                self.truth(c)
            }
            Func::StepLeft => {
                let zero = self.fconst(0.0);
                let c = self.b.ins().fcmp(FloatCC::GreaterThan, x, zero);
                self.truth(c)
            }
            // 0.5 * (1.0 + signum(x))
            Func::Step => {
                let s = signum(self, x);
                let one = self.fconst(1.0);
                let half = self.fconst(0.5);
                let t = self.b.ins().fadd(one, s);
                self.b.ins().fmul(half, t)
            }
            Func::Signum => signum(self, x),
        }
    }
}
