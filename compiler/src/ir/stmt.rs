//! Statements and blocks of the IR.
//!
//! Statements are the only things with effects. They form trees (if/else, while) whose
//! expressions point into the module's expression DAG.

use std::collections::BTreeSet;

use super::{ArrayId, ExprId, VarId};
use crate::diag::Span;

/// A block of the module: an index into [`super::Module::blocks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

impl BlockId {
    /// The index of this block in its module's block table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a block is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// INITIAL: runs once when the simulation is initialised.
    Initial,
    /// BREAKPOINT: computes currents, and names the SOLVE that advances the states.
    Breakpoint,
    /// A DERIVATIVE block: ODEs `x' = f`.
    Derivative,
    /// A KINETIC block: reactions, fluxes, CONSERVE and COMPARTMENT statements.
    Kinetic,
    /// A LINEAR block: linear equations `~ lhs = rhs`.
    Linear,
    /// A NONLINEAR block: nonlinear equations `~ lhs = rhs`.
    NonLinear,
    /// A PROCEDURE that a SOLVE names (statements that advance states explicitly using `dt`).
    Procedure,
    /// The body of NET_RECEIVE.
    NetReceive,
    /// A BEFORE or AFTER block ([`BaPoint`]).
    BeforeAfter,
}

impl BlockKind {
    /// The NMODL keyword that opens a block of this kind.
    pub fn keyword(self) -> &'static str {
        match self {
            BlockKind::Initial => "INITIAL",
            BlockKind::Breakpoint => "BREAKPOINT",
            BlockKind::Derivative => "DERIVATIVE",
            BlockKind::Kinetic => "KINETIC",
            BlockKind::Linear => "LINEAR",
            BlockKind::NonLinear => "NONLINEAR",
            BlockKind::Procedure => "PROCEDURE",
            BlockKind::NetReceive => "NET_RECEIVE",
            BlockKind::BeforeAfter => "BEFORE/AFTER",
        }
    }
}

/// A point of NEURON's time step at which BEFORE and AFTER blocks run (NEURON's `nrn_ba`; the
/// order is in docs/NEURON_SCHEME.md). Each block runs for every instance of its mechanism, one
/// instance at a time, at its point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BaPoint {
    /// `BEFORE INITIAL`: in `finitialize`, before any INITIAL block.
    BeforeInitial,
    /// `AFTER INITIAL`: in `finitialize`, after every INITIAL block.
    AfterInitial,
    /// `BEFORE BREAKPOINT`: before every evaluation of the currents (once per step, after the
    /// events, and once in `finitialize`).
    BeforeBreakpoint,
    /// `AFTER SOLVE`: after every mechanism's state update.
    AfterSolve,
    /// `BEFORE STEP`: at the end of the step (and of `finitialize`), before the sample is
    /// recorded.
    BeforeStep,
}

impl BaPoint {
    /// Every point, in the order of [`BaPoint::index`].
    pub const ALL: [BaPoint; 5] = [
        BaPoint::BeforeInitial,
        BaPoint::AfterInitial,
        BaPoint::BeforeBreakpoint,
        BaPoint::AfterSolve,
        BaPoint::BeforeStep,
    ];

    /// The position of the point in [`BaPoint::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The NMODL words that open a block of this point (`BEFORE BREAKPOINT`).
    pub fn keyword(self) -> &'static str {
        match self {
            BaPoint::BeforeInitial => "BEFORE INITIAL",
            BaPoint::AfterInitial => "AFTER INITIAL",
            BaPoint::BeforeBreakpoint => "BEFORE BREAKPOINT",
            BaPoint::AfterSolve => "AFTER SOLVE",
            BaPoint::BeforeStep => "BEFORE STEP",
        }
    }

    /// A name for the point's tangent kernel (`before_breakpoint_tangent`).
    pub fn tangent_kernel_name(self) -> &'static str {
        match self {
            BaPoint::BeforeInitial => "before_initial_tangent",
            BaPoint::AfterInitial => "after_initial_tangent",
            BaPoint::BeforeBreakpoint => "before_breakpoint_tangent",
            BaPoint::AfterSolve => "after_solve_tangent",
            BaPoint::BeforeStep => "before_step_tangent",
        }
    }

    /// A name for the point's kernel (`before_breakpoint`).
    pub fn kernel_name(self) -> &'static str {
        match self {
            BaPoint::BeforeInitial => "before_initial",
            BaPoint::AfterInitial => "after_initial",
            BaPoint::BeforeBreakpoint => "before_breakpoint",
            BaPoint::AfterSolve => "after_solve",
            BaPoint::BeforeStep => "before_step",
        }
    }
}

/// A named block of statements.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// Its name (`states`, `kin`, ...); INITIAL and BREAKPOINT are named after their keyword.
    pub name: String,
    /// What it is.
    pub kind: BlockKind,
    /// Its statements, in order.
    pub body: Vec<Stmt>,
    /// Where it was written.
    pub span: Span,
}

/// The numerical method a SOLVE asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SolveMethod {
    /// `METHOD cnexp`: the exact exponential step for ODEs linear in their own state.
    Cnexp,
    /// `METHOD euler`: explicit Euler.
    Euler,
    /// `METHOD runge`: scopmath's fourth-order Runge-Kutta step.
    Runge,
    /// `METHOD derivimplicit`: backward Euler solved by Newton.
    Derivimplicit,
    /// `METHOD sparse`: backward Euler on a kinetic scheme.
    Sparse,
    /// No METHOD: a PROCEDURE, or a LINEAR/NONLINEAR block solved at once.
    Direct,
    /// `STEADYSTATE sparse` or `STEADYSTATE derivimplicit`: states at equilibrium (in INITIAL).
    SteadyStateSparse,
    /// `STEADYSTATE derivimplicit`.
    SteadyStateDerivimplicit,
}

impl SolveMethod {
    /// The text after the block name in a SOLVE statement.
    pub fn nmodl(self) -> &'static str {
        match self {
            SolveMethod::Cnexp => "METHOD cnexp",
            SolveMethod::Euler => "METHOD euler",
            SolveMethod::Runge => "METHOD runge",
            SolveMethod::Derivimplicit => "METHOD derivimplicit",
            SolveMethod::Sparse => "METHOD sparse",
            SolveMethod::Direct => "",
            SolveMethod::SteadyStateSparse => "STEADYSTATE sparse",
            SolveMethod::SteadyStateDerivimplicit => "STEADYSTATE derivimplicit",
        }
    }
}

/// A species of a reaction with its stoichiometric coefficient, e.g. the `2 A` of `~ 2 A <-> B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Term {
    /// The state.
    pub var: VarId,
    /// Its coefficient (at least 1).
    pub coef: u32,
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What it does.
    pub kind: StmtKind,
    /// Where it was written (for an inlined body, the call site).
    pub span: Span,
}

/// What a statement does.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `var = value`.
    Assign {
        /// The variable assigned.
        var: VarId,
        /// Its new value.
        value: ExprId,
    },
    /// `state' = rhs`, in a DERIVATIVE block.
    Ode {
        /// The state.
        state: VarId,
        /// Its time derivative.
        rhs: ExprId,
    },
    /// `~ lhs <-> rhs (forward, backward)`, or `~ lhs -> rhs (forward)` when `backward` is None.
    Reaction {
        /// Reactants.
        lhs: Vec<Term>,
        /// Products (empty for a sink `~ A -> (k)`).
        rhs: Vec<Term>,
        /// The forward rate.
        forward: ExprId,
        /// The backward rate, if the reaction is reversible.
        backward: Option<ExprId>,
    },
    /// `~ state << (flux)`: a flux into the state, in units of state times volume per ms.
    Flux {
        /// The state.
        state: VarId,
        /// The flux.
        flux: ExprId,
    },
    /// `CONSERVE terms = total`: replaces one state's equation by a conservation law.
    Conserve {
        /// The conserved combination.
        terms: Vec<Term>,
        /// Its value.
        total: ExprId,
    },
    /// `COMPARTMENT volume { states }`: the volume the states' fluxes are divided by.
    Compartment {
        /// The volume.
        volume: ExprId,
        /// The states in that volume.
        states: Vec<VarId>,
    },
    /// `~ lhs = rhs`, in a LINEAR or NONLINEAR block.
    Equation {
        /// The left side.
        lhs: ExprId,
        /// The right side.
        rhs: ExprId,
    },
    /// `if (cond) { then } else { otherwise }`.
    If {
        /// The condition.
        cond: ExprId,
        /// Statements run when it holds.
        then: Vec<Stmt>,
        /// Statements run otherwise (possibly none).
        otherwise: Vec<Stmt>,
    },
    /// `while (cond) { body }`.
    While {
        /// The condition.
        cond: ExprId,
        /// The loop body.
        body: Vec<Stmt>,
    },
    /// `FROM var = from TO to { body }` with bounds known only at run time: `var` takes the
    /// values `from`, `from + 1`, ... while it is at most `to` (both evaluated once, before the
    /// first iteration). Loops with constant bounds are unrolled in lowering instead.
    Loop {
        /// The loop variable (a LOCAL).
        var: VarId,
        /// The first value.
        from: ExprId,
        /// The last value.
        to: ExprId,
        /// The loop body.
        body: Vec<Stmt>,
    },
    /// `var = array[index]` with an index known only at run time (truncated to an integer). An
    /// index outside the array is a run-time error that names the mechanism and the array.
    GetElement {
        /// The variable assigned.
        var: VarId,
        /// The array read.
        array: ArrayId,
        /// The index.
        index: ExprId,
    },
    /// `array[index] = value` with an index known only at run time (truncated to an integer).
    SetElement {
        /// The array written.
        array: ArrayId,
        /// The index.
        index: ExprId,
        /// The new value.
        value: ExprId,
    },
    /// `var = vector[index]`, or `var = size of vector` when `index` is `None`: a read of the
    /// instance's vector, a list of numbers of run-time length that the model description gives
    /// each instance (NEURON's hoc Vector of `VecStim.play(vec)`; DESIGN.md, "Vectors"). The
    /// index is truncated toward zero; outside the vector the value is NaN. The vector is data,
    /// not a function of any parameter, so the tangent of `var` is 0.
    VectorRead {
        /// The variable assigned (a LOCAL).
        var: VarId,
        /// The index, or `None` for the number of elements.
        index: Option<ExprId>,
    },
    /// `var = f(arg)` for the FUNCTION_TABLE `f` ([`super::Module::function_tables`]`[table]`),
    /// or `var = f'(arg)`, its slope, where `slope` (the derivative of the interpolation, which
    /// the tangent passes write); the table is data, held fixed.
    TableRead {
        /// The variable assigned (a LOCAL).
        var: VarId,
        /// The index of the table in the module.
        table: usize,
        /// The argument (0 for a table without arguments).
        arg: ExprId,
        /// Whether this reads the slope rather than the value.
        slope: bool,
    },
    /// `SOLVE block METHOD method`.
    Solve {
        /// The block solved.
        block: BlockId,
        /// How.
        method: SolveMethod,
    },
    /// `FOR_NETCONS(args) { ... }` in NET_RECEIVE: runs [`NetReceive::for_netcons`] over the
    /// connections onto the instance, after the block.
    ForNetcons {
        /// The body, a block of its own whose arguments are NET_RECEIVE's.
        block: BlockId,
    },
    /// `net_send(delay, flag)`: a self-event after `delay` ms.
    NetSend {
        /// The delay (ms).
        delay: ExprId,
        /// The flag delivered with the event.
        flag: ExprId,
    },
    /// `net_move(time)`: the instance's pending self-event moves to `time`.
    NetMove {
        /// The new delivery time (ms).
        time: ExprId,
    },
    /// `net_event(t)`: the cell spikes (artificial cells).
    NetEvent {
        /// The spike time.
        time: ExprId,
    },
    /// `WATCH (cond) flag`: deliver a self-event with `flag` when `cond` becomes true.
    Watch {
        /// The watched condition.
        cond: ExprId,
        /// The flag delivered.
        flag: ExprId,
    },
}

/// The NET_RECEIVE block: what happens when an event arrives.
#[derive(Clone, Debug, PartialEq)]
pub struct NetReceive {
    /// Its arguments (LOCAL variables; the first is the connection weight).
    pub args: Vec<VarId>,
    /// The implicit `flag` of the event (0 for events from connections, the `net_send` flag for
    /// self-events), a LOCAL variable.
    pub flag: VarId,
    /// The nested INITIAL block, run once per connection at initialisation, if any.
    pub initial: Option<BlockId>,
    /// The body of its `FOR_NETCONS` statement, if any: run once per connection onto the
    /// instance (in the order they were made) with that connection's values as the arguments,
    /// after the body that requested it (docs/DESIGN.md, "Events").
    pub for_netcons: Option<BlockId>,
    /// The body.
    pub body: BlockId,
    /// Where it was written.
    pub span: Span,
}

impl Stmt {
    /// Calls `f` on every expression of this statement and of the statements nested in it, in
    /// source order.
    pub fn for_each_expr(&self, f: &mut dyn FnMut(ExprId)) {
        match &self.kind {
            StmtKind::Assign { value, .. } => f(*value),
            StmtKind::Ode { rhs, .. } => f(*rhs),
            StmtKind::Reaction {
                forward, backward, ..
            } => {
                f(*forward);
                if let Some(b) = backward {
                    f(*b);
                }
            }
            StmtKind::Flux { flux, .. } => f(*flux),
            StmtKind::Conserve { total, .. } => f(*total),
            StmtKind::Compartment { volume, .. } => f(*volume),
            StmtKind::Equation { lhs, rhs } => {
                f(*lhs);
                f(*rhs);
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                f(*cond);
                then.iter()
                    .chain(otherwise)
                    .for_each(|s| s.for_each_expr(f));
            }
            StmtKind::While { cond, body } => {
                f(*cond);
                body.iter().for_each(|s| s.for_each_expr(f));
            }
            StmtKind::Loop { from, to, body, .. } => {
                f(*from);
                f(*to);
                body.iter().for_each(|s| s.for_each_expr(f));
            }
            StmtKind::GetElement { index, .. } => f(*index),
            StmtKind::VectorRead { index, .. } => {
                if let Some(i) = index {
                    f(*i);
                }
            }
            StmtKind::TableRead { arg, .. } => f(*arg),
            StmtKind::SetElement { index, value, .. } => {
                f(*index);
                f(*value);
            }
            StmtKind::Solve { .. } | StmtKind::ForNetcons { .. } => {}
            StmtKind::NetSend { delay, flag } => {
                f(*delay);
                f(*flag);
            }
            StmtKind::NetEvent { time } | StmtKind::NetMove { time } => f(*time),
            StmtKind::Watch { cond, flag } => {
                f(*cond);
                f(*flag);
            }
        }
    }

    /// Replaces every expression of this statement and of the statements nested in it by
    /// `f` of it, in source order.
    pub fn map_exprs(&mut self, f: &mut dyn FnMut(ExprId) -> ExprId) {
        let mut one = |e: &mut ExprId| *e = f(*e);
        match &mut self.kind {
            StmtKind::Assign { value, .. } => one(value),
            StmtKind::Ode { rhs, .. } => one(rhs),
            StmtKind::Reaction {
                forward, backward, ..
            } => {
                one(forward);
                if let Some(b) = backward {
                    one(b);
                }
            }
            StmtKind::Flux { flux, .. } => one(flux),
            StmtKind::Conserve { total, .. } => one(total),
            StmtKind::Compartment { volume, .. } => one(volume),
            StmtKind::Equation { lhs, rhs } => {
                one(lhs);
                one(rhs);
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                one(cond);
                then.iter_mut()
                    .chain(otherwise)
                    .for_each(|s| s.map_exprs(f));
            }
            StmtKind::While { cond, body } => {
                one(cond);
                body.iter_mut().for_each(|s| s.map_exprs(f));
            }
            StmtKind::Loop { from, to, body, .. } => {
                one(from);
                one(to);
                body.iter_mut().for_each(|s| s.map_exprs(f));
            }
            StmtKind::GetElement { index, .. } => one(index),
            StmtKind::VectorRead { index, .. } => {
                if let Some(i) = index {
                    one(i);
                }
            }
            StmtKind::TableRead { arg, .. } => one(arg),
            StmtKind::SetElement { index, value, .. } => {
                one(index);
                one(value);
            }
            StmtKind::Solve { .. } | StmtKind::ForNetcons { .. } => {}
            StmtKind::NetSend { delay, flag } => {
                one(delay);
                one(flag);
            }
            StmtKind::NetEvent { time } | StmtKind::NetMove { time } => one(time),
            StmtKind::Watch { cond, flag } => {
                one(cond);
                one(flag);
            }
        }
    }

    /// Calls `f` on this statement and every statement nested in it, parents first.
    pub fn for_each_stmt<'s>(&'s self, f: &mut dyn FnMut(&'s Stmt)) {
        f(self);
        match &self.kind {
            StmtKind::If {
                then, otherwise, ..
            } => then
                .iter()
                .chain(otherwise)
                .for_each(|s| s.for_each_stmt(f)),
            StmtKind::While { body, .. } | StmtKind::Loop { body, .. } => {
                body.iter().for_each(|s| s.for_each_stmt(f))
            }
            _ => {}
        }
    }
}

/// The arrays `stmts` index at run time (nested statements included).
pub fn indexed_arrays(stmts: &[Stmt]) -> BTreeSet<ArrayId> {
    let mut out = BTreeSet::new();
    for s in stmts {
        s.for_each_stmt(&mut |t| {
            if let StmtKind::GetElement { array, .. } | StmtKind::SetElement { array, .. } = t.kind
            {
                out.insert(array);
            }
        });
    }
    out
}

/// The variables `stmts` assign: assignments, element reads and loop variables (nested
/// statements included).
pub fn assigned_vars(stmts: &[Stmt]) -> BTreeSet<VarId> {
    let mut out = BTreeSet::new();
    for s in stmts {
        s.for_each_stmt(&mut |t| match t.kind {
            StmtKind::Assign { var, .. }
            | StmtKind::GetElement { var, .. }
            | StmtKind::VectorRead { var, .. }
            | StmtKind::TableRead { var, .. }
            | StmtKind::Loop { var, .. } => {
                out.insert(var);
            }
            _ => {}
        });
    }
    out
}
