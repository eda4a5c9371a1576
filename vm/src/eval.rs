//! The array evaluator: runs register code over chunks of instances.
//!
//! Each operation runs over every instance of a chunk in one tight loop (an elementwise loop
//! over registers, or a gather from the CV arrays through the node index, or a scatter into
//! them), so dispatch costs once per operation and chunk. Arithmetic has the semantics of
//! [`gradmod_compiler::sym::eval`], the reference every back end follows, and calls the same
//! library functions as generated Rust, so results are the same to the bit.

use gradmod_compiler::back::kernels::{Sink, Source};
use gradmod_compiler::ir::{BinOp, Func, IonRole, UnOp};
use gradmod_compiler::sym::eval::{apply_binary, apply_call, exprelr};
use gradmod_runtime::mechanism::{Context, IonArrays, IonTangents, Tangents};

use crate::program::{LANES, Op, Program, Reg};

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
}

/// The arguments of an event delivery.
#[derive(Clone, Copy, Debug, Default)]
pub struct Event<'a> {
    /// The connection's weight.
    pub weight: f64,
    /// d(weight)/dθ_k, or empty.
    pub dweight: &'a [f64],
}

/// Where one chunk is: its first instance, its length and the tangent direction.
#[derive(Clone, Copy)]
struct Chunk {
    j0: usize,
    n: usize,
    k: usize,
}

/// Runs `p` over the instances `first..end` of `st`, with scratch registers `regs`.
#[allow(clippy::too_many_arguments)]
pub fn run(
    p: &Program,
    regs: &mut [f64],
    st: &mut Storage,
    ctx: &mut Context,
    mut tan: Option<&mut Tangents>,
    first: usize,
    end: usize,
    event: Event,
) {
    if p.is_empty() || first >= end {
        return;
    }
    for &(r, x) in &p.constants {
        reg_mut(regs, r).fill(x);
    }
    let mut exec = Exec {
        regs,
        st,
        ctx,
        event,
    };
    let start = Chunk {
        j0: first,
        n: 1,
        k: 0,
    };
    for op in &p.pre {
        exec.op(op, start, tan.as_deref_mut());
    }
    for &r in &p.pre_regs {
        let x = exec.regs[r as usize * LANES];
        reg_mut(exec.regs, r).fill(x);
    }
    let step = if p.serial { 1 } else { LANES };
    let ndir = tan.as_ref().map_or(0, |t| t.k);
    let mut j0 = first;
    while j0 < end {
        let n = step.min(end - j0);
        let mut chunk = Chunk { j0, n, k: 0 };
        for op in &p.outer {
            exec.op(op, chunk, tan.as_deref_mut());
        }
        if !p.inner.is_empty() {
            for k in 0..ndir {
                chunk.k = k;
                for op in &p.inner {
                    exec.op(op, chunk, tan.as_deref_mut());
                }
            }
        }
        j0 += n;
    }
}

fn reg_mut(regs: &mut [f64], r: Reg) -> &mut [f64] {
    &mut regs[r as usize * LANES..][..LANES]
}

/// The destination register (its first `n` lanes) and the operand registers, which are
/// distinct from it.
fn operands<const N: usize>(
    regs: &mut [f64],
    dst: Reg,
    srcs: [Reg; N],
    n: usize,
) -> (&mut [f64], [&[f64]; N]) {
    let d = dst as usize * LANES;
    let (lo, rest) = regs.split_at_mut(d);
    let (out, hi) = rest.split_at_mut(LANES);
    let (lo, hi) = (&*lo, &*hi);
    let srcs = srcs.map(|r| {
        let r = r as usize * LANES;
        if r < d {
            &lo[r..r + n]
        } else {
            &hi[r - d - LANES..][..n]
        }
    });
    (&mut out[..n], srcs)
}

/// The array of `role` in an ion's per-CV values.
fn ion_array(ion: &IonArrays, role: IonRole) -> &[f64] {
    match role {
        IonRole::Current => &ion.current,
        IonRole::Reversal => &ion.rev,
        IonRole::ConcIn => &ion.inside,
        IonRole::ConcOut => &ion.outside,
        IonRole::Conductance => &ion.current_dv,
    }
}

fn ion_array_mut(ion: &mut IonArrays, role: IonRole) -> &mut [f64] {
    match role {
        IonRole::Current => &mut ion.current,
        IonRole::Reversal => &mut ion.rev,
        IonRole::ConcIn => &mut ion.inside,
        IonRole::ConcOut => &mut ion.outside,
        IonRole::Conductance => &mut ion.current_dv,
    }
}

/// The array of `role` in an ion's tangents (`[k][cv]`).
fn tan_array(ion: &IonTangents, role: IonRole) -> &[f64] {
    match role {
        IonRole::Current | IonRole::Conductance => &ion.current,
        IonRole::Reversal => &ion.rev,
        IonRole::ConcIn => &ion.inside,
        IonRole::ConcOut => &ion.outside,
    }
}

fn tan_array_mut(ion: &mut IonTangents, role: IonRole) -> &mut [f64] {
    match role {
        IonRole::Current | IonRole::Conductance => &mut ion.current,
        IonRole::Reversal => &mut ion.rev,
        IonRole::ConcIn => &mut ion.inside,
        IonRole::ConcOut => &mut ion.outside,
    }
}

/// `d[l] = f(a[l])` for every lane.
#[inline(always)]
fn map1(d: &mut [f64], a: &[f64], f: impl Fn(f64) -> f64) {
    for (d, &a) in d.iter_mut().zip(a) {
        *d = f(a);
    }
}

/// `d[l] = f(a[l], b[l])` for every lane.
#[inline(always)]
fn map2(d: &mut [f64], a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) {
    for ((d, &a), &b) in d.iter_mut().zip(a).zip(b) {
        *d = f(a, b);
    }
}

fn truth(x: bool) -> f64 {
    if x { 1.0 } else { 0.0 }
}

/// One kernel call in progress.
struct Exec<'r, 's, 'a, 'e> {
    regs: &'r mut [f64],
    st: &'r mut Storage<'s>,
    ctx: &'r mut Context<'a>,
    event: Event<'e>,
}

impl Exec<'_, '_, '_, '_> {
    fn op(&mut self, op: &Op, c: Chunk, tan: Option<&mut Tangents>) {
        let n = c.n;
        match *op {
            Op::Load { dst, from } => self.load(dst, from, c, tan),
            Op::Unary { op, dst, a } => {
                let (d, [a]) = operands(self.regs, dst, [a], n);
                match op {
                    UnOp::Neg => map1(d, a, |x| -x),
                    UnOp::Not => map1(d, a, |x| truth(x == 0.0)),
                }
            }
            Op::Binary { op, dst, a, b } => {
                let (d, [a, b]) = operands(self.regs, dst, [a, b], n);
                match op {
                    BinOp::Add => map2(d, a, b, |x, y| x + y),
                    BinOp::Sub => map2(d, a, b, |x, y| x - y),
                    BinOp::Mul => map2(d, a, b, |x, y| x * y),
                    BinOp::Div => map2(d, a, b, |x, y| x / y),
                    BinOp::Lt => map2(d, a, b, |x, y| truth(x < y)),
                    BinOp::Le => map2(d, a, b, |x, y| truth(x <= y)),
                    BinOp::Gt => map2(d, a, b, |x, y| truth(x > y)),
                    BinOp::Ge => map2(d, a, b, |x, y| truth(x >= y)),
                    BinOp::Min => map2(d, a, b, f64::min),
                    BinOp::Max => map2(d, a, b, f64::max),
                    op => map2(d, a, b, |x, y| apply_binary(op, x, y, false)),
                }
            }
            Op::Powi { dst, a, n: e } => {
                let (d, [a]) = operands(self.regs, dst, [a], n);
                map1(d, a, |x| x.powi(e));
            }
            Op::Call { f, dst, a } => {
                let (d, [a]) = operands(self.regs, dst, [a], n);
                match f {
                    Func::Exp => map1(d, a, f64::exp),
                    Func::Log => map1(d, a, f64::ln),
                    Func::Sqrt => map1(d, a, f64::sqrt),
                    Func::Fabs => map1(d, a, f64::abs),
                    Func::Exprelr => map1(d, a, exprelr),
                    f => map1(d, a, |x| apply_call(f, x)),
                }
            }
            Op::Select { dst, c: cond, t, o } => {
                let (d, [cond, t, o]) = operands(self.regs, dst, [cond, t, o], n);
                for l in 0..n {
                    // C semantics: any nonzero value, NaN included, is true.
                    d[l] = if cond[l] != 0.0 { t[l] } else { o[l] };
                }
            }
            Op::Store { src, sink } => self.store(src, sink, c, tan),
        }
    }

    fn load(&mut self, dst: Reg, from: Source, c: Chunk, tan: Option<&mut Tangents>) {
        let Chunk { j0, n, k } = c;
        let d = &mut reg_mut(self.regs, dst)[..n];
        let nodes = &self.st.node[j0..j0 + n];
        let gather = |d: &mut [f64], array: &[f64], offset: usize| {
            for (d, &cv) in d.iter_mut().zip(nodes) {
                *d = array[offset + cv];
            }
        };
        let ni = self.st.node.len();
        match from {
            Source::Field(f) => d.copy_from_slice(&self.st.fields[f][j0..j0 + n]),
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
            Source::Weight => d.fill(self.event.weight),
            Source::Flag => d.fill(0.0),
            Source::Sigma(pos) => {
                let at = (k * self.st.states + pos) * ni + j0;
                d.copy_from_slice(&self.st.sigma[at..at + n]);
            }
            Source::Carried(pos) => {
                let at = (k * self.st.ncarried + pos) * ni + j0;
                d.copy_from_slice(&self.st.carried[at..at + n]);
            }
            Source::DWeight => {
                let dw = self.event.dweight;
                d.fill(if dw.is_empty() { 0.0 } else { dw[k] });
            }
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
                            d.copy_from_slice(&seed.factor[j0..j0 + n]);
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

    fn store(&mut self, src: Reg, sink: Sink, c: Chunk, tan: Option<&mut Tangents>) {
        let Chunk { j0, n, k } = c;
        let x = &self.regs[src as usize * LANES..][..n];
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
            Sink::Field(f) => self.st.fields[f][j0..j0 + n].copy_from_slice(x),
            Sink::FieldAndIon(f, slot, role) => {
                self.st.fields[f][j0..j0 + n].copy_from_slice(x);
                scatter(ion_array_mut(&mut ctx.ions[ctx.ion_slots[slot]], role), 0);
            }
            Sink::Ion(slot, role) => {
                scatter(ion_array_mut(&mut ctx.ions[ctx.ion_slots[slot]], role), 0);
            }
            Sink::Sigma(pos) => {
                let at = (k * self.st.states + pos) * ni + j0;
                self.st.sigma[at..at + n].copy_from_slice(x);
            }
            Sink::Carried(pos) => {
                let at = (k * self.st.ncarried + pos) * ni + j0;
                self.st.carried[at..at + n].copy_from_slice(x);
            }
            Sink::Current {
                tangent: false,
                negate,
            } => accumulate(ctx.i, 0, negate),
            Sink::IonCurrent {
                tangent: false,
                ion,
            } => {
                let slot = ctx.ion_slots[ion];
                for ((&x, &cv), &w) in x.iter().zip(nodes).zip(weights) {
                    ctx.i[cv] += w * x;
                    ctx.ions[slot].current[cv] += w * x;
                }
            }
            Sink::Conductance {
                tangent: false,
                negate,
                ion,
            } => match ion {
                Some(ion) => {
                    let slot = ctx.ion_slots[ion];
                    for ((&x, &cv), &w) in x.iter().zip(nodes).zip(weights) {
                        ctx.g[cv] += w * x;
                        ctx.ions[slot].current_dv[cv] += w * x;
                    }
                }
                None => accumulate(ctx.g, 0, negate),
            },
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
                        let slot = ctx.ion_slots[ion];
                        for ((&x, &cv), &w) in x.iter().zip(nodes).zip(weights) {
                            tan.di[offset + cv] += w * x;
                            tan.ions[slot].current[offset + cv] += w * x;
                        }
                    }
                    Sink::Conductance { negate, .. } => accumulate(tan.dg, offset, negate),
                    Sink::SigmaAndTanIon(pos, slot, role) => {
                        let at = (k * self.st.states + pos) * ni + j0;
                        self.st.sigma[at..at + n].copy_from_slice(x);
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
