//! Kernel plans: the straight-line code of every kernel the runtime calls, as data.
//!
//! A module that has gone through the passes is turned, once, into one [`Body`] per kernel of
//! the runtime's mechanism interface (`init`, `currents`, `states`, `net_receive` and their
//! tangent twins). A body is what one instance computes: loads of the variables it reads, `let`s
//! of the shared subexpressions (CSE'd), and stores of its outputs, split into the part that is
//! the same for every instance (computed once per call), the part per instance, and the part per
//! instance and tangent direction k. Expressions live in [`Kernels::arena`].
//!
//! Every executable back end consumes the same plan: the Rust back end prints it as Rust source
//! ([`crate::back::rust`]), and the run-time evaluator executes it over arrays of instances. So
//! the two compute the same operations in the same order, and the runtime cannot tell where a
//! mechanism came from.
//!
//! Symbolic execution ([`exec`]) runs each block into one expression per assigned variable,
//! node for node as the statements compute them (an if/else becomes a select), so the plan
//! computes exactly what [`crate::interp`] computes.

mod body;
mod exec;
mod exps;
pub mod guard;
pub mod layout;
mod primal;
mod reduce;
mod seq;
mod tangent;

use std::collections::{BTreeSet, HashSet};

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{ArrayId, BaPoint, ExprArena, ExprId, IonRole, TempId, VarId};
use crate::passes::Passed;
use body::KernelWriter;
pub use exec::EmitKind;
use exec::Exec;
pub use layout::{Info, Layout};

/// Where a kernel reads a variable from (for instance j at CV `cv`, and in tangent kernels for
/// direction k, with `idx = k * ncv + cv`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source {
    /// Field `.0` of the mechanism (an index into [`Layout::fields`]) at instance j.
    Field(usize),
    /// The membrane potential at the instance's CV.
    V,
    /// The time.
    T,
    /// The time step.
    Dt,
    /// The temperature.
    Celsius,
    /// The membrane area of the instance's CV.
    Area,
    /// The diameter at the instance's CV.
    Diam,
    /// An ion variable at the instance's CV: ion slot (position in the module's USEIONs) and
    /// which array.
    Ion(usize, IonRole),
    /// A constant.
    Const(f64),
    /// NET_RECEIVE argument `.0` of the event's connection (0 is the weight; the others are
    /// the values the connection keeps).
    Arg(usize),
    /// The NET_RECEIVE flag: 0 for events from connections.
    Flag,
    /// The tangent of v in direction k (S_k at the CV).
    TanV,
    /// σ_k of the state at this position in the σ layout.
    Sigma(usize),
    /// The stored tangent in direction k of the carried variable at this position.
    Carried(usize),
    /// The seed of the parameter in field `.0`: dp/dθ_k when column k moves it, else 0.
    Seed(usize),
    /// An ion variable's tangent in direction k at the instance's CV.
    TanIon(usize, IonRole),
    /// The tangent in direction k of NET_RECEIVE argument `.0` of the event's connection.
    TanArg(usize),
    /// A random draw of instance j in this kernel call (docs/DESIGN.md, "Random numbers"): the
    /// runtime's counter-based stream of the instance, at the draw's stream id.
    Draw(crate::ir::Draw),
}

/// What a kernel does with the value of an output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sink {
    /// Binds the value to a temporary (a coefficient computed once per instance).
    Let(TempId),
    /// Stores the value in a field at instance j.
    Field(usize),
    /// Stores the value in a field and in an ion array at the CV (a state that is an ion
    /// concentration the mechanism writes).
    FieldAndIon(usize, usize, IonRole),
    /// Stores the value in an ion array at the CV.
    Ion(usize, IonRole),
    /// Adds `weight * value` to the membrane current (subtracts it when `negate`, for electrode
    /// currents); in tangent kernels to dI_k. A kernel writes it once per instance: the value is
    /// the sum of the mechanism's currents.
    Current {
        /// Whether this is the tangent accumulator dI_k.
        tangent: bool,
        /// Whether the value is subtracted.
        negate: bool,
    },
    /// Adds `weight * value` to ion slot `.ion`'s current (or its tangent). The membrane current
    /// gets the value through [`Sink::Current`].
    IonCurrent {
        /// Whether this is the tangent accumulator.
        tangent: bool,
        /// The ion slot.
        ion: usize,
    },
    /// Adds `weight * value` to the conductance (subtracts it when `negate`); in tangent kernels
    /// to dg_k. A kernel writes it once per instance: the value is the sum of the mechanism's
    /// conductances.
    Conductance {
        /// Whether this is the tangent accumulator dg_k.
        tangent: bool,
        /// Whether the value is subtracted.
        negate: bool,
    },
    /// Adds `weight * value` to ion slot `.0`'s `current_dv` (primal kernels only).
    IonConductance(usize),
    /// Stores σ_k of the state at this position.
    Sigma(usize),
    /// Stores σ_k of the state at `.0` and the tangent of the ion array it is bound to.
    SigmaAndTanIon(usize, usize, IonRole),
    /// Stores an ion variable's tangent in direction k.
    TanIon(usize, IonRole),
    /// Stores the tangent in direction k of the carried variable at this position.
    Carried(usize),
    /// Stores NET_RECEIVE argument `.0` of the event's connection (a value kept per connection).
    Arg(usize),
    /// Stores entry `.0` of the instance's event requests: the entries of event statement i are
    /// `3 i` (its [`EmitKind`] code where it ran, else 0), `3 i + 1` (the delay of net_send,
    /// the time of net_move or net_event, the index of a WATCH condition) and `3 i + 2` (the
    /// flag of net_send or WATCH); in the `watch` kernel, entry i holds the value of WATCH
    /// condition i. An instance's requests are
    /// [`Info::emit_slots`] `* 3` entries from `j * emit_slots * 3` in the context's `emit`.
    Emit(usize),
    /// Stores the tangent in direction k of NET_RECEIVE argument `.0` of the event's connection.
    TanArg(usize),
}

impl Sink {
    /// Whether the sink accumulates `weight * value` (and so reads the instance's weight).
    pub fn accumulates(self) -> bool {
        matches!(
            self,
            Sink::Current { .. }
                | Sink::IonCurrent { .. }
                | Sink::Conductance { .. }
                | Sink::IonConductance(_)
        )
    }
}

/// One step of a kernel body.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Item {
    /// `let var = <source>`.
    Load {
        /// The variable loaded (a variable of the module).
        var: VarId,
        /// Where from.
        from: Source,
    },
    /// `let var = value` for a shared subexpression (`var` is a temporary).
    Let {
        /// The temporary.
        var: TempId,
        /// Its value.
        value: ExprId,
    },
    /// A store of an output.
    Store {
        /// The value.
        value: ExprId,
        /// What to do with it.
        sink: Sink,
    },
    /// `var = value` for a loop's slot `var` (a temporary that, unlike the others, is assigned
    /// more than once: first before its loop, then at the end of each iteration).
    Set {
        /// The slot.
        var: TempId,
        /// Its new value.
        value: ExprId,
    },
    /// The start of a FROM loop: `counter` takes `from`, `from + 1`, ... while it is at most
    /// `to`, both bounds evaluated once, before the first iteration. The items up to the
    /// matching [`Item::LoopEnd`] are its body.
    LoopStart {
        /// The counter (a temporary).
        counter: TempId,
        /// The first value.
        from: ExprId,
        /// The last value.
        to: ExprId,
    },
    /// The end of the innermost open loop's body: the counter steps by 1.
    LoopEnd,
    /// Leaves the innermost open loop, to the item after its [`Item::LoopEnd`], unless `cond`
    /// is nonzero. A while loop is a loop from 0 to infinity whose body starts with it; it
    /// sits directly in its loop, never in a nested one.
    ExitUnless {
        /// The condition to go on.
        cond: ExprId,
    },
    /// `var = array[index]` for the kernel's local copy of `array`, the index truncated toward
    /// zero; an index out of range reads NaN, so that the run stops at the first non-finite
    /// value (docs/DESIGN.md, "Loops and arrays indexed at run time").
    GetElement {
        /// The temporary bound.
        var: TempId,
        /// The array.
        array: ArrayId,
        /// The index.
        index: ExprId,
    },
    /// `var = vector[index]` of the instance's vector (`vector size` when `index` is `None`),
    /// the index truncated toward zero; outside the vector the value is NaN (docs/DESIGN.md,
    /// "Vectors"). Only sequential bodies hold it, so it runs one instance at a time.
    VectorRead {
        /// The temporary bound.
        var: TempId,
        /// The index, or `None` for the number of elements.
        index: Option<ExprId>,
    },
    /// `var = ` the random draw `draw` of the instance in the iteration numbered `iteration` of
    /// the loops of this kernel call (docs/DESIGN.md, "Random numbers"): a draw read in a loop
    /// takes a number of its own in each iteration. Only sequential bodies hold it.
    Draw {
        /// The temporary bound.
        var: TempId,
        /// The stream and distribution.
        draw: crate::ir::Draw,
        /// The running number of the iteration, counted over every loop of the call.
        iteration: ExprId,
    },
    /// `var = ` FUNCTION_TABLE `table` of the mechanism at `arg` (its slope where `slope`),
    /// interpolated by the runtime (docs/DESIGN.md, "FUNCTION_TABLE"). Only sequential bodies
    /// hold it.
    TableRead {
        /// The temporary bound.
        var: TempId,
        /// The table's index in the module.
        table: usize,
        /// The argument.
        arg: ExprId,
        /// Whether this reads the slope.
        slope: bool,
    },
    /// `array[index] = value` in the kernel's local copy of `array`, the index truncated toward
    /// zero; an index out of range sets every element to NaN.
    SetElement {
        /// The array.
        array: ArrayId,
        /// The index.
        index: ExprId,
        /// The value.
        value: ExprId,
    },
}

impl Item {
    /// The expressions the item reads.
    pub fn exprs(&self) -> Vec<ExprId> {
        match *self {
            Item::Load { .. } | Item::LoopEnd => vec![],
            Item::Let { value, .. } | Item::Store { value, .. } | Item::Set { value, .. } => {
                vec![value]
            }
            Item::LoopStart { from, to, .. } => vec![from, to],
            Item::GetElement { index, .. } => vec![index],
            Item::ExitUnless { cond } => vec![cond],
            Item::Draw { iteration, .. } => vec![iteration],
            Item::TableRead { arg, .. } => vec![arg],
            Item::VectorRead { index, .. } => index.into_iter().collect(),
            Item::SetElement { index, value, .. } => vec![index, value],
        }
    }
}

/// What a temporary of a body names, for back ends that name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TempKind {
    /// The coefficient of a tangent input in an output linear in the tangent inputs.
    Coefficient,
    /// A shared subexpression.
    Shared,
}

/// One instance's code for one kernel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    /// Loads and lets whose values are the same for every instance, before the instance loop.
    pub pre: Vec<Item>,
    /// Loads, lets and stores that do not depend on tangent inputs.
    pub outer: Vec<Item>,
    /// Loads, lets and stores that do: run once per tangent direction k.
    pub inner: Vec<Item>,
    /// The per-direction part specialised for a direction k whose parameter seeds are all zero
    /// for this mechanism (k moves no parameter of it): [`Body::inner`] with every seed 0 and the
    /// terms it multiplies folded away ([`crate::sym::substitute_zeros`]), so that it computes
    /// what `inner` computes for such a k, to the bit for finite values (up to the sign of a
    /// zero). Run instead of `inner` for every k without a seed; `None` when `inner` reads no
    /// seed, so that the two would be the same.
    pub unseeded: Option<Vec<Item>>,
    /// Whether the code reads the instance's CV.
    pub uses_cv: bool,
    /// Whether the code reads the instance's weight.
    pub uses_weight: bool,
    /// The ion slots (positions in the module's USEIONs) the code reads or writes.
    pub ion_slots: BTreeSet<usize>,
    /// The temporaries, indexed by [`TempId`]: what each names.
    pub temps: Vec<TempKind>,
    /// The arrays the body indexes at run time, with their lengths: each a local array of the
    /// part that holds the loops (zero-filled where that part starts).
    pub arrays: Vec<(ArrayId, usize)>,
}

impl Body {
    /// Records what a load from `from` needs: the instance's CV, and the ion slot it reads.
    pub(crate) fn note_load(&mut self, from: Source) {
        match from {
            Source::V | Source::Area | Source::Diam | Source::TanV => self.uses_cv = true,
            Source::Ion(slot, _) | Source::TanIon(slot, _) => {
                self.uses_cv = true;
                self.ion_slots.insert(slot);
            }
            _ => {}
        }
    }

    /// Whether the body does nothing.
    pub fn is_empty(&self) -> bool {
        self.outer.is_empty()
            && self.inner.is_empty()
            && self.unseeded.as_ref().is_none_or(Vec::is_empty)
    }

    /// Whether the body runs in program order with loops or run-time element accesses
    /// ([`Item::LoopStart`], [`Item::GetElement`], ...): such a body has no per-call part, and
    /// runs one instance at a time.
    pub fn is_sequential(&self) -> bool {
        self.outer
            .iter()
            .chain(&self.inner)
            .any(|i| !matches!(i, Item::Load { .. } | Item::Let { .. } | Item::Store { .. }))
    }
}

/// The tangent kernels of a module (docs/DESIGN.md, steps 1'-3').
#[derive(Clone, Debug, PartialEq)]
pub struct TangentKernels {
    /// The derivative of INITIAL; `None` when INITIAL sets nothing a parameter moves, so every
    /// σ and carried tangent is zero after it.
    pub init: Option<Body>,
    /// Step 1': dI_k and dg_k, fused with the primal currents when
    /// [`TangentKernels::fused_currents`].
    pub currents: Body,
    /// Step 3', fused with the state update when [`TangentKernels::fused`].
    pub states: Body,
    /// The derivative of NET_RECEIVE, for one instance.
    pub net_receive: Option<Body>,
    /// The derivative of the INITIAL nested in NET_RECEIVE, for one connection.
    pub net_init: Option<Body>,
    /// The derivative of the body of NET_RECEIVE's FOR_NETCONS, for one connection.
    pub for_netcons: Option<Body>,
    /// The tangent of each BEFORE or AFTER block, for one instance, in the order of the
    /// module's blocks; each also runs its block (the primal one is then skipped).
    pub ba: Vec<(BaPoint, Body)>,
    /// Whether `states` also advances the states (the primal update is then skipped).
    pub fused: bool,
    /// Whether `currents` also accumulates the currents and conductances and makes the primal
    /// kernel's stores (the primal `currents` is then skipped).
    pub fused_currents: bool,
    /// The number of carried variables whose tangents the mechanism keeps per instance.
    pub carried: usize,
    /// The field of each carried variable, in the order of its rows of tangents.
    pub carried_fields: Vec<usize>,
}

/// Every kernel of one module, with the arena their expressions live in.
#[derive(Clone, Debug)]
pub struct Kernels {
    /// The arena: the module's expressions and those symbolic execution built.
    pub arena: ExprArena,
    /// Where the module's variables live.
    pub layout: Layout,
    /// The metadata the runtime describes the mechanism with.
    pub info: Info,
    /// INITIAL, over every instance.
    pub init: Body,
    /// BREAKPOINT without its SOLVE.
    pub currents: Body,
    /// The solved blocks.
    pub states: Body,
    /// NET_RECEIVE, for one instance; `None` without NET_RECEIVE.
    pub net_receive: Option<Body>,
    /// The INITIAL nested in NET_RECEIVE, for one connection; `None` without it.
    pub net_init: Option<Body>,
    /// The body of NET_RECEIVE's FOR_NETCONS, for one connection; `None` without it.
    pub for_netcons: Option<Body>,
    /// The WATCH conditions of every instance, evaluated after each step into the event
    /// requests; `None` without WATCH.
    pub watch: Option<Body>,
    /// The BEFORE and AFTER blocks, each for one instance, in the order of [`BaPoint::ALL`].
    pub ba: Vec<(BaPoint, Body)>,
    /// The tangent kernels.
    pub tangent: TangentKernels,
}

/// The kernels of a module after the passes. `parameters` names the parameters that get tangent
/// seeds (`None`: every parameter); the others are constants to the tangent kernels. Statements
/// the runtime interface cannot express (net_send, WATCH, while loops) are errors at their source
/// location.
pub fn plan(passed: &Passed, parameters: Option<&[String]>) -> Result<Kernels, Diagnostics> {
    let m = passed.module();
    let layout = Layout::new(m);
    let mut diags = Diagnostics::new();
    if let Some(names) = parameters {
        for n in names {
            if !m.parameters().iter().any(|&p| &m.var(p).name == n) {
                diags.push(Diagnostic::error(
                    m.span,
                    format!("`{}` has no PARAMETER `{n}` to differentiate", m.name),
                ));
            }
        }
    }
    let info = layout::info(m, &layout, &mut diags);
    let kw = KernelWriter { m, layout: &layout };
    let mut ex = Exec::new(m);
    let init = primal::init(&kw, &mut ex);
    let init_emits = ex.emitted;
    primal::init_checks(&mut ex);
    let currents = primal::currents(&kw, &mut ex);
    primal::no_emits(&mut ex, "BREAKPOINT");
    let states = primal::states(&kw, &mut ex);
    primal::no_emits(&mut ex, "the blocks BREAKPOINT solves");
    let net_receive = primal::net_receive(&kw, &mut ex);
    let receive_emits = ex.emitted;
    let net_init = primal::net_init(&kw, &mut ex);
    let for_netcons = primal::for_netcons(&kw, &mut ex);
    let watch = primal::watch(&kw, &mut ex);
    let ba = primal::ba(&kw, &mut ex);
    let mut info = info;
    info.emit_slots = init_emits.max(receive_emits);
    let tangent = {
        let maps = passed.tangent();
        let seeded: HashSet<VarId> = m
            .parameters()
            .into_iter()
            .filter(|&p| parameters.is_none_or(|names| names.contains(&m.var(p).name)))
            .collect();
        let tw = tangent::TangentWriter::new(&kw, maps, seeded);
        let init = tw.init(&mut ex);
        let (currents, fused_currents) = tw.currents(&mut ex);
        TangentKernels {
            init,
            currents,
            states: tw.states(&mut ex),
            net_receive: tw.net_receive(&mut ex),
            net_init: tw.net_init(&mut ex),
            for_netcons: tw.for_netcons(&mut ex),
            ba: tw.ba(&mut ex),
            fused: {
                // Tangent kernels request no events: the primal kernels do.
                ex.emits.clear();
                maps.state.is_some()
            },
            fused_currents,
            carried: maps.carried.len(),
            carried_fields: maps.carried.iter().map(|c| layout.field_of[c]).collect(),
        }
    };
    diags.extend(std::mem::take(&mut ex.diags));
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Kernels {
        arena: ex.ar,
        layout,
        info,
        init,
        currents,
        states,
        net_receive,
        net_init,
        for_netcons,
        watch,
        ba,
        tangent,
    })
}
