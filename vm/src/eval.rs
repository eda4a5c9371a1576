//! The array evaluator: runs register code over chunks of instances.
//!
//! Each operation runs over every instance of a chunk in one tight loop (an elementwise loop
//! over registers, or a gather from the CV arrays through the node index, or a scatter into
//! them), so dispatch costs once per operation and chunk. Arithmetic has the semantics of
//! [`gradmod_compiler::sym::eval`], the reference every back end follows, and calls the same
//! library functions as generated Rust, so results are the same to the bit.

mod chunk;

use gradmod_compiler::back::kernels::{Sink, Source};
use gradmod_compiler::ir::{BinOp, Func, UnOp};
use gradmod_compiler::sym::eval::{apply_binary, apply_call, apply_unary, exprelr};
use gradmod_runtime::mechanism::{Context, Tangents};

use crate::code::{Code, KernelSet, Shape};
pub use crate::instances::Event;
use crate::instances::{Backend, Call, Data};
use crate::program::{LANES, Op, Program, Reg};
pub use chunk::Lanes;
use chunk::{
    call, copy, exp4, ion_array, ion_array_mut, map1, map2, powi, split1, split2, split3,
    tan_array, tan_array_mut, truth,
};

/// The evaluator runs the register code itself; each set of instances keeps the registers, with
/// the constant pool loaded once when the instances are allocated.
impl Backend for Code {
    type Kernel = Program;
    type Scratch = Vec<Lanes>;

    fn shape(&self) -> &Shape {
        &self.shape
    }

    fn kernels(&self) -> &KernelSet<Program> {
        &self.kernels
    }

    fn prepare(&self, regs: &mut Vec<Lanes>, _: &Data) {
        if regs.len() != self.registers {
            *regs = vec![[0.0; LANES]; self.registers];
            for (r, &x) in regs.iter_mut().zip(&self.constants) {
                *r = [x; LANES];
            }
        }
    }

    fn run(
        &self,
        p: &Program,
        regs: &mut Vec<Lanes>,
        data: &mut Data,
        ctx: &mut Context,
        tan: Option<&mut Tangents>,
        call: Call,
    ) {
        let mut st = Storage {
            node: &data.node,
            weight: &data.weight,
            fields: &mut data.fields,
            sigma: &mut data.sigma,
            states: self.shape.states,
            carried: &mut data.carried,
            ncarried: self.shape.carried,
            emit_stride: 3 * self.shape.info.emit_slots,
        };
        run(p, regs, &mut st, ctx, tan, call.first, call.end, call.event);
    }
}

/// The per-instance storage of a mechanism, as a kernel sees it.
pub struct Storage<'a> {
    /// The CV of every instance.
    pub node: &'a [usize],
    /// The weight of every instance.
    pub weight: &'a [f64],
    /// The fields, one array per field with one value per instance.
    pub fields: &'a mut [Vec<f64>],
    /// σ, `[k][state][instance]`.
    pub sigma: &'a mut [f64],
    /// The number of states.
    pub states: usize,
    /// The carried tangents, `[k][carried][instance]`.
    pub carried: &'a mut [f64],
    /// The number of carried variables.
    pub ncarried: usize,
    /// The number of event-request entries per instance in the context's `emit`.
    pub emit_stride: usize,
}

/// Where one chunk is: its first instance, its length, the lanes computed (its length rounded up
/// to a whole vector, so that short chunks do not pay for every lane) and the tangent direction.
#[derive(Clone, Copy)]
struct Chunk {
    j0: usize,
    n: usize,
    w: usize,
    k: usize,
}

/// The lanes computed for a chunk of `n` instances.
fn width(n: usize) -> usize {
    n.next_multiple_of(4).min(LANES)
}

/// Runs `p` over the instances `first..end` of `st`, with scratch registers `regs`, in which
/// the program's constants are already loaded.
#[allow(clippy::too_many_arguments)]
pub fn run(
    p: &Program,
    regs: &mut [Lanes],
    st: &mut Storage,
    ctx: &mut Context,
    tan: Option<&mut Tangents>,
    first: usize,
    end: usize,
    event: Event,
) {
    if p.is_empty() || first >= end {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if gradmod_runtime::lanes::wide() {
        // SAFETY: `wide` holds only where the CPU has AVX2 and FMA, which `run_wide` requires.
        unsafe { run_wide(p, regs, st, ctx, tan, first, end, event) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, which is all `run_avx2` requires.
        unsafe { run_avx2(p, regs, st, ctx, tan, first, end, event) };
        return;
    }
    run_any(p, regs, st, ctx, tan, first, end, event, false);
}

/// [`run_any`] compiled for AVX2 and FMA, with `exp` four lanes at a time by the generated
/// kernels' own exp ([`gradmod_runtime::lanes::exp_lanes`], equal to libm's to the bit where
/// [`gradmod_runtime::lanes::wide`] holds). Nothing else is fused: the compiler does not contract
/// separate multiplications and additions into FMAs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn run_wide(
    p: &Program,
    regs: &mut [Lanes],
    st: &mut Storage,
    ctx: &mut Context,
    tan: Option<&mut Tangents>,
    first: usize,
    end: usize,
    event: Event,
) {
    run_any(p, regs, st, ctx, tan, first, end, event, true);
}

/// [`run_any`] compiled for AVX2: the elementwise loops use 256-bit vectors. IEEE arithmetic is
/// the same at every vector width (and nothing is contracted into fused multiply-adds), so the
/// results are too.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
unsafe fn run_avx2(
    p: &Program,
    regs: &mut [Lanes],
    st: &mut Storage,
    ctx: &mut Context,
    tan: Option<&mut Tangents>,
    first: usize,
    end: usize,
    event: Event,
) {
    run_any(p, regs, st, ctx, tan, first, end, event, false);
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn run_any(
    p: &Program,
    regs: &mut [Lanes],
    st: &mut Storage,
    ctx: &mut Context,
    mut tan: Option<&mut Tangents>,
    first: usize,
    end: usize,
    event: Event,
    wide_exp: bool,
) {
    let w = width(end - first);
    let mut exec = Exec {
        regs,
        st,
        ctx,
        event,
        wide_exp,
    };
    // The per-call part is the same for every instance: computed on one lane, then broadcast.
    let start = Chunk {
        j0: first,
        n: 1,
        w: 1,
        k: 0,
    };
    for op in &p.pre {
        exec.scalar(op, start, tan.as_deref_mut());
    }
    for &r in &p.pre_regs {
        let x = exec.regs[r as usize][0];
        exec.regs[r as usize][..w].fill(x);
    }
    let step = if p.serial || p.sequential { 1 } else { LANES };
    let ndir = tan.as_ref().map_or(0, |t| t.k);
    let mut j0 = first;
    while j0 < end {
        let n = step.min(end - j0);
        let mut chunk = Chunk {
            j0,
            n,
            w: width(n),
            k: 0,
        };
        if p.sequential {
            exec.run_sequential(&p.outer, chunk, tan.as_deref_mut());
            if !p.inner.is_empty() {
                for k in 0..ndir {
                    chunk.k = k;
                    exec.run_sequential(&p.inner, chunk, tan.as_deref_mut());
                }
            }
            j0 += n;
            continue;
        }
        for op in &p.outer {
            exec.op(op, chunk, tan.as_deref_mut());
        }
        if !p.inner.is_empty() {
            for k in 0..ndir {
                chunk.k = k;
                let seeded = tan.as_ref().is_some_and(|t| t.seeds[k].is_some());
                for op in p.per_direction(seeded) {
                    exec.op(op, chunk, tan.as_deref_mut());
                }
            }
        }
        j0 += n;
    }
}

/// One kernel call in progress.
struct Exec<'r, 's, 'a, 'e> {
    regs: &'r mut [Lanes],
    st: &'r mut Storage<'s>,
    ctx: &'r mut Context<'a>,
    event: Event<'e>,
    /// Whether `exp` runs four lanes at a time (only inside [`run_wide`]).
    wide_exp: bool,
}

impl Exec<'_, '_, '_, '_> {
    #[inline(always)]
    fn op(&mut self, op: &Op, c: Chunk, tan: Option<&mut Tangents>) {
        match *op {
            Op::Load { dst, from } => self.load(dst, from, c, tan),
            Op::Unary { op, dst, a } => {
                let (d, a) = split1(self.regs, dst, a);
                match op {
                    UnOp::Neg => map1(c.w, d, a, |x| -x),
                    UnOp::Not => map1(c.w, d, a, |x| truth(x == 0.0)),
                }
            }
            Op::Binary { op, dst, a, b } => {
                let (d, a, b) = split2(self.regs, dst, a, b);
                match op {
                    BinOp::Add => map2(c.w, d, a, b, |x, y| x + y),
                    BinOp::Sub => map2(c.w, d, a, b, |x, y| x - y),
                    BinOp::Mul => map2(c.w, d, a, b, |x, y| x * y),
                    BinOp::Div => map2(c.w, d, a, b, |x, y| x / y),
                    BinOp::Lt => map2(c.w, d, a, b, |x, y| truth(x < y)),
                    BinOp::Le => map2(c.w, d, a, b, |x, y| truth(x <= y)),
                    BinOp::Gt => map2(c.w, d, a, b, |x, y| truth(x > y)),
                    BinOp::Ge => map2(c.w, d, a, b, |x, y| truth(x >= y)),
                    BinOp::Min => map2(c.w, d, a, b, f64::min),
                    BinOp::Max => map2(c.w, d, a, b, f64::max),
                    op => map2(c.w, d, a, b, |x, y| apply_binary(op, x, y, false)),
                }
            }
            Op::Powi { dst, a, n: e } => {
                let (d, a) = split1(self.regs, dst, a);
                match e {
                    2 => map1(c.w, d, a, |x| x * x),
                    e => map1(c.w, d, a, |x| powi(x, e)),
                }
            }
            Op::Call { f, dst, a } => {
                let (d, a) = split1(self.regs, dst, a);
                // Library calls cost more than a vector lane: only the chunk's instances.
                let n = c.n;
                match f {
                    Func::Sqrt => map1(c.w, d, a, f64::sqrt),
                    Func::Fabs => map1(c.w, d, a, f64::abs),
                    Func::Exp if self.wide_exp => exp4(n, d, a),
                    Func::Exp => call(n, d, a, f64::exp),
                    Func::Log => call(n, d, a, f64::ln),
                    Func::Exprelr => call(n, d, a, exprelr),
                    f => call(n, d, a, |x| apply_call(f, x)),
                }
            }
            Op::Select { dst, c: cond, t, o } => {
                let (d, cond, t, o) = split3(self.regs, dst, cond, t, o);
                for l in 0..c.w {
                    // C semantics: any nonzero value, NaN included, is true.
                    d[l] = if cond[l] != 0.0 { t[l] } else { o[l] };
                }
            }
            Op::Store { src, sink } => self.store(src, sink, c, tan),
            Op::Copy { dst, src } => {
                let x = self.regs[src as usize][0];
                self.regs[dst as usize][0] = x;
            }
            Op::GetElement {
                dst,
                base,
                len,
                index,
            } => {
                let i = self.regs[index as usize][0].trunc();
                self.regs[dst as usize][0] = if i >= 0.0 && i < f64::from(len) {
                    self.regs[base as usize + i as usize][0]
                } else {
                    f64::NAN
                };
            }
            Op::TableRead {
                dst,
                table,
                arg,
                slope,
            } => {
                let x = self.regs[arg as usize][0];
                self.regs[dst as usize][0] = self.ctx.function_table(table as usize, x, slope);
            }
            Op::DrawAt {
                dst,
                draw,
                iteration,
            } => {
                let (random, dt) = (self.ctx.random, self.ctx.dt);
                let at = random.at(self.regs[iteration as usize][0]);
                self.regs[dst as usize][0] = at.draw(c.j0, draw.stream.0, draw_code(draw.dist), dt);
            }
            Op::VectorRead { dst, index } => {
                let vectors = self.ctx.vectors;
                self.regs[dst as usize][0] = match index {
                    Some(i) => {
                        let i = self.regs[i as usize][0];
                        gradmod_runtime::mechanism::vector_element(vectors, c.j0, i)
                    }
                    None => gradmod_runtime::mechanism::vector_size(vectors, c.j0),
                };
            }
            Op::SetElement {
                base,
                len,
                index,
                src,
            } => {
                let i = self.regs[index as usize][0].trunc();
                let x = self.regs[src as usize][0];
                if i >= 0.0 && i < f64::from(len) {
                    self.regs[base as usize + i as usize][0] = x;
                } else {
                    for r in base..base + len {
                        self.regs[r as usize][0] = f64::NAN;
                    }
                }
            }
            // Jumps are the sequential runner's (`Exec::run_sequential`).
            Op::LoopStart { .. } | Op::LoopEnd { .. } | Op::ExitUnless { .. } => {}
        }
    }

    /// The operations of a sequential kernel for one instance (lane 0), in order, with the
    /// loops' jumps.
    fn run_sequential(&mut self, ops: &[Op], c: Chunk, mut tan: Option<&mut Tangents>) {
        let mut pc = 0;
        while pc < ops.len() {
            match ops[pc] {
                Op::LoopStart {
                    counter,
                    last,
                    from,
                    to,
                    exit,
                } => {
                    let (x, end) = (self.regs[from as usize][0], self.regs[to as usize][0]);
                    self.regs[counter as usize][0] = x;
                    self.regs[last as usize][0] = end;
                    // NaN bounds run no iteration, as `x <= end` fails.
                    if x.partial_cmp(&end)
                        .is_none_or(|o| o == std::cmp::Ordering::Greater)
                    {
                        pc = exit as usize;
                        continue;
                    }
                }
                Op::LoopEnd {
                    counter,
                    last,
                    body,
                } => {
                    let x = self.regs[counter as usize][0] + 1.0;
                    self.regs[counter as usize][0] = x;
                    if x <= self.regs[last as usize][0] {
                        pc = body as usize;
                        continue;
                    }
                }
                Op::ExitUnless { cond, exit } => {
                    if self.regs[cond as usize][0] == 0.0 {
                        pc = exit as usize;
                        continue;
                    }
                }
                ref op => self.op(op, c, tan.as_deref_mut()),
            }
            pc += 1;
        }
    }

    /// `op` on lane 0 only (the per-call part).
    fn scalar(&mut self, op: &Op, c: Chunk, tan: Option<&mut Tangents>) {
        let r = |regs: &[Lanes], x: Reg| regs[x as usize][0];
        let (dst, value) = match *op {
            Op::Load { .. }
            | Op::Store { .. }
            | Op::Copy { .. }
            | Op::GetElement { .. }
            | Op::VectorRead { .. }
            | Op::DrawAt { .. }
            | Op::TableRead { .. }
            | Op::SetElement { .. }
            | Op::LoopStart { .. }
            | Op::LoopEnd { .. }
            | Op::ExitUnless { .. } => return self.op(op, c, tan),
            Op::Unary { op, dst, a } => (dst, apply_unary(op, r(self.regs, a))),
            Op::Binary { op, dst, a, b } => (
                dst,
                apply_binary(op, r(self.regs, a), r(self.regs, b), false),
            ),
            Op::Powi { dst, a, n } => (dst, powi(r(self.regs, a), n)),
            Op::Call { f, dst, a } => (dst, apply_call(f, r(self.regs, a))),
            Op::Select { dst, c, t, o } => {
                let x = if r(self.regs, c) != 0.0 { t } else { o };
                (dst, r(self.regs, x))
            }
        };
        self.regs[dst as usize][0] = value;
    }

    #[inline(always)]
    fn load(&mut self, dst: Reg, from: Source, c: Chunk, tan: Option<&mut Tangents>) {
        let Chunk { j0, n, k, .. } = c;
        let d = &mut self.regs[dst as usize][..n];
        let nodes = &self.st.node[j0..j0 + n];
        let gather = |d: &mut [f64], array: &[f64], offset: usize| {
            for (d, &cv) in d.iter_mut().zip(nodes) {
                *d = array[offset + cv];
            }
        };
        let ni = self.st.node.len();
        match from {
            Source::Field(f) => copy(d, &self.st.fields[f][j0..j0 + n]),
            Source::V => gather(d, self.ctx.v, 0),
            Source::T => d.fill(self.ctx.t),
            Source::Dt => d.fill(self.ctx.dt),
            Source::Celsius => d.fill(self.ctx.celsius),
            Source::Area => gather(d, self.ctx.area, 0),
            Source::Diam => gather(d, self.ctx.diam, 0),
            Source::Ion(slot, role) => {
                let ion = &self.ctx.ions[self.ctx.ion_slots[slot]];
                gather(d, ion_array(ion, role), 0);
            }
            Source::Const(x) => d.fill(x),
            Source::Draw(draw) => {
                let (random, dt) = (self.ctx.random, self.ctx.dt);
                let dist = draw_code(draw.dist);
                for (i, d) in d.iter_mut().enumerate() {
                    *d = random.draw(j0 + i, draw.stream.0, dist, dt);
                }
            }
            Source::Arg(i) => d.fill(self.event.args[i]),
            Source::Flag => d.fill(self.event.flag),
            Source::Sigma(pos) => {
                let at = (k * self.st.states + pos) * ni + j0;
                copy(d, &self.st.sigma[at..at + n]);
            }
            Source::Carried(pos) => {
                let at = (k * self.st.ncarried + pos) * ni + j0;
                copy(d, &self.st.carried[at..at + n]);
            }
            // Without tangents, tangent sources read 0.
            Source::TanArg(i) => d.fill(match tan {
                Some(_) => self.event.dargs[k * self.event.args.len() + i],
                None => 0.0,
            }),
            Source::TanV | Source::Seed(_) | Source::TanIon(..) => {
                let Some(tan) = tan else {
                    d.fill(0.0);
                    return;
                };
                let offset = k * tan.ncv;
                match from {
                    Source::TanV => gather(d, tan.s, offset),
                    Source::Seed(field) => match &tan.seeds[k] {
                        Some(seed) if seed.param == field => {
                            copy(d, &seed.factor[j0..j0 + n]);
                        }
                        _ => d.fill(0.0),
                    },
                    Source::TanIon(slot, role) => {
                        let ion = &tan.ions[self.ctx.ion_slots[slot]];
                        gather(d, tan_array(ion, role), offset);
                    }
                    _ => {}
                }
            }
        }
    }

    #[inline(always)]
    fn store(&mut self, src: Reg, sink: Sink, c: Chunk, tan: Option<&mut Tangents>) {
        let Chunk { j0, n, k, .. } = c;
        let x = &self.regs[src as usize][..n];
        let nodes = &self.st.node[j0..j0 + n];
        let weights = &self.st.weight[j0..j0 + n];
        let ni = self.st.node.len();
        let scatter = |array: &mut [f64], offset: usize| {
            for (&x, &cv) in x.iter().zip(nodes) {
                array[offset + cv] = x;
            }
        };
        // `array[cv] += w * x` (or `-=`), in instance order.
        let accumulate = |array: &mut [f64], offset: usize, negate: bool| {
            for ((&x, &cv), &w) in x.iter().zip(nodes).zip(weights) {
                if negate {
                    array[offset + cv] -= w * x;
                } else {
                    array[offset + cv] += w * x;
                }
            }
        };
        let ctx = &mut *self.ctx;
        match sink {
            // Bindings are resolved when the program is built.
            Sink::Let(_) => {}
            Sink::Field(f) => copy(&mut self.st.fields[f][j0..j0 + n], x),
            Sink::FieldAndIon(f, slot, role) => {
                copy(&mut self.st.fields[f][j0..j0 + n], x);
                scatter(ion_array_mut(&mut ctx.ions[ctx.ion_slots[slot]], role), 0);
            }
            Sink::Ion(slot, role) => {
                scatter(ion_array_mut(&mut ctx.ions[ctx.ion_slots[slot]], role), 0);
            }
            Sink::Sigma(pos) => {
                let at = (k * self.st.states + pos) * ni + j0;
                copy(&mut self.st.sigma[at..at + n], x);
            }
            Sink::Carried(pos) => {
                let at = (k * self.st.ncarried + pos) * ni + j0;
                copy(&mut self.st.carried[at..at + n], x);
            }
            // An event's kernel runs for one instance: a chunk of one.
            Sink::Arg(i) => self.event.args[i] = x[0],
            Sink::Emit(off) => {
                let stride = self.st.emit_stride;
                for (i, &x) in x.iter().enumerate() {
                    ctx.emit[(j0 + i) * stride + off] = x;
                }
            }
            Sink::TanArg(i) if tan.is_some() => {
                self.event.dargs[k * self.event.args.len() + i] = x[0];
            }
            Sink::TanArg(_) => {}
            Sink::Current {
                tangent: false,
                negate,
            } => accumulate(ctx.i, 0, negate),
            Sink::IonCurrent {
                tangent: false,
                ion,
            } => {
                let slot = ctx.ion_slots[ion];
                accumulate(&mut ctx.ions[slot].current, 0, false);
            }
            Sink::Conductance {
                tangent: false,
                negate,
            } => accumulate(ctx.g, 0, negate),
            Sink::IonConductance(ion) => {
                let slot = ctx.ion_slots[ion];
                accumulate(&mut ctx.ions[slot].current_dv, 0, false);
            }
            Sink::Current { .. }
            | Sink::IonCurrent { .. }
            | Sink::Conductance { .. }
            | Sink::SigmaAndTanIon(..)
            | Sink::TanIon(..) => {
                let Some(tan) = tan else { return };
                let offset = k * tan.ncv;
                match sink {
                    Sink::Current { negate, .. } => accumulate(tan.di, offset, negate),
                    Sink::IonCurrent { ion, .. } => {
                        // The runtime leaves the columns of a current nothing reads empty.
                        let column = &mut tan.ions[ctx.ion_slots[ion]].current;
                        if !column.is_empty() {
                            accumulate(column, offset, false);
                        }
                    }
                    Sink::Conductance { negate, .. } => accumulate(tan.dg, offset, negate),
                    Sink::SigmaAndTanIon(pos, slot, role) => {
                        let at = (k * self.st.states + pos) * ni + j0;
                        copy(&mut self.st.sigma[at..at + n], x);
                        let ion = &mut tan.ions[ctx.ion_slots[slot]];
                        scatter(tan_array_mut(ion, role), offset);
                    }
                    Sink::TanIon(slot, role) => {
                        let ion = &mut tan.ions[ctx.ion_slots[slot]];
                        scatter(tan_array_mut(ion, role), offset);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The number [`gradmod_runtime::random::Draws::draw`] takes for a distribution.
pub(crate) fn draw_code(dist: gradmod_compiler::ir::Dist) -> u32 {
    use gradmod_compiler::ir::Dist;
    match dist {
        Dist::Uniform => 0,
        Dist::Normal => 1,
        Dist::Exponential => 2,
        Dist::WhiteNoise => 3,
    }
}
