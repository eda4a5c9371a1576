//! Calling native kernels: the frame of each call, and the checks that make the call safe.
//!
//! A kernel reads and writes through the frame's raw pointers without bounds checks. What keeps
//! every access within its array:
//!
//! - by construction, checked once: the register code names only fields, σ rows, carried rows,
//!   seeds and ion slots the mechanism has (`frame::validate`, when the code is compiled); the
//!   mechanism's own arrays (node, weight, every field) hold one value per instance, σ and the
//!   carried tangents `directions` rows of them, and every node index is below `Data::cvs`
//!   (`Data::allocate` and `Data::set_tangent_count`, the only places that size them); the
//!   instances a call covers are within them (`Instances::run`);
//! - per call, in [`check`]: every array of the runtime that the kernel indexes (`Needs`) is
//!   present and long enough for the CVs, directions and rows the kernel will index, the tangent
//!   stride `ncv` covers every CV, and the seed factors hold one value per instance. The cost is
//!   a few comparisons per array the kernel uses, against a kernel that loops over instances;
//! - the one exception, in the code: the tangent columns of an ion current that nothing reads
//!   are empty (`IonTangents::current`), their pointer is null, and the kernel tests it before
//!   it accumulates into them.
//!
//! A check that fails panics with what is wrong, as a slice index out of bounds would in the
//! evaluator; no input the runtime accepts reaches memory outside the arrays.

use gradmod_runtime::mechanism::{Context, IonArrays, IonTangents, Tangents};

use super::frame::{Base, Frame};
use super::{JitCode, Kernel};
use crate::code::{KernelSet, Shape};
use crate::instances::{Backend, Call, Data};

/// Tables and zeros a set of instances keeps for its kernel calls, so that calls never allocate.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Zeros, at least one per instance and per direction: the seed factor of a direction that
    /// moves no field of the mechanism.
    zeros: Vec<f64>,
    /// The frame's table of field pointers.
    fields: Vec<*mut f64>,
    /// The frame's table of ion arrays, per slot.
    ions: Vec<[*mut f64; 6]>,
    /// The frame's table of ion tangent arrays, per slot.
    tan_ions: Vec<[*mut f64; 5]>,
    /// The frame's table of seed factors, `[k][field]`.
    seeds: Vec<*const f64>,
    /// The frame's table of which directions move a parameter of the mechanism, `[k]`.
    seeded: Vec<u64>,
}

// SAFETY: the tables' pointers are written at the start of a kernel call and dereferenced only
// during it, by the thread that makes the call; between calls they are dead values.
unsafe impl Send for Scratch {}

impl Backend for JitCode {
    type Kernel = Option<Kernel>;
    type Scratch = Scratch;

    fn shape(&self) -> &Shape {
        &self.shape
    }

    fn kernels(&self) -> &KernelSet<Option<Kernel>> {
        &self.kernels
    }

    fn prepare(&self, s: &mut Scratch, data: &Data) {
        let need = data.node.len().max(data.directions).max(1);
        s.zeros.clear();
        s.zeros.resize(need, 0.0);
        let (nfields, nslots) = (self.shape.info.fields.len(), self.shape.info.ions.len());
        s.fields = Vec::with_capacity(nfields);
        s.ions = Vec::with_capacity(nslots);
        s.tan_ions = Vec::with_capacity(nslots);
        s.seeds = Vec::with_capacity(data.directions * nfields);
        s.seeded = Vec::with_capacity(data.directions);
    }

    fn run(
        &self,
        kernel: &Option<Kernel>,
        s: &mut Scratch,
        data: &mut Data,
        ctx: &mut Context,
        tan: Option<&mut Tangents>,
        call: Call,
    ) {
        let Some(kernel) = kernel else { return };
        let info = self.shape.info;
        let name = info.name;
        // A forward kernel runs without tangents, as in the evaluator.
        let tan = if kernel.tangent { tan } else { None };
        let event = call.event;
        let mut frame = Frame {
            first: call.first,
            end: call.end,
            ndir: tan.as_ref().map_or(0, |t| t.k),
            ni: data.node.len(),
            ncv: tan.as_ref().map_or(0, |t| t.ncv),
            states: self.shape.states,
            ncarried: self.shape.carried,
            nfields: info.fields.len(),
            t: ctx.t,
            dt: ctx.dt,
            random_key: ctx.random.key(),
            celsius: ctx.celsius,
            ev_flag: event.flag,
            nargs: info.net_args.len(),
            node: std::ptr::null(),
            weight: std::ptr::null(),
            fields: std::ptr::null(),
            sigma: std::ptr::null_mut(),
            carried: std::ptr::null_mut(),
            v: std::ptr::null(),
            i: std::ptr::null_mut(),
            g: std::ptr::null_mut(),
            area: std::ptr::null(),
            diam: std::ptr::null(),
            ions: std::ptr::null(),
            tan_s: std::ptr::null(),
            tan_di: std::ptr::null_mut(),
            tan_dg: std::ptr::null_mut(),
            tan_ions: std::ptr::null(),
            seeds: std::ptr::null(),
            args: std::ptr::null_mut(),
            dargs: std::ptr::null_mut(),
            emit: std::ptr::null_mut(),
            emit_stride: 3 * info.emit_slots,
            seeded: std::ptr::null(),
            vectors: ctx.vectors.as_ptr(),
            nvectors: ctx.vectors.len(),
            tables: ctx.tables.as_ptr(),
            ntables: ctx.tables.len(),
        };
        // The checks first, on shared views of the arrays; then the pointers.
        let lengths = Lengths {
            data,
            ctx,
            tan: tan.as_deref(),
            args: event.args.len(),
            dargs: event.dargs.len(),
        };
        check(kernel, &frame, &lengths, name);
        frame.node = data.node.as_ptr();
        frame.weight = data.weight.as_ptr();
        frame.sigma = data.sigma.as_mut_ptr();
        frame.carried = data.carried.as_mut_ptr();
        frame.v = ctx.v.as_ptr();
        frame.i = ctx.i.as_mut_ptr();
        frame.g = ctx.g.as_mut_ptr();
        frame.area = ctx.area.as_ptr();
        frame.diam = ctx.diam.as_ptr();
        frame.emit = ctx.emit.as_mut_ptr();
        frame.args = event.args.as_mut_ptr();
        frame.dargs = event.dargs.as_mut_ptr();
        s.fields.clear();
        s.fields
            .extend(data.fields.iter_mut().map(|f| f.as_mut_ptr()));
        frame.fields = s.fields.as_ptr();
        s.ions.clear();
        for slot in 0..info.ions.len() {
            let ion = ctx.ion_slots.get(slot).and_then(|&i| ctx.ions.get_mut(i));
            s.ions.push(ion.map_or([std::ptr::null_mut(); 6], |ion| {
                [
                    ion.current.as_mut_ptr(),
                    ion.current_dv.as_mut_ptr(),
                    ion.rev.as_mut_ptr(),
                    ion.inside.as_mut_ptr(),
                    ion.outside.as_mut_ptr(),
                    ion.diffusive.as_mut_ptr(),
                ]
            }));
        }
        frame.ions = s.ions.as_ptr();
        if let Some(tan) = tan {
            if kernel.needs.arrays.iter().any(|(b, _)| *b == Base::Seeds) {
                seed_table(s, tan, frame.ni, frame.nfields, name);
                frame.seeds = s.seeds.as_ptr();
            }
            if kernel.needs.arrays.iter().any(|(b, _)| *b == Base::Seeded) {
                seeded_table(s, tan, name);
                frame.seeded = s.seeded.as_ptr();
            }
            frame.tan_s = tan.s.as_ptr();
            frame.tan_di = tan.di.as_mut_ptr();
            frame.tan_dg = tan.dg.as_mut_ptr();
            s.tan_ions.clear();
            for slot in 0..info.ions.len() {
                let ion = ctx.ion_slots.get(slot).and_then(|&i| tan.ions.get_mut(i));
                s.tan_ions
                    .push(ion.map_or([std::ptr::null_mut(); 5], |ion| {
                        [
                            // Null where the runtime left the columns empty: the kernel
                            // skips them (`memory.rs`, `Sink::IonCurrent`).
                            match ion.current.is_empty() {
                                true => std::ptr::null_mut(),
                                false => ion.current.as_mut_ptr(),
                            },
                            ion.rev.as_mut_ptr(),
                            ion.inside.as_mut_ptr(),
                            ion.outside.as_mut_ptr(),
                            ion.diffusive.as_mut_ptr(),
                        ]
                    }));
            }
            frame.tan_ions = s.tan_ions.as_ptr();
        }
        // SAFETY: `frame` points at live arrays, borrowed for the duration of the call (the
        // context, the tangents, the mechanism's storage and the scratch tables), and `check`
        // and `seed_table` (with the invariants of the mechanism's storage listed at the top of
        // this file) have established that every index the kernel forms from the frame is
        // within the array it indexes. The kernel was compiled with the signature `KernelFn`,
        // reads and writes nothing else, and returns normally.
        unsafe { (kernel.entry)(&frame) };
    }
}

/// Fills the seed table `s.seeds` for every direction of `tan`: the factor of direction k at
/// `[k * nfields + field]` when k moves `field`, else zeros; each holds one value per instance
/// (`ni` of them) or the call panics.
fn seed_table(s: &mut Scratch, tan: &Tangents, ni: usize, nfields: usize, name: &str) {
    assert!(
        tan.seeds.len() >= tan.k,
        "`{name}`: {} seeds for {} tangent directions",
        tan.seeds.len(),
        tan.k
    );
    assert!(
        s.zeros.len() >= ni,
        "`{name}`: the instances changed without `allocate`"
    );
    s.seeds.clear();
    for seed in &tan.seeds[..tan.k] {
        for field in 0..nfields {
            s.seeds.push(match seed {
                Some(seed) if seed.param == field => {
                    assert!(
                        seed.factor.len() >= ni,
                        "`{name}`: a seed of {} values for {ni} instances",
                        seed.factor.len()
                    );
                    seed.factor.as_ptr()
                }
                _ => s.zeros.as_ptr(),
            });
        }
    }
}

/// Fills the table `s.seeded` for every direction of `tan`: 1 where the direction moves a
/// parameter of the mechanism, else 0.
fn seeded_table(s: &mut Scratch, tan: &Tangents, name: &str) {
    assert!(
        tan.seeds.len() >= tan.k,
        "`{name}`: {} seeds for {} tangent directions",
        tan.seeds.len(),
        tan.k
    );
    s.seeded.clear();
    s.seeded
        .extend(tan.seeds[..tan.k].iter().map(|x| u64::from(x.is_some())));
}

/// The arrays a kernel call may index, for their lengths.
struct Lengths<'c, 'a, 't> {
    data: &'c Data,
    ctx: &'c Context<'a>,
    tan: Option<&'c Tangents<'t>>,
    /// The number of the event's values (`Frame::args`).
    args: usize,
    /// The number of their tangents (`Frame::dargs`).
    dargs: usize,
}

impl Lengths<'_, '_, '_> {
    /// The length of the array `base` points to in the frame, or `None` where it points to none.
    fn of(&self, base: Base) -> Option<usize> {
        let ion = |slot: usize| -> Option<&IonArrays> {
            self.ctx.ions.get(*self.ctx.ion_slots.get(slot)?)
        };
        let tan_ion = |slot: usize| -> Option<&IonTangents> {
            self.tan?.ions.get(*self.ctx.ion_slots.get(slot)?)
        };
        Some(match base {
            Base::V => self.ctx.v.len(),
            Base::I => self.ctx.i.len(),
            Base::G => self.ctx.g.len(),
            Base::Area => self.ctx.area.len(),
            Base::Diam => self.ctx.diam.len(),
            Base::Ion(slot, r) => {
                let ion = ion(slot)?;
                [
                    &ion.current,
                    &ion.current_dv,
                    &ion.rev,
                    &ion.inside,
                    &ion.outside,
                    &ion.diffusive,
                ][r]
                    .len()
            }
            Base::Sigma => self.data.sigma.len(),
            Base::Carried => self.data.carried.len(),
            Base::TanS => self.tan?.s.len(),
            Base::TanDi => self.tan?.di.len(),
            Base::TanDg => self.tan?.dg.len(),
            Base::TanIon(slot, r) => {
                let ion = tan_ion(slot)?;
                [
                    &ion.current,
                    &ion.rev,
                    &ion.inside,
                    &ion.outside,
                    &ion.diffusive,
                ][r]
                    .len()
            }
            Base::Args => self.args,
            Base::Emit => self.ctx.emit.len(),
            Base::DArgs => self.dargs,
            // The seed table is checked as it is filled (`seed_table`); other bases are not
            // arrays of the runtime.
            _ => return None,
        })
    }
}

/// Checks that every array `kernel` will index through `frame` (whose sizes are filled in, not
/// yet its pointers) is long enough; panics otherwise.
fn check(kernel: &Kernel, frame: &Frame, lengths: &Lengths, name: &str) {
    let cvs = lengths.data.cvs;
    for &(base, dirs) in &kernel.needs.arrays {
        let k = dirs.count(frame.ndir);
        let need = match base {
            Base::V | Base::I | Base::G | Base::Area | Base::Diam | Base::Ion(..) => cvs,
            Base::TanS | Base::TanDi | Base::TanDg | Base::TanIon(..) => {
                assert!(
                    k == 0 || frame.ncv >= cvs,
                    "`{name}`: tangent arrays of {} CVs for instances on {cvs}",
                    frame.ncv
                );
                k * frame.ncv
            }
            Base::Sigma => k * frame.states * frame.ni,
            Base::Carried => k * frame.ncarried * frame.ni,
            Base::Args => frame.nargs,
            Base::DArgs => k * frame.nargs,
            Base::Emit => frame.end * frame.emit_stride,
            Base::Seeds | Base::Seeded => {
                // The tables are filled for every direction of the tangents (`seed_table`,
                // `seeded_table`).
                assert!(
                    k <= frame.ndir,
                    "`{name}`: seeds of direction {} used with {} directions",
                    k.saturating_sub(1),
                    frame.ndir
                );
                continue;
            }
            _ => continue,
        };
        if need == 0 {
            continue;
        }
        // The current's tangent columns of a species whose current nothing reads are empty:
        // `run` gives the kernel a null pointer for them, and the kernel skips them.
        if let (Base::TanIon(_, 0), Some(0)) = (base, lengths.of(base)) {
            continue;
        }
        match lengths.of(base) {
            Some(len) if len >= need => {}
            Some(len) => panic!("`{name}`: {base:?} has {len} values where {need} are indexed"),
            None => panic!("`{name}`: {base:?} is missing (an ion slot, or the tangents)"),
        }
    }
}
