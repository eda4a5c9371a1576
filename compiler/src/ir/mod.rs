//! The intermediate representation of one mechanism.
//!
//! A [`Module`] owns a table of variables (referred to by [`VarId`]), a hash-consed expression DAG
//! ([`ExprArena`], referred to by [`ExprId`]) and statement trees for each block the runtime calls
//! (INITIAL, BREAKPOINT, the blocks that SOLVE names, NET_RECEIVE). Names are resolved once, in
//! lowering; nothing after lowering looks a variable up by its string.
//!
//! User FUNCTIONs and PROCEDUREs are inlined during lowering, so the IR has no calls other than
//! the pure library functions of [`Func`]. Every LOCAL declaration, including those of inlined
//! bodies, becomes a variable of its own, so scopes are resolved too.

pub mod expr;
mod names;
mod stmt;
mod validate;
mod var;

pub use expr::{BinOp, Expr, ExprArena, ExprId, Func, Num, TempId, UnOp, VarId};
pub use stmt::{
    BaPoint, Block, BlockId, BlockKind, NetReceive, SolveMethod, Stmt, StmtKind, Term,
    assigned_vars, indexed_arrays,
};
pub use validate::validate;
pub use var::{
    Array, ArrayId, Builtin, Dist, Draw, IonId, IonRole, IonUse, Scope, StreamId, VarKind, Variable,
};

use crate::diag::Span;

/// What kind of mechanism a module describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MechKind {
    /// A distributed (density) mechanism, `SUFFIX name`: currents in mA/cm2.
    Density,
    /// A point process, `POINT_PROCESS name`: currents in nA at one location.
    Point,
    /// An artificial cell, `ARTIFICIAL_CELL name`: no membrane current, events only.
    Artificial,
}

/// The tangent maps of a mechanism (docs/DESIGN.md, steps 1'-3'): each block is the forward-mode
/// derivative of one kernel along one direction θ_k, primal and tangent statements interleaved
/// (each tangent statement comes just before the primal statement it differentiates, and reads
/// the same values). Tangent variables have kind [`VarKind::Tangent`].
///
/// A back end runs a tangent block once per direction k: it loads every input tangent (the
/// runtime's S_k for v, the mechanism's σ_k for states, the seed dp/dθ_k for parameters, the
/// A `FUNCTION_TABLE name(args) (unit)` of a module: a function of at most one argument whose
/// values the model description supplies (NEURON's `table_name(...)` from hoc), interpolated by
/// the runtime as NEURON's `hoc_func_table` does (docs/DESIGN.md, "FUNCTION_TABLE").
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionTable {
    /// Its name.
    pub name: String,
    /// The number of arguments (1).
    pub args: usize,
    /// Its unit, if written.
    pub unit: Option<String>,
    /// The unit of its argument, if written.
    pub arg_unit: Option<String>,
    /// Where it was declared.
    pub span: crate::diag::Span,
}

/// runtime's ion tangents), runs the block, and stores every output tangent.
#[derive(Clone, Debug, PartialEq)]
pub struct TangentMaps {
    /// `(primal, tangent)` for every input a kernel may read: v, the states, the parameters, the
    /// ion variables read, the NET_RECEIVE arguments and the carried ASSIGNED variables.
    pub inputs: Vec<(VarId, VarId)>,
    /// `(primal, tangent)` for every output: the states (σ, also inputs), the currents written,
    /// their conductances, ion concentrations written that are not states, and the carried
    /// ASSIGNED variables (also inputs).
    pub outputs: Vec<(VarId, VarId)>,
    /// The derivative of INITIAL: assigns the tangent of every state it sets.
    pub init: Option<BlockId>,
    /// The derivative of BREAKPOINT without its SOLVE: assigns the tangents of the currents and
    /// conductances (dI_k and dg_k of step 1').
    pub current: Option<BlockId>,
    /// The derivative of the state update (step 3'): assigns the tangents of the states. It
    /// also advances the states, so a back end runs it in place of the primal update.
    pub state: Option<BlockId>,
    /// The derivative of NET_RECEIVE: assigns the tangents of the states and of the
    /// NET_RECEIVE arguments (the connection's values) it sets.
    pub net_receive: Option<BlockId>,
    /// The derivative of the INITIAL nested in NET_RECEIVE, likewise.
    pub net_init: Option<BlockId>,
    /// The derivative of the body of NET_RECEIVE's FOR_NETCONS, likewise, for one connection.
    pub for_netcons: Option<BlockId>,
    /// The derivative of each BEFORE or AFTER block, for one instance: it also runs the block
    /// (a back end runs it in place of the primal block), assigning the tangents of the states,
    /// carried ASSIGNED variables and POINTERs the block sets.
    pub ba: Vec<(BaPoint, BlockId)>,
    /// ASSIGNED variables whose values cross from one kernel to another (or from one step to
    /// the next): read by some kernel before it assigns them, and assigned by some kernel, such
    /// as a factor computed in INITIAL and used in NET_RECEIVE. Their tangents are inputs and
    /// outputs of every map (zero on entry to INITIAL), so a back end keeps them per instance
    /// and per direction as it keeps σ.
    pub carried: Vec<VarId>,
}

/// One lowered mechanism.
#[derive(Clone, Debug)]
pub struct Module {
    /// The mechanism's name (its SUFFIX or POINT_PROCESS name).
    pub name: String,
    /// Density mechanism, point process or artificial cell.
    pub kind: MechKind,
    /// The TITLE line, if any.
    pub title: Option<String>,
    /// Every variable, indexed by [`VarId`].
    pub vars: Vec<Variable>,
    /// Every expression.
    pub exprs: ExprArena,
    /// The ions the mechanism uses (USEION), indexed by [`IonId`].
    pub ions: Vec<IonUse>,
    /// Every block, indexed by [`BlockId`].
    pub blocks: Vec<Block>,
    /// Every array of the module (declared, LOCAL, or a tangent array a pass added), indexed by
    /// [`ArrayId`]: an element's array is known from here, never from its name.
    pub arrays: Vec<Array>,
    /// The INITIAL block, if any.
    pub initial: Option<BlockId>,
    /// The BREAKPOINT block, if any.
    pub breakpoint: Option<BlockId>,
    /// The NET_RECEIVE block, if any.
    pub net_receive: Option<NetReceive>,
    /// The BEFORE and AFTER blocks, at most one per point, in the order of [`BaPoint::ALL`].
    pub ba: Vec<(BaPoint, BlockId)>,
    /// The NONSPECIFIC_CURRENT (or ELECTRODE_CURRENT) variables: ASSIGNED currents that add to
    /// the membrane current without belonging to an ion.
    pub nonspecific: Vec<VarId>,
    /// The POINTER variables: ASSIGNED range variables the mechanism reads but never writes,
    /// whose values the runtime copies in from what the model binds them to (v at a location)
    /// before every kernel call, with their tangents (docs/DESIGN.md, "POINTER variables").
    pub pointers: Vec<VarId>,
    /// The FUNCTION_TABLEs: functions whose values the model description supplies, as a table
    /// the runtime interpolates ([`StmtKind::TableRead`] names one by its index here).
    pub function_tables: Vec<FunctionTable>,
    /// The STATE through which NET_RECEIVE sets the membrane potential at the instance's node
    /// (`v = vreset` in an integrate-and-fire reset): NET_RECEIVE starts by copying v into it,
    /// reads and writes it for `v`, and the runtime copies it and its tangent (its row of σ, after
    /// the pointers') into v and S_k at the node after every event, as NEURON writes its copy
    /// back into the node (docs/DESIGN.md, "The membrane potential set by a mechanism").
    pub voltage: Option<VarId>,
    /// Whether the mechanism is Arbor's `VOLTAGE_PROCESS`: a density mechanism without currents
    /// whose BREAKPOINT sets the membrane potential after the voltage solve of every step. Its
    /// BREAKPOINT is lowered to `SOLVE` of a PROCEDURE that assigns [`Module::voltage`], so that
    /// it is the mechanism's `states` kernel, which the runtime runs after every other
    /// mechanism's (docs/DESIGN.md, "The membrane potential set by a mechanism").
    pub voltage_process: bool,
    /// Whether the mechanism has Arbor's `POST_EVENT(time)` block, run for every instance when
    /// the cell it sits on spikes. Its statements are the branch of NET_RECEIVE taken when the
    /// flag is [`POST_EVENT_FLAG`], with `time` the spike time (the event's `t`), so that it is
    /// the NET_RECEIVE kernel on every back end; the runtime queues such an event for every
    /// instance at each spike of the cell (docs/DESIGN.md, "Events").
    pub post_event: bool,
    /// The species LONGITUDINAL_DIFFUSION moves along the cable, one entry per STATE (an array
    /// species has one per element), which the runtime diffuses after every mechanism's state
    /// update (docs/DESIGN.md, "Longitudinal diffusion").
    pub longitudinal: Vec<Longitudinal>,
    /// After the `conductance` pass: each current written (ion or nonspecific) with the ASSIGNED
    /// variable holding its slope d(current)/dv.
    pub conductances: Vec<(VarId, VarId)>,
    /// After the tangent pass: the forward-mode derivatives of the kernels.
    pub tangent: Option<TangentMaps>,
    /// Whether those currents are electrode currents (ELECTRODE_CURRENT): they then enter the
    /// cable equation with the opposite sign.
    pub electrode_current: bool,
    /// Whether NEURON's THREADSAFE was given (kept for printing).
    pub threadsafe: bool,
    /// How the conductance pass computes each current's slope dI/dv: a compile option, set
    /// before the passes run.
    pub slope: Slope,
    /// Where the mechanism's name was declared.
    pub span: Span,
    /// The index of variable names behind [`Module::fresh_var_name`].
    var_names: names::NameIndex,
}

/// One STATE that `LONGITUDINAL_DIFFUSION` diffuses along the cable, as NEURON's `ldifus.cpp`
/// does: after every state update, backward Euler on the tree of the mechanism's instances, with
/// the flux between neighbours given by the statement's coefficient (the diffusion constant times
/// a cross-section, per unit of the state) and the volume by the COMPARTMENT of the state.
///
/// The coefficient and the volume are STATEs of their own that the end of INITIAL assigns, so
/// that the tangent kernels give their derivatives with respect to every parameter (as rows of
/// σ) and the runtime reads both with the instance's fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Longitudinal {
    /// The STATE that diffuses.
    pub species: VarId,
    /// The STATE holding the coefficient of the statement (µm²/ms times the area factor).
    pub rate: VarId,
    /// The STATE holding the volume of the state's COMPARTMENT (1 without one).
    pub volume: VarId,
    /// Where the statement is.
    pub span: Span,
}

/// The flag of the event through which the runtime runs a POST_EVENT block (the NET_RECEIVE
/// branch that holds it): a value no `net_send` of a published file uses. The runtime's
/// `events::POST_EVENT_FLAG` is the same number.
pub const POST_EVENT_FLAG: f64 = -1.0e300;

/// How a current's slope dI/dv is computed (the conductance of the linearised membrane current
/// in the voltage solve).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Slope {
    /// The exact derivative, symbolically (gradmod's default).
    #[default]
    Symbolic,
    /// NEURON's: (I(v + 0.001 mV) − I(v)) / 0.001 mV, the BREAKPOINT block evaluated twice, so
    /// that a run agrees with NEURON's to rounding for currents nonlinear in v (GHK).
    Neuron,
}

impl Module {
    /// An empty module named `name`.
    pub fn new(name: impl Into<String>, kind: MechKind, span: Span) -> Self {
        Module {
            name: name.into(),
            kind,
            title: None,
            vars: Vec::new(),
            exprs: ExprArena::new(),
            ions: Vec::new(),
            blocks: Vec::new(),
            arrays: Vec::new(),
            initial: None,
            breakpoint: None,
            net_receive: None,
            ba: Vec::new(),
            nonspecific: Vec::new(),
            pointers: Vec::new(),
            function_tables: Vec::new(),
            voltage: None,
            voltage_process: false,
            post_event: false,
            longitudinal: Vec::new(),
            conductances: Vec::new(),
            tangent: None,
            electrode_current: false,
            threadsafe: false,
            slope: Slope::Symbolic,
            span,
            var_names: names::NameIndex::default(),
        }
    }

    /// The variable behind `id`.
    pub fn var(&self, id: VarId) -> &Variable {
        &self.vars[id.index()]
    }

    /// Adds a variable and returns its id.
    pub fn add_var(&mut self, var: Variable) -> VarId {
        self.vars.push(var);
        VarId(self.vars.len() as u32 - 1)
    }

    /// The block behind `id`.
    pub fn block(&self, id: BlockId) -> &Block {
        &self.blocks[id.index()]
    }

    /// Adds a block and returns its id.
    pub fn add_block(&mut self, block: Block) -> BlockId {
        self.blocks.push(block);
        BlockId(self.blocks.len() as u32 - 1)
    }

    /// The array behind `id`.
    pub fn array(&self, id: ArrayId) -> &Array {
        &self.arrays[id.index()]
    }

    /// The array whose elements are `elems`, added if the module has none yet.
    pub fn array_of(&mut self, name: &str, elems: &[VarId], span: Span) -> ArrayId {
        if let Some(i) = self.arrays.iter().position(|a| a.elems == elems) {
            return ArrayId(i as u32);
        }
        self.arrays.push(Array {
            name: name.to_string(),
            elems: elems.to_vec(),
            span,
        });
        ArrayId(self.arrays.len() as u32 - 1)
    }

    /// The ids of all variables, in declaration order.
    pub fn var_ids(&self) -> impl Iterator<Item = VarId> + use<> {
        (0..self.vars.len() as u32).map(VarId)
    }

    /// The variables of a given kind predicate, in declaration order.
    pub fn vars_where(&self, pred: impl Fn(&Variable) -> bool) -> Vec<VarId> {
        self.var_ids().filter(|&id| pred(self.var(id))).collect()
    }

    /// The STATE variables, in declaration order.
    pub fn states(&self) -> Vec<VarId> {
        self.vars_where(|v| v.kind == VarKind::State)
    }

    /// The PARAMETERs, in declaration order.
    pub fn parameters(&self) -> Vec<VarId> {
        self.vars_where(|v| v.kind == VarKind::Parameter)
    }

    /// The variable named `name` that is not a LOCAL, if any (for the CLI and tests).
    pub fn lookup(&self, name: &str) -> Option<VarId> {
        self.var_ids().find(|&id| {
            let v = self.var(id);
            v.name == name && v.kind != VarKind::Local
        })
    }

    /// The random variables ([`VarKind::Random`]), in stream order.
    pub fn random_vars(&self) -> Vec<VarId> {
        self.vars_where(|v| matches!(v.kind, VarKind::Random(_)))
    }

    /// The builtin variable `b`, if the module uses it.
    pub fn builtin(&self, b: Builtin) -> Option<VarId> {
        self.var_ids()
            .find(|&id| self.var(id).kind == VarKind::Builtin(b))
    }

    /// `stmts` with each SOLVE of a PROCEDURE (an explicit update, called where it stands)
    /// replaced by the PROCEDURE's statements, also in if/else and in the inlined bodies. Every
    /// other SOLVE is passed to `other`, which may refuse it; if it does not, it is kept.
    pub fn inline_procedure_solves<E>(
        &self,
        stmts: &[Stmt],
        other: &mut impl FnMut(&Stmt) -> Result<(), E>,
    ) -> Result<Vec<Stmt>, E> {
        let mut out = Vec::new();
        for s in stmts {
            match &s.kind {
                StmtKind::Solve {
                    block,
                    method: SolveMethod::Direct,
                } if self.block(*block).kind == BlockKind::Procedure => {
                    out.extend(self.inline_procedure_solves(&self.block(*block).body, other)?);
                }
                StmtKind::Solve { .. } => {
                    other(s)?;
                    out.push(s.clone());
                }
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                } => out.push(Stmt {
                    kind: StmtKind::If {
                        cond: *cond,
                        then: self.inline_procedure_solves(then, other)?,
                        otherwise: self.inline_procedure_solves(otherwise, other)?,
                    },
                    span: s.span,
                }),
                _ => out.push(s.clone()),
            }
        }
        Ok(out)
    }
}
