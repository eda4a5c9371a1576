//! The loop over four instances at a time: a kernel's per-instance and per-direction parts over
//! lanes, as the build-time kernels run them (`gradmod_runtime::lanes`).
//!
//! Where the CPU has AVX2 and FMA ([`gradmod_runtime::lanes::wide`]), the kernels that run every
//! step (`currents`, `states` and their tangents) first run over blocks of four instances, each
//! register held in two Cranelift `F64X2` vectors, and then one instance at a time for the
//! instances left over (`lower.rs`). Every operation is the scalar one lane by lane, in the same
//! order: IEEE arithmetic, comparisons as masks and conditionals as bit selections (both arms
//! computed, as the evaluator does), `exp` by the lanes' four-wide function (bit-equal to libm's
//! per lane), and every other library function called lane by lane. Loads and stores of fields,
//! σ and the carried tangents are vector accesses at the block's first instance; per-CV values
//! are gathered through the node index, and stored and accumulated lane by lane in instance
//! order, as the build-time lanes do. A point process that reads an ion array it also writes
//! (the register code's `serial` flag) runs one instance at a time throughout.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F64, F64X2, I64};
use cranelift_codegen::ir::{Block, ConstantData, Endianness, InstBuilder, MemFlagsData, Value};

use gradmod_compiler::back::kernels::{Sink, Source};
use gradmod_compiler::ir::{BinOp, Func, UnOp};

use super::frame::{Base, ion_index, tan_index};
use super::lower::{Gen, LaneFuncs, Lanes};
use crate::program::{Op, Program};

/// Loads and stores of vectors: they cannot trap, but are aligned to 8 bytes only.
const VFLAGS: MemFlagsData = MemFlagsData::new().with_notrap();

/// Loads and stores of single values, aligned and non-trapping (see `call.rs`).
const FLAGS: MemFlagsData = MemFlagsData::trusted();

/// Whether the kernel `name` (register code `p`) runs over lanes on this machine: the kernels
/// that run every step, as at build time, unless one instance must see what earlier ones stored.
pub(super) fn over_lanes(name: &str, p: &Program) -> bool {
    matches!(
        name,
        "currents" | "states" | "currents_tangent" | "states_tangent"
    ) && !p.serial
        && !p.sequential
        && gradmod_runtime::lanes::wide()
}

impl Gen<'_, '_> {
    /// Emits the loop over blocks of four instances from `first` while four remain, which jumps
    /// to `exit` with the first instance it leaves.
    pub(super) fn lane_loop(&mut self, p: &Program, first: Value, exit: Block) {
        let head = self.b.create_block();
        let body = self.b.create_block();
        let jp = self.b.append_block_param(head, I64);
        self.b.ins().jump(head, &[first.into()]);
        self.b.switch_to_block(head);
        let end = self.bases[&Base::End];
        let last = self.b.ins().iadd_imm_s(jp, 4);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, last, end);
        self.b.ins().brif(more, body, &[], exit, &[jp.into()]);
        self.b.switch_to_block(body);
        // Values made in this loop do not dominate the scalar loop: its caches start afresh.
        let consts = self.consts.clone();
        self.vconsts.clear();
        self.vregs.iter_mut().for_each(|r| *r = None);
        self.vector = true;
        self.j = jp;
        self.new_block();
        self.body(p, jp, head, 4);
        self.vector = false;
        self.consts = consts;
    }

    /// `x` in every lane.
    fn splat(&mut self, x: Value) -> Lanes {
        let v = self.b.ins().splat(F64X2, x);
        [v, v]
    }

    /// The constant `x` in every lane.
    fn vconst(&mut self, x: f64) -> Lanes {
        if let Some(&v) = self.vconsts.get(&x.to_bits()) {
            return [v, v];
        }
        let bytes: Vec<u8> = [x, x].iter().flat_map(|x| x.to_le_bytes()).collect();
        let c = self.b.func.dfg.constants.insert(ConstantData::from(bytes));
        let v = self.b.ins().vconst(F64X2, c);
        self.vconsts.insert(x.to_bits(), v);
        [v, v]
    }

    /// The lanes of register `r`: a pooled constant, a value of the per-call part in every
    /// lane, or what the operation that wrote it computed.
    fn vreg(&mut self, r: u32) -> Lanes {
        let ru = r as usize;
        if ru < self.pool.len() {
            return self.vconst(self.pool[ru]);
        }
        if let Some(v) = self.vregs[ru] {
            return v;
        }
        let x = self.regs[ru].expect("a register read before it is written");
        let v = self.splat(x);
        self.vregs[ru] = Some(v);
        v
    }

    /// Lane `l` of `x`.
    fn lane(&mut self, x: Lanes, l: usize) -> Value {
        self.b.ins().extractlane(x[l / 2], (l % 2) as u8)
    }

    /// Four values as lanes.
    fn pack(&mut self, x: [Value; 4]) -> Lanes {
        [0, 1].map(|h| {
            let v = self.b.ins().splat(F64X2, x[2 * h]);
            self.b.ins().insertlane(v, x[2 * h + 1], 1)
        })
    }

    /// A mask per lane, all ones where `a cc b`, as floats.
    fn vcmp(&mut self, cc: FloatCC, a: Lanes, b: Lanes) -> Lanes {
        let little = MemFlagsData::new().with_endianness(Endianness::Little);
        [0, 1].map(|h| {
            let m = self.b.ins().fcmp(cc, a[h], b[h]);
            self.b.ins().bitcast(F64X2, little, m)
        })
    }

    /// 1.0 where the mask `c` is set, else 0.0.
    fn vtruth(&mut self, c: Lanes) -> Lanes {
        let one = self.vconst(1.0);
        [0, 1].map(|h| self.b.ins().band(c[h], one[h]))
    }

    /// `t` where the mask `c` is set, else `o`.
    fn vselect(&mut self, c: Lanes, t: Lanes, o: Lanes) -> Lanes {
        [0, 1].map(|h| self.b.ins().bitselect(c[h], t[h], o[h]))
    }

    /// Whether each lane of `x` is nonzero (NaN included), as a mask.
    fn nonzero(&mut self, x: Lanes) -> Lanes {
        let zero = self.vconst(0.0);
        self.vcmp(FloatCC::NotEqual, x, zero)
    }

    /// The library function `name` lane by lane.
    fn vcall(&mut self, name: &'static str, args: &[Lanes]) -> Lanes {
        let mut out = [args[0][0]; 4];
        for (l, o) in out.iter_mut().enumerate() {
            let xs: Vec<Value> = args.iter().map(|&a| self.lane(a, l)).collect();
            *o = self.call(name, &xs);
        }
        self.pack(out)
    }

    /// `exp` of every lane: the lanes' four-wide function where declared.
    fn vexp(&mut self, x: Lanes) -> Lanes {
        let Some(LaneFuncs {
            exp4: Some(exp4),
            slot,
        }) = self.lanes
        else {
            return self.vcall("exp", &[x]);
        };
        self.b.ins().stack_store(I64, x[0], slot, 0);
        self.b.ins().stack_store(I64, x[1], slot, 16);
        let at = self.b.ins().stack_addr(I64, slot, 0);
        self.b.ins().call(exp4, &[at]);
        [0, 16].map(|off| self.b.ins().stack_load(I64, F64X2, slot, off))
    }

    /// Emits one operation over lanes.
    pub(super) fn vop(&mut self, op: &Op) {
        let (dst, v) = match *op {
            Op::Load { dst, from } => (dst, self.vload(from)),
            // Sequential programs never run over lanes (`over_lanes`).
            Op::Copy { .. }
            | Op::LoopStart { .. }
            | Op::LoopEnd { .. }
            | Op::ExitUnless { .. }
            | Op::GetElement { .. }
            | Op::VectorRead { .. }
            | Op::DrawAt { .. }
            | Op::TableRead { .. }
            | Op::SetElement { .. } => unreachable!("a sequential kernel over lanes"),
            Op::Unary { op, dst, a } => {
                let a = self.vreg(a);
                let v = match op {
                    UnOp::Neg => a.map(|a| self.b.ins().fneg(a)),
                    UnOp::Not => {
                        let zero = self.vconst(0.0);
                        let c = self.vcmp(FloatCC::Equal, a, zero);
                        self.vtruth(c)
                    }
                };
                (dst, v)
            }
            Op::Binary { op, dst, a, b } => {
                let (a, b) = (self.vreg(a), self.vreg(b));
                (dst, self.vbinary(op, a, b))
            }
            Op::Powi { dst, a, n } => {
                let a = self.vreg(a);
                (dst, self.vpowi(a, n))
            }
            Op::Call { f, dst, a } => {
                let a = self.vreg(a);
                (dst, self.vfunc(f, a))
            }
            Op::Select { dst, c, t, o } => {
                let (c, t, o) = (self.vreg(c), self.vreg(t), self.vreg(o));
                let c = self.nonzero(c);
                (dst, self.vselect(c, t, o))
            }
            Op::Store { src, sink } => {
                let x = self.vreg(src);
                self.vstore(x, sink);
                return;
            }
        };
        self.vregs[dst as usize] = Some(v);
    }

    /// `apply_binary(op, a, b, false)` lane by lane (see `Gen::binary`).
    fn vbinary(&mut self, op: BinOp, a: Lanes, b: Lanes) -> Lanes {
        let cmp = |g: &mut Self, cc: FloatCC| {
            let c = g.vcmp(cc, a, b);
            g.vtruth(c)
        };
        match op {
            BinOp::Add => [0, 1].map(|h| self.b.ins().fadd(a[h], b[h])),
            BinOp::Sub => [0, 1].map(|h| self.b.ins().fsub(a[h], b[h])),
            BinOp::Mul => [0, 1].map(|h| self.b.ins().fmul(a[h], b[h])),
            BinOp::Div => [0, 1].map(|h| self.b.ins().fdiv(a[h], b[h])),
            BinOp::Pow => self.vcall("pow", &[a, b]),
            BinOp::Lt => cmp(self, FloatCC::LessThan),
            BinOp::Le => cmp(self, FloatCC::LessThanOrEqual),
            BinOp::Gt => cmp(self, FloatCC::GreaterThan),
            BinOp::Ge => cmp(self, FloatCC::GreaterThanOrEqual),
            BinOp::Eq => cmp(self, FloatCC::Equal),
            BinOp::Ne => cmp(self, FloatCC::NotEqual),
            BinOp::And | BinOp::Or => {
                let ca = self.nonzero(a);
                let cb = self.nonzero(b);
                let c = if op == BinOp::And {
                    [0, 1].map(|h| self.b.ins().band(ca[h], cb[h]))
                } else {
                    [0, 1].map(|h| self.b.ins().bor(ca[h], cb[h]))
                };
                self.vtruth(c)
            }
            BinOp::Min | BinOp::Max => {
                let cc = if op == BinOp::Min {
                    FloatCC::LessThan
                } else {
                    FloatCC::GreaterThan
                };
                let pick = self.vcmp(cc, b, a);
                let m = self.vselect(pick, b, a);
                let nan = self.vcmp(FloatCC::Unordered, a, a);
                self.vselect(nan, b, m)
            }
            BinOp::Atan2 => self.vcall("atan2", &[a, b]),
            BinOp::Fmod => self.vcall("fmod", &[a, b]),
        }
    }

    /// `a^n` by repeated squaring, as `Gen::powi`.
    fn vpowi(&mut self, mut a: Lanes, n: i32) -> Lanes {
        let mut e = n.unsigned_abs();
        let mut r: Option<Lanes> = None;
        loop {
            if e & 1 != 0 {
                r = Some(match r {
                    None => a,
                    Some(r) => [0, 1].map(|h| self.b.ins().fmul(r[h], a[h])),
                });
            }
            e /= 2;
            if e == 0 {
                break;
            }
            a = [0, 1].map(|h| self.b.ins().fmul(a[h], a[h]));
        }
        let r = match r {
            Some(r) => r,
            None => self.vconst(1.0),
        };
        if n < 0 {
            let one = self.vconst(1.0);
            [0, 1].map(|h| self.b.ins().fdiv(one[h], r[h]))
        } else {
            r
        }
    }

    /// `apply_call(f, x)` lane by lane (see `Gen::func`).
    fn vfunc(&mut self, f: Func, x: Lanes) -> Lanes {
        let signum = |g: &mut Self, x: Lanes| {
            let zero = g.vconst(0.0);
            let one = g.vconst(1.0);
            let minus = g.vconst(-1.0);
            let gt = g.vcmp(FloatCC::GreaterThan, x, zero);
            let lt = g.vcmp(FloatCC::LessThan, x, zero);
            let s = g.vselect(lt, minus, zero);
            g.vselect(gt, one, s)
        };
        match f {
            Func::Exp => self.vexp(x),
            Func::Log => self.vcall("log", &[x]),
            Func::Log10 => self.vcall("log10", &[x]),
            Func::Sqrt => x.map(|x| self.b.ins().sqrt(x)),
            Func::Fabs => x.map(|x| self.b.ins().fabs(x)),
            Func::Sin => self.vcall("sin", &[x]),
            Func::Cos => self.vcall("cos", &[x]),
            Func::Tan => self.vcall("tan", &[x]),
            Func::Tanh => self.vcall("tanh", &[x]),
            Func::Sinh => self.vcall("sinh", &[x]),
            Func::Cosh => self.vcall("cosh", &[x]),
            Func::Atan => self.vcall("atan", &[x]),
            Func::Asin => self.vcall("asin", &[x]),
            Func::Acos => self.vcall("acos", &[x]),
            Func::Erf => self.vcall("erf", &[x]),
            Func::Erfc => self.vcall("erfc", &[x]),
            Func::Exprelr => {
                let one = self.vconst(1.0);
                let s = [0, 1].map(|h| self.b.ins().fadd(one[h], x[h]));
                let tiny = self.vcmp(FloatCC::Equal, s, one);
                let em1 = self.vcall("expm1", &[x]);
                let q = [0, 1].map(|h| self.b.ins().fdiv(x[h], em1[h]));
                self.vselect(tiny, one, q)
            }
            Func::Floor => x.map(|x| self.b.ins().floor(x)),
            Func::Ceil => x.map(|x| self.b.ins().ceil(x)),
            Func::StepRight => {
                let zero = self.vconst(0.0);
                let c = self.vcmp(FloatCC::GreaterThanOrEqual, x, zero);
                self.vtruth(c)
            }
            Func::StepLeft => {
                let zero = self.vconst(0.0);
                let c = self.vcmp(FloatCC::GreaterThan, x, zero);
                self.vtruth(c)
            }
            Func::Step => {
                let s = signum(self, x);
                let one = self.vconst(1.0);
                let half = self.vconst(0.5);
                let t = [0, 1].map(|h| self.b.ins().fadd(one[h], s[h]));
                [0, 1].map(|h| self.b.ins().fmul(half[h], t[h]))
            }
            Func::Signum => signum(self, x),
        }
    }

    /// The four values of the array `base` from `index` on.
    fn vload_at(&mut self, base: Base, index: Value) -> Lanes {
        let base = self.bases[&base];
        let a = self.addr(base, index);
        [0, 16].map(|off| self.b.ins().load(F64X2, VFLAGS, a, off))
    }

    /// Stores `x` into the array `base` from `index` on.
    fn vstore_at(&mut self, base: Base, index: Value, x: Lanes) {
        let base = self.bases[&base];
        let a = self.addr(base, index);
        self.b.ins().store(VFLAGS, x[0], a, 0);
        self.b.ins().store(VFLAGS, x[1], a, 16);
    }

    /// The CVs of the four instances, `node[j + l]`.
    fn vcv(&mut self) -> [Value; 4] {
        if let Some(cv) = self.vcv {
            return cv;
        }
        let node = self.bases[&Base::Node];
        let a = self.addr(node, self.j);
        let cv = [0, 8, 16, 24].map(|off| self.b.ins().load(I64, FLAGS, a, off));
        self.vcv = Some(cv);
        cv
    }

    /// The weights of the four instances.
    fn vweight(&mut self) -> Lanes {
        if let Some(w) = self.vw {
            return w;
        }
        let w = self.vload_at(Base::Weight, self.j);
        self.vw = Some(w);
        w
    }

    /// The index in the per-CV array `base` (of direction k where `tangent`) of each lane's CV.
    fn cv_index(&mut self, tangent: bool) -> [Value; 4] {
        let cv = self.vcv();
        if !tangent {
            return cv;
        }
        let koff = match self.koff {
            Some(k) => k,
            None => {
                let ncv = self.bases[&Base::Ncv];
                let k = self.b.ins().imul(self.k, ncv);
                self.koff = Some(k);
                k
            }
        };
        cv.map(|cv| self.b.ins().iadd(koff, cv))
    }

    /// Whether the four instances sit on four consecutive CVs (as the instances of a density
    /// mechanism on a cable do), so that their per-CV values are contiguous: an `i8` truth.
    fn run_of_four(&mut self) -> Value {
        if let Some(r) = self.vrun {
            return r;
        }
        let cv = self.vcv();
        let mut run = None;
        for (l, &c) in cv.iter().enumerate().skip(1) {
            let want = self.b.ins().iadd_imm_s(cv[0], l as i64);
            let eq = self.b.ins().icmp(IntCC::Equal, c, want);
            run = Some(match run {
                None => eq,
                Some(r) => self.b.ins().band(r, eq),
            });
        }
        let run = run.expect("four lanes");
        self.vrun = Some(run);
        run
    }

    /// Emits `contiguous` where the four CVs are consecutive, else `apart`, each returning the
    /// lanes it computes (or none); continues after both, with those lanes.
    ///
    /// Neither may cache a value (it would not dominate the code after them): whatever they share
    /// is computed before.
    fn branch<const N: usize>(
        &mut self,
        contiguous: impl FnOnce(&mut Self) -> [Value; N],
        apart: impl FnOnce(&mut Self) -> [Value; N],
    ) -> [Value; N] {
        let run = self.run_of_four();
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let merge = self.b.create_block();
        let out = [(); N].map(|_| self.b.append_block_param(merge, F64X2));
        self.b.ins().brif(run, fast, &[], slow, &[]);
        self.b.switch_to_block(fast);
        let v = contiguous(self).map(Into::into);
        self.b.ins().jump(merge, &v);
        self.b.switch_to_block(slow);
        let v = apart(self).map(Into::into);
        self.b.ins().jump(merge, &v);
        self.b.switch_to_block(merge);
        out
    }

    /// Each lane's CV's value in the per-CV array `base` (direction k of it where `tangent`).
    fn gather(&mut self, base: Base, tangent: bool) -> Lanes {
        let at = self.cv_index(tangent);
        let base = self.bases[&base];
        self.branch(
            |g| {
                let a = g.addr(base, at[0]);
                [0, 16].map(|off| g.b.ins().load(F64X2, VFLAGS, a, off))
            },
            |g| {
                let x = at.map(|i| {
                    let a = g.addr(base, i);
                    g.b.ins().load(F64, FLAGS, a, 0)
                });
                g.pack(x)
            },
        )
    }

    /// Stores each lane of `x` at its CV in the per-CV array `base`, lane by lane.
    fn scatter(&mut self, base: Base, tangent: bool, x: Lanes) {
        let at = self.cv_index(tangent);
        let base = self.bases[&base];
        self.branch(
            |g| {
                let a = g.addr(base, at[0]);
                g.b.ins().store(VFLAGS, x[0], a, 0);
                g.b.ins().store(VFLAGS, x[1], a, 16);
                []
            },
            |g| {
                for (l, &i) in at.iter().enumerate() {
                    let v = g.lane(x, l);
                    let a = g.addr(base, i);
                    g.b.ins().store(FLAGS, v, a, 0);
                }
                []
            },
        );
    }

    /// `base[cv] += w * x` (or `-=`) lane by lane, in instance order (on four consecutive CVs,
    /// the lanes' sums are independent and run as vectors).
    fn vaccumulate(&mut self, base: Base, tangent: bool, x: Lanes, negate: bool) {
        let w = self.vweight();
        let wx = [0, 1].map(|h| self.b.ins().fmul(w[h], x[h]));
        let at = self.cv_index(tangent);
        let base = self.bases[&base];
        self.branch(
            |g| {
                let a = g.addr(base, at[0]);
                for (h, off) in [0, 16].into_iter().enumerate() {
                    let old = g.b.ins().load(F64X2, VFLAGS, a, off);
                    let new = if negate {
                        g.b.ins().fsub(old, wx[h])
                    } else {
                        g.b.ins().fadd(old, wx[h])
                    };
                    g.b.ins().store(VFLAGS, new, a, off);
                }
                []
            },
            |g| {
                for (l, &i) in at.iter().enumerate() {
                    let v = g.lane(wx, l);
                    let a = g.addr(base, i);
                    let old = g.b.ins().load(F64, FLAGS, a, 0);
                    let new = if negate {
                        g.b.ins().fsub(old, v)
                    } else {
                        g.b.ins().fadd(old, v)
                    };
                    g.b.ins().store(FLAGS, new, a, 0);
                }
                []
            },
        );
    }

    /// The lanes of `from` for the four instances and the current direction.
    fn vload(&mut self, from: Source) -> Lanes {
        use Base as B;
        match from {
            Source::Field(f) => self.vload_at(B::Field(f), self.j),
            Source::V => self.gather(B::V, false),
            Source::Area => self.gather(B::Area, false),
            Source::Diam => self.gather(B::Diam, false),
            Source::Ion(s, r) => self.gather(B::Ion(s, ion_index(r)), false),
            Source::T => self.splat(self.bases[&B::T]),
            Source::Dt => self.splat(self.bases[&B::Dt]),
            Source::Celsius => self.splat(self.bases[&B::Celsius]),
            Source::Const(x) => self.vconst(x),
            // A random draw depends on the instance only: each lane draws its instance's number,
            // as one instance at a time would.
            Source::Draw(d) => {
                let key = self.bases[&B::RandomKey];
                let dt = self.bases[&B::Dt];
                let code = i64::from(d.stream.0) * 4 + i64::from(crate::eval::draw_code(d.dist));
                let code = self.b.ins().iconst(I64, code);
                let j = self.j;
                let xs = [0i64, 1, 2, 3].map(|l| {
                    let jl = self.b.ins().iadd_imm_s(j, l);
                    self.call(super::symbols::DRAW, &[key, jl, code, dt])
                });
                self.pack(xs)
            }
            // Kernels that read an event run one instance at a time (`over_lanes`).
            Source::Arg(_) | Source::TanArg(_) | Source::Flag => {
                unreachable!("an event's values in a kernel over lanes")
            }
            Source::Sigma(pos) => {
                let i = self.row_index(B::States, pos);
                self.vload_at(B::Sigma, i)
            }
            Source::Carried(pos) => {
                let i = self.row_index(B::Ncarried, pos);
                self.vload_at(B::Carried, i)
            }
            _ if !self.tangent => self.vconst(0.0),
            Source::TanV => self.gather(B::TanS, true),
            Source::Seed(field) => {
                let factor = self.seed_factor(field);
                let a = self.addr(factor, self.j);
                [0, 16].map(|off| self.b.ins().load(F64X2, VFLAGS, a, off))
            }
            Source::TanIon(s, r) => self.gather(B::TanIon(s, tan_index(r)), true),
        }
    }

    /// Stores `x` into `sink` for the four instances and the current direction.
    fn vstore(&mut self, x: Lanes, sink: Sink) {
        use Base as B;
        match sink {
            Sink::Let(_) => {}
            Sink::Field(f) => self.vstore_at(B::Field(f), self.j, x),
            Sink::FieldAndIon(f, s, r) => {
                self.vstore_at(B::Field(f), self.j, x);
                self.scatter(B::Ion(s, ion_index(r)), false, x);
            }
            Sink::Ion(s, r) => self.scatter(B::Ion(s, ion_index(r)), false, x),
            Sink::Sigma(pos) => {
                let i = self.row_index(B::States, pos);
                self.vstore_at(B::Sigma, i, x);
            }
            Sink::Carried(pos) => {
                let i = self.row_index(B::Ncarried, pos);
                self.vstore_at(B::Carried, i, x);
            }
            Sink::Arg(_) | Sink::TanArg(_) | Sink::Emit(_) => {
                unreachable!("an event's values in a kernel over lanes")
            }
            Sink::Current {
                tangent: false,
                negate,
            } => self.vaccumulate(B::I, false, x, negate),
            Sink::IonCurrent {
                tangent: false,
                ion,
            } => self.vaccumulate(B::Ion(ion, 0), false, x, false),
            Sink::Conductance {
                tangent: false,
                negate,
            } => self.vaccumulate(B::G, false, x, negate),
            Sink::IonConductance(ion) => self.vaccumulate(B::Ion(ion, 1), false, x, false),
            _ if !self.tangent => {}
            Sink::Current { negate, .. } => self.vaccumulate(B::TanDi, true, x, negate),
            // As in the scalar code (`memory.rs`): skipped where the columns are empty.
            Sink::IonCurrent { ion, .. } => {
                self.vweight();
                self.run_of_four();
                self.cv_index(true);
                let base = self.bases[&B::TanIon(ion, 0)];
                self.if_nonnull(base, |g| g.vaccumulate(B::TanIon(ion, 0), true, x, false));
            }
            Sink::Conductance { negate, .. } => self.vaccumulate(B::TanDg, true, x, negate),
            Sink::SigmaAndTanIon(pos, s, r) => {
                let i = self.row_index(B::States, pos);
                self.vstore_at(B::Sigma, i, x);
                self.scatter(B::TanIon(s, tan_index(r)), true, x);
            }
            Sink::TanIon(s, r) => self.scatter(B::TanIon(s, tan_index(r)), true, x),
        }
    }
}
