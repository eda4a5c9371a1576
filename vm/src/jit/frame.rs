//! What a native kernel is given, and what it touches.
//!
//! A kernel is called with one pointer to a [`Frame`], which holds the range of instances, the
//! sizes it indexes with, the scalars of the call and a pointer to every array it may read or
//! write. [`Base`] names each of them; [`Needs`] lists, for one kernel, the arrays it indexes
//! and with which tangent directions, so that the caller can check before each call that every
//! index the kernel computes is within its array (see `call.rs`).

use std::mem::offset_of;

use gradmod_compiler::back::kernels::{Sink, Source};
use gradmod_compiler::ir::IonRole;

use crate::code::Shape;
use crate::program::{Op, Program};

/// Everything a kernel reads or writes, passed by pointer.
///
/// Arrays of instances are indexed by the instance j (`first <= j < end`), arrays of CVs by
/// `node[j]`, tangent arrays `[k][cv]` by `k * ncv + node[j]`, σ and the carried tangents
/// `[k][row][instance]` by `(k * rows + row) * ni + j`, the seed table by
/// `k * nfields + field`, `dweight` by k. The caller guarantees (and checks) that each index a
/// kernel forms from these is within the array it indexes.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct Frame {
    /// The first instance.
    pub first: usize,
    /// One past the last instance.
    pub end: usize,
    /// The number of tangent directions (0 in forward kernels).
    pub ndir: usize,
    /// The number of instances: the stride of σ and carried rows.
    pub ni: usize,
    /// The number of CVs: the stride of tangent arrays.
    pub ncv: usize,
    /// The number of states (rows of σ per direction).
    pub states: usize,
    /// The number of carried variables (rows of carried tangents per direction).
    pub ncarried: usize,
    /// The number of fields (the stride of the seed table).
    pub nfields: usize,
    /// The time.
    pub t: f64,
    /// The time step.
    pub dt: f64,
    /// The key of the call's random draws ([`gradmod_runtime::random::Draws::key`]).
    pub random_key: u64,
    /// The temperature.
    pub celsius: f64,
    /// The event's flag (NET_RECEIVE).
    pub ev_flag: f64,
    /// The number of NET_RECEIVE arguments: the stride of `dargs`.
    pub nargs: usize,
    /// The CV of every instance.
    pub node: *const usize,
    /// The weight of every instance.
    pub weight: *const f64,
    /// One pointer per field, each to one value per instance.
    pub fields: *const *mut f64,
    /// σ.
    pub sigma: *mut f64,
    /// The carried tangents.
    pub carried: *mut f64,
    /// The voltage per CV.
    pub v: *const f64,
    /// The current accumulator per CV.
    pub i: *mut f64,
    /// The conductance accumulator per CV.
    pub g: *mut f64,
    /// The area per CV.
    pub area: *const f64,
    /// The diameter per CV.
    pub diam: *const f64,
    /// Per ion slot, the arrays [`ion_index`] orders: current, current_dv, rev, inside,
    /// outside, diffusive.
    pub ions: *const [*mut f64; 6],
    /// S_k, `[k][cv]`.
    pub tan_s: *const f64,
    /// The dI_k accumulator, `[k][cv]`.
    pub tan_di: *mut f64,
    /// The dg_k accumulator, `[k][cv]`.
    pub tan_dg: *mut f64,
    /// Per ion slot, the tangent arrays [`tan_index`] orders: current, rev, inside, outside,
    /// diffusive.
    pub tan_ions: *const [*mut f64; 5],
    /// `[k * nfields + field]`: the seed factor of direction k when it moves `field`, else an
    /// array of zeros (one value per instance either way).
    pub seeds: *const *const f64,
    /// The values of the event's connection, one per NET_RECEIVE argument.
    pub args: *mut f64,
    /// Their tangents, `[k][arg]`.
    pub dargs: *mut f64,
    /// The event requests, `[instance][emit_stride]`.
    pub emit: *mut f64,
    /// The number of event-request entries per instance, `3 * emit_slots`.
    pub emit_stride: usize,
    /// `[k]`: 1 where direction k moves a parameter of the mechanism (it has a seed), else 0;
    /// the kernel runs its specialised per-direction part where 0.
    pub seeded: *const u64,
    /// Per instance, its vector ([`gradmod_runtime::mechanism::Context::vectors`]).
    pub vectors: *const Option<Vec<f64>>,
    /// The number of entries of [`Frame::vectors`].
    pub nvectors: usize,
    /// The mechanism's FUNCTION_TABLEs ([`gradmod_runtime::mechanism::Context::tables`]).
    pub tables: *const Option<gradmod_runtime::function_table::FunctionTable>,
    /// The number of entries of [`Frame::tables`].
    pub ntables: usize,
}

/// A value of the frame that a kernel loads once, in its entry block: a size, a scalar, or the
/// base address of an array.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Base {
    First,
    End,
    Ndir,
    Ni,
    Ncv,
    States,
    Ncarried,
    Nfields,
    T,
    Dt,
    RandomKey,
    Celsius,
    EvFlag,
    Nargs,
    Node,
    Weight,
    Field(usize),
    Sigma,
    Carried,
    V,
    I,
    G,
    Area,
    Diam,
    /// An ion slot's array, by slot and [`ion_index`].
    Ion(usize, usize),
    TanS,
    TanDi,
    TanDg,
    /// An ion slot's tangent array, by slot and [`tan_index`].
    TanIon(usize, usize),
    Seeds,
    Args,
    DArgs,
    Emit,
    EmitStride,
    /// The table of [`Frame::seeded`].
    Seeded,
    Vectors,
    Nvectors,
    Tables,
    Ntables,
}

/// Where a value of the frame lies, as it is loaded.
pub(crate) enum Slot {
    /// A word of the frame at this offset: an integer (or pointer) when the flag is true, a
    /// float otherwise.
    Word(usize, bool),
    /// The pointer at this index of the table whose address is at this offset of the frame.
    Table(usize, usize),
}

impl Base {
    /// Where the value lies in a [`Frame`].
    pub fn slot(self) -> Slot {
        use Base as B;
        let int = |off| Slot::Word(off, true);
        let float = |off| Slot::Word(off, false);
        match self {
            B::First => int(offset_of!(Frame, first)),
            B::End => int(offset_of!(Frame, end)),
            B::Ndir => int(offset_of!(Frame, ndir)),
            B::Ni => int(offset_of!(Frame, ni)),
            B::Ncv => int(offset_of!(Frame, ncv)),
            B::States => int(offset_of!(Frame, states)),
            B::Ncarried => int(offset_of!(Frame, ncarried)),
            B::Nfields => int(offset_of!(Frame, nfields)),
            B::T => float(offset_of!(Frame, t)),
            B::Dt => float(offset_of!(Frame, dt)),
            B::RandomKey => int(offset_of!(Frame, random_key)),
            B::Celsius => float(offset_of!(Frame, celsius)),
            B::EvFlag => float(offset_of!(Frame, ev_flag)),
            B::Nargs => int(offset_of!(Frame, nargs)),
            B::Node => int(offset_of!(Frame, node)),
            B::Weight => int(offset_of!(Frame, weight)),
            B::Sigma => int(offset_of!(Frame, sigma)),
            B::Carried => int(offset_of!(Frame, carried)),
            B::V => int(offset_of!(Frame, v)),
            B::I => int(offset_of!(Frame, i)),
            B::G => int(offset_of!(Frame, g)),
            B::Area => int(offset_of!(Frame, area)),
            B::Diam => int(offset_of!(Frame, diam)),
            B::TanS => int(offset_of!(Frame, tan_s)),
            B::TanDi => int(offset_of!(Frame, tan_di)),
            B::TanDg => int(offset_of!(Frame, tan_dg)),
            B::Seeds => int(offset_of!(Frame, seeds)),
            B::Args => int(offset_of!(Frame, args)),
            B::DArgs => int(offset_of!(Frame, dargs)),
            B::Emit => int(offset_of!(Frame, emit)),
            B::EmitStride => int(offset_of!(Frame, emit_stride)),
            B::Seeded => int(offset_of!(Frame, seeded)),
            B::Vectors => int(offset_of!(Frame, vectors)),
            B::Nvectors => int(offset_of!(Frame, nvectors)),
            B::Tables => int(offset_of!(Frame, tables)),
            B::Ntables => int(offset_of!(Frame, ntables)),
            B::Field(f) => Slot::Table(offset_of!(Frame, fields), f),
            B::Ion(s, r) => Slot::Table(offset_of!(Frame, ions), s * 6 + r),
            B::TanIon(s, r) => Slot::Table(offset_of!(Frame, tan_ions), s * 5 + r),
        }
    }

    /// Whether the base is an array indexed by tangent direction.
    fn by_direction(self) -> bool {
        use Base as B;
        matches!(
            self,
            B::Sigma
                | B::Carried
                | B::TanS
                | B::TanDi
                | B::TanDg
                | B::TanIon(..)
                | B::Seeds
                | B::DArgs
                | B::Seeded
        )
    }
}

/// The position of an ion role's array in a slot of [`Frame::ions`].
pub(crate) fn ion_index(role: IonRole) -> usize {
    match role {
        IonRole::Current => 0,
        IonRole::Conductance => 1,
        IonRole::Reversal => 2,
        IonRole::ConcIn => 3,
        IonRole::ConcOut => 4,
        IonRole::ConcDiff => 5,
    }
}

/// The position of an ion role's tangent array in a slot of [`Frame::tan_ions`] (the tangent of
/// the conductance is that of the current, as in the runtime).
pub(crate) fn tan_index(role: IonRole) -> usize {
    match role {
        IonRole::Current | IonRole::Conductance => 0,
        IonRole::Reversal => 1,
        IonRole::ConcIn => 2,
        IonRole::ConcOut => 3,
        IonRole::ConcDiff => 4,
    }
}

/// The bases an operation uses. In a forward kernel (`tangent` false), tangent sources read 0
/// and tangent sinks do nothing, as in the evaluator without tangents, so they use none.
pub(crate) fn bases(op: &Op, tangent: bool, out: &mut Vec<Base>) {
    use Base as B;
    match *op {
        Op::Load { from, .. } => match from {
            Source::Field(f) => out.push(B::Field(f)),
            Source::V => out.extend([B::Node, B::V]),
            Source::T => out.push(B::T),
            Source::Dt => out.push(B::Dt),
            Source::Celsius => out.push(B::Celsius),
            Source::Area => out.extend([B::Node, B::Area]),
            Source::Diam => out.extend([B::Node, B::Diam]),
            Source::Ion(s, r) => out.extend([B::Node, B::Ion(s, ion_index(r))]),
            Source::Const(_) => {}
            Source::Flag => out.push(B::EvFlag),
            Source::Draw(_) => out.extend([B::RandomKey, B::Dt]),
            Source::Arg(_) => out.push(B::Args),
            Source::Sigma(_) => out.extend([B::Sigma, B::States, B::Ni]),
            Source::Carried(_) => out.extend([B::Carried, B::Ncarried, B::Ni]),
            _ if !tangent => {}
            Source::TanArg(_) => out.extend([B::DArgs, B::Nargs]),
            Source::TanV => out.extend([B::Node, B::TanS, B::Ncv]),
            Source::Seed(_) => out.extend([B::Seeds, B::Nfields]),
            Source::TanIon(s, r) => out.extend([B::Node, B::Ncv, B::TanIon(s, tan_index(r))]),
        },
        Op::Store { sink, .. } => match sink {
            Sink::Let(_) => {}
            Sink::Field(f) => out.push(B::Field(f)),
            Sink::FieldAndIon(f, s, r) => {
                out.extend([B::Field(f), B::Node, B::Ion(s, ion_index(r))])
            }
            Sink::Ion(s, r) => out.extend([B::Node, B::Ion(s, ion_index(r))]),
            Sink::Sigma(_) => out.extend([B::Sigma, B::States, B::Ni]),
            Sink::Carried(_) => out.extend([B::Carried, B::Ncarried, B::Ni]),
            Sink::Arg(_) => out.push(B::Args),
            Sink::Emit(_) => out.extend([B::Emit, B::EmitStride]),
            Sink::Current { tangent: false, .. } => out.extend([B::Node, B::Weight, B::I]),
            Sink::IonCurrent {
                tangent: false,
                ion,
            } => out.extend([B::Node, B::Weight, B::Ion(ion, 0)]),
            Sink::Conductance { tangent: false, .. } => out.extend([B::Node, B::Weight, B::G]),
            Sink::IonConductance(ion) => out.extend([B::Node, B::Weight, B::Ion(ion, 1)]),
            _ if !tangent => {}
            Sink::Current { .. } => out.extend([B::Node, B::Weight, B::TanDi, B::Ncv]),
            Sink::IonCurrent { ion, .. } => {
                out.extend([B::Node, B::Weight, B::Ncv, B::TanIon(ion, 0)])
            }
            Sink::Conductance { .. } => out.extend([B::Node, B::Weight, B::TanDg, B::Ncv]),
            Sink::SigmaAndTanIon(_, s, r) => out.extend([
                B::Sigma,
                B::States,
                B::Ni,
                B::Node,
                B::Ncv,
                B::TanIon(s, tan_index(r)),
            ]),
            Sink::TanIon(s, r) => out.extend([B::Node, B::Ncv, B::TanIon(s, tan_index(r))]),
            Sink::TanArg(_) => out.extend([B::DArgs, B::Nargs]),
        },
        Op::VectorRead { .. } => out.extend([B::Vectors, B::Nvectors]),
        Op::DrawAt { .. } => out.extend([B::RandomKey, B::Dt]),
        Op::TableRead { .. } => out.extend([B::Tables, B::Ntables]),
        _ => {}
    }
}

/// Which tangent directions a kernel indexes an array with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Dirs {
    /// Direction 0, outside the loop over directions (the per-call and per-instance parts run
    /// with k = 0).
    pub first: bool,
    /// Every direction below [`Frame::ndir`], in the loop over directions.
    pub all: bool,
}

impl Dirs {
    /// How many directions of the array the kernel reads or writes when it runs with `ndir`.
    pub fn count(self, ndir: usize) -> usize {
        let all = if self.all { ndir } else { 0 };
        all.max(usize::from(self.first))
    }
}

/// The arrays one kernel indexes beyond the mechanism's own per-instance storage (whose sizes
/// hold by construction), each once, with the directions it indexes them with.
#[derive(Clone, Debug, Default)]
pub(crate) struct Needs {
    /// The arrays, in the order of first use.
    pub arrays: Vec<(Base, Dirs)>,
}

impl Needs {
    /// What `p` (run with tangents when `tangent`) indexes.
    pub fn of(p: &Program, tangent: bool) -> Needs {
        let mut needs = Needs::default();
        let mut found = Vec::new();
        if p.unseeded.is_some() {
            let all = Dirs {
                first: false,
                all: true,
            };
            needs.arrays.push((Base::Seeded, all));
        }
        let unseeded: &[Op] = p.unseeded.as_deref().unwrap_or_default();
        let sections = [
            (&p.pre[..], false),
            (&p.outer[..], false),
            (&p.inner[..], true),
            (unseeded, true),
        ];
        for (ops, inner) in sections {
            for op in ops {
                found.clear();
                bases(op, tangent, &mut found);
                for &b in &found {
                    if matches!(b, Base::Node | Base::Weight | Base::Field(_)) || !is_array(b) {
                        continue;
                    }
                    let at = match needs.arrays.iter().position(|(x, _)| *x == b) {
                        Some(i) => i,
                        None => {
                            needs.arrays.push((b, Dirs::default()));
                            needs.arrays.len() - 1
                        }
                    };
                    let dirs = &mut needs.arrays[at].1;
                    if b.by_direction() {
                        if inner {
                            dirs.all = true;
                        } else {
                            dirs.first = true;
                        }
                    }
                }
            }
        }
        needs
    }
}

/// Whether a base is the address of an array (rather than a size or a scalar).
fn is_array(b: Base) -> bool {
    use Base as B;
    !matches!(
        b,
        B::First
            | B::End
            | B::Ndir
            | B::Ni
            | B::Ncv
            | B::States
            | B::Ncarried
            | B::Nfields
            | B::T
            | B::Dt
            | B::Celsius
            | B::EvFlag
            | B::Nargs
            | B::EmitStride
    )
}

/// Checks that every row, field and ion slot `p` names exists in a mechanism of `shape`, so that
/// the indices the kernel forms from them stay within the mechanism's storage and the frame's
/// tables; the offending operation otherwise.
pub(crate) fn validate(p: &Program, shape: &Shape) -> Result<(), String> {
    let nfields = shape.info.fields.len();
    let nslots = shape.info.ions.len();
    let nargs = shape.info.net_args.len();
    let ok = |op: &Op| {
        let mut found = Vec::new();
        bases(op, true, &mut found);
        let sources_ok = match *op {
            Op::Load {
                from: Source::Sigma(r),
                ..
            } => r < shape.states,
            Op::Load {
                from: Source::Carried(r),
                ..
            } => r < shape.carried,
            Op::Load {
                from: Source::Seed(f),
                ..
            } => f < nfields,
            Op::Store {
                sink: Sink::Sigma(r) | Sink::SigmaAndTanIon(r, ..),
                ..
            } => r < shape.states,
            Op::Store {
                sink: Sink::Carried(r),
                ..
            } => r < shape.carried,
            Op::Load {
                from: Source::Arg(i) | Source::TanArg(i),
                ..
            }
            | Op::Store {
                sink: Sink::Arg(i) | Sink::TanArg(i),
                ..
            } => i < nargs,
            Op::Store {
                sink: Sink::Emit(off),
                ..
            } => off < 3 * shape.info.emit_slots,
            _ => true,
        };
        sources_ok
            && found.iter().all(|b| match *b {
                Base::Field(f) => f < nfields,
                Base::Ion(s, _) | Base::TanIon(s, _) => s < nslots,
                _ => true,
            })
    };
    match p.ops().find(|op| !ok(op)) {
        Some(op) => Err(format!(
            "`{}`: {op:?} names storage the mechanism does not have",
            shape.info.name
        )),
        None => Ok(()),
    }
}
