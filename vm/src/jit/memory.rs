//! The lowering of loads and stores: values of the frame, and the elements of the arrays it
//! points to, each at the index the frame's layout prescribes (see [`super::frame::Frame`]).

use cranelift_codegen::ir::types::{F64, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value};

use gradmod_compiler::back::kernels::{Sink, Source};

use super::frame::{Base, Slot, ion_index, tan_index};
use super::lower::Gen;

/// Loads and stores that cannot trap: the caller guarantees that every address is valid and
/// aligned (see `call.rs`).
const FLAGS: MemFlagsData = MemFlagsData::trusted();

impl Gen<'_, '_> {
    /// Loads `base` from the frame (called in the entry block only, before any other block, so
    /// that the value dominates every use).
    pub fn base(&mut self, base: Base) -> Value {
        if let Some(&v) = self.bases.get(&base) {
            return v;
        }
        let v = match base.slot() {
            Slot::Word(off, int) => self.load_frame(if int { I64 } else { F64 }, off),
            Slot::Table(off, index) => {
                let table = self.load_frame(I64, off);
                self.b.ins().load(I64, FLAGS, table, (8 * index) as i32)
            }
        };
        self.bases.insert(base, v);
        v
    }

    fn load_frame(&mut self, ty: Type, off: usize) -> Value {
        self.b.ins().load(ty, FLAGS, self.frame, off as i32)
    }

    /// Emits `then` where the pointer `ptr` is not null, and continues after it. `then` may
    /// not cache a value (it would not dominate the code after it): what it shares with the rest
    /// of the kernel is computed before.
    pub(super) fn if_nonnull(&mut self, ptr: Value, then: impl FnOnce(&mut Self)) {
        let (body, after) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(ptr, body, &[], after, &[]);
        self.b.switch_to_block(body);
        then(self);
        self.b.ins().jump(after, &[]);
        self.b.switch_to_block(after);
    }

    /// The address of the f64 (or pointer) at `index` of the array at `base`.
    pub(super) fn addr(&mut self, base: Value, index: Value) -> Value {
        let bytes = self.b.ins().ishl_imm_u(index, 3);
        self.b.ins().iadd(base, bytes)
    }

    fn load_at(&mut self, base: Base, index: Value) -> Value {
        let base = self.bases[&base];
        let a = self.addr(base, index);
        self.b.ins().load(F64, FLAGS, a, 0)
    }

    fn store_at(&mut self, base: Base, index: Value, x: Value) {
        let base = self.bases[&base];
        let a = self.addr(base, index);
        self.b.ins().store(FLAGS, x, a, 0);
    }

    /// `base[index] += w * x` (or `-=`), with the current instance's weight w.
    fn accumulate(&mut self, base: Base, index: Value, x: Value, negate: bool) {
        let w = self.weight();
        let base = self.bases[&base];
        let a = self.addr(base, index);
        let old = self.b.ins().load(F64, FLAGS, a, 0);
        let wx = self.b.ins().fmul(w, x);
        let new = if negate {
            self.b.ins().fsub(old, wx)
        } else {
            self.b.ins().fadd(old, wx)
        };
        self.b.ins().store(FLAGS, new, a, 0);
    }

    /// The current instance's CV, `node[j]`.
    fn cv(&mut self) -> Value {
        if let Some(cv) = self.cv {
            return cv;
        }
        let node = self.bases[&Base::Node];
        let a = self.addr(node, self.j);
        let cv = self.b.ins().load(I64, FLAGS, a, 0);
        self.cv = Some(cv);
        cv
    }

    /// The current instance's weight, `weight[j]`.
    fn weight(&mut self) -> Value {
        if let Some(w) = self.w {
            return w;
        }
        let w = self.load_at(Base::Weight, self.j);
        self.w = Some(w);
        w
    }

    /// The index of the current CV in direction k of a tangent array: `k * ncv + cv`.
    fn tan_index(&mut self) -> Value {
        if let Some(i) = self.tan_idx {
            return i;
        }
        let ncv = self.bases[&Base::Ncv];
        let cv = self.cv();
        let kn = self.b.ins().imul(self.k, ncv);
        let i = self.b.ins().iadd(kn, cv);
        self.tan_idx = Some(i);
        i
    }

    /// The index of the current instance in row `row` of direction k of an array of
    /// `rows_base` rows per direction: `(k * rows + row) * ni + j`.
    pub(super) fn row_index(&mut self, rows_base: Base, row: usize) -> Value {
        if let Some(&i) = self.rows.get(&(rows_base, row)) {
            return i;
        }
        let rows = self.bases[&rows_base];
        let ni = self.bases[&Base::Ni];
        let kr = self.b.ins().imul(self.k, rows);
        let r = self.b.ins().iadd_imm_s(kr, row as i64);
        let rn = self.b.ins().imul(r, ni);
        let i = self.b.ins().iadd(rn, self.j);
        self.rows.insert((rows_base, row), i);
        i
    }

    /// The value of `from` for the current instance and direction.
    pub fn load(&mut self, from: Source) -> Value {
        use Base as B;
        match from {
            Source::Field(f) => self.load_at(B::Field(f), self.j),
            Source::V => self.load_cv(B::V),
            Source::Area => self.load_cv(B::Area),
            Source::Diam => self.load_cv(B::Diam),
            Source::Ion(s, r) => self.load_cv(B::Ion(s, ion_index(r))),
            Source::T => self.bases[&B::T],
            Source::Dt => self.bases[&B::Dt],
            Source::Celsius => self.bases[&B::Celsius],
            Source::Const(x) => self.fconst(x),
            Source::Draw(d) => {
                let key = self.bases[&B::RandomKey];
                let dt = self.bases[&B::Dt];
                let code = i64::from(d.stream.0) * 4 + i64::from(crate::eval::draw_code(d.dist));
                let code = self.b.ins().iconst(I64, code);
                let j = self.j;
                self.call(super::symbols::DRAW, &[key, j, code, dt])
            }
            Source::Arg(i) => {
                let i = self.b.ins().iconst(I64, i as i64);
                self.load_at(B::Args, i)
            }
            Source::Flag => self.bases[&B::EvFlag],
            Source::Sigma(pos) => {
                let i = self.row_index(B::States, pos);
                self.load_at(B::Sigma, i)
            }
            Source::Carried(pos) => {
                let i = self.row_index(B::Ncarried, pos);
                self.load_at(B::Carried, i)
            }
            // Without tangents, tangent sources read 0, as in the evaluator.
            _ if !self.tangent => self.fconst(0.0),
            Source::TanArg(i) => {
                let i = self.darg_index(i);
                self.load_at(B::DArgs, i)
            }
            Source::TanV => {
                let i = self.tan_index();
                self.load_at(B::TanS, i)
            }
            Source::Seed(field) => {
                let factor = self.seed_factor(field);
                let a = self.addr(factor, self.j);
                self.b.ins().load(F64, FLAGS, a, 0)
            }
            Source::TanIon(s, r) => {
                let i = self.tan_index();
                self.load_at(B::TanIon(s, tan_index(r)), i)
            }
        }
    }

    /// The index of argument `i` in direction k of the connection's tangents: `k * nargs + i`.
    fn darg_index(&mut self, i: usize) -> Value {
        let nargs = self.bases[&Base::Nargs];
        let kn = self.b.ins().imul(self.k, nargs);
        self.b.ins().iadd_imm_s(kn, i as i64)
    }

    /// The address of direction k's seed factors for `field` (one per instance): the frame's
    /// seed table at `k * nfields + field`.
    pub(super) fn seed_factor(&mut self, field: usize) -> Value {
        let kn = match self.seed_row {
            Some(kn) => kn,
            None => {
                let nf = self.bases[&Base::Nfields];
                let kn = self.b.ins().imul(self.k, nf);
                self.seed_row = Some(kn);
                kn
            }
        };
        let slot = self.b.ins().iadd_imm_s(kn, field as i64);
        let seeds = self.bases[&Base::Seeds];
        let a = self.addr(seeds, slot);
        self.b.ins().load(I64, FLAGS, a, 0)
    }

    /// The current CV's value in the per-CV array `base`.
    fn load_cv(&mut self, base: Base) -> Value {
        let cv = self.cv();
        self.load_at(base, cv)
    }

    /// Stores `x` into `sink` for the current instance and direction.
    pub fn store(&mut self, x: Value, sink: Sink) {
        use Base as B;
        match sink {
            // Bindings are resolved when the register code is built.
            Sink::Let(_) => {}
            Sink::Field(f) => self.store_at(B::Field(f), self.j, x),
            Sink::FieldAndIon(f, s, r) => {
                self.store_at(B::Field(f), self.j, x);
                let cv = self.cv();
                self.store_at(B::Ion(s, ion_index(r)), cv, x);
            }
            Sink::Ion(s, r) => {
                let cv = self.cv();
                self.store_at(B::Ion(s, ion_index(r)), cv, x);
            }
            Sink::Sigma(pos) => {
                let i = self.row_index(B::States, pos);
                self.store_at(B::Sigma, i, x);
            }
            Sink::Carried(pos) => {
                let i = self.row_index(B::Ncarried, pos);
                self.store_at(B::Carried, i, x);
            }
            Sink::Current {
                tangent: false,
                negate,
            } => {
                let cv = self.cv();
                self.accumulate(B::I, cv, x, negate);
            }
            Sink::IonCurrent {
                tangent: false,
                ion,
            } => {
                let cv = self.cv();
                self.accumulate(B::Ion(ion, 0), cv, x, false);
            }
            Sink::Conductance {
                tangent: false,
                negate,
            } => {
                let cv = self.cv();
                self.accumulate(B::G, cv, x, negate);
            }
            Sink::IonConductance(ion) => {
                let cv = self.cv();
                self.accumulate(B::Ion(ion, 1), cv, x, false);
            }
            Sink::Arg(i) => {
                let i = self.b.ins().iconst(I64, i as i64);
                self.store_at(B::Args, i, x);
            }
            Sink::Emit(off) => {
                // `j * 3 * emit_slots + off`.
                let stride = self.bases[&B::EmitStride];
                let js = self.b.ins().imul(self.j, stride);
                let i = self.b.ins().iadd_imm_s(js, off as i64);
                self.store_at(B::Emit, i, x);
            }
            // Without tangents, tangent sinks do nothing, as in the evaluator.
            _ if !self.tangent => {}
            Sink::TanArg(i) => {
                let i = self.darg_index(i);
                self.store_at(B::DArgs, i, x);
            }
            Sink::Current { negate, .. } => {
                let i = self.tan_index();
                self.accumulate(B::TanDi, i, x, negate);
            }
            // The columns of a current nothing reads are empty and their pointer null
            // (`call.rs`): skipped. What the accumulation caches is computed before the branch.
            Sink::IonCurrent { ion, .. } => {
                let i = self.tan_index();
                self.weight();
                let base = self.bases[&B::TanIon(ion, 0)];
                self.if_nonnull(base, |g| g.accumulate(B::TanIon(ion, 0), i, x, false));
            }
            Sink::Conductance { negate, .. } => {
                let i = self.tan_index();
                self.accumulate(B::TanDg, i, x, negate);
            }
            Sink::SigmaAndTanIon(pos, s, r) => {
                let i = self.row_index(B::States, pos);
                self.store_at(B::Sigma, i, x);
                let i = self.tan_index();
                self.store_at(B::TanIon(s, tan_index(r)), i, x);
            }
            Sink::TanIon(s, r) => {
                let i = self.tan_index();
                self.store_at(B::TanIon(s, tan_index(r)), i, x);
            }
        }
    }
}
