//! The syntax tree of one NMODL file, as written.
//!
//! The tree is produced by [`crate::parse`] and consumed by lowering. It keeps everything the
//! source says, including constructs gradmod does not support (VERBATIM text, POINTER names,
//! FUNCTION_TABLE, CONSTRUCTOR blocks), so that lowering can reject them by name and location.
//! No name is resolved here and no unit is interpreted: units are kept as the text between
//! their parentheses.
//!
//! Every node a diagnostic can point at carries a [`Span`]. Items, statements and expressions
//! are `struct { kind, span }` pairs; the `kind` enums say what was written.

use crate::diag::{FileId, Span};

/// A parsed file: its top-level items in source order.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// The file these items were parsed from (spliced INCLUDE items keep their own file id).
    pub file: FileId,
    /// The items, in order.
    pub items: Vec<Item>,
}

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A unit annotation `(mV)`: the text between the parentheses, trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Units {
    /// The unit text, e.g. `mV`, `/ms`, `S/cm2`, `1`, `k-mole`.
    pub text: String,
    /// The span of the whole annotation, parentheses included.
    pub span: Span,
}

/// A number literal, possibly signed and possibly followed by a unit annotation.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    /// Its value (negative when a `-` sign was written before it in a declaration).
    pub value: f64,
    /// The literal as written, sign included, units excluded (e.g. `-65`, `.12`, `1e-4`).
    pub text: String,
    /// A unit annotation written right after the number, e.g. `0.1 (/ms)`.
    pub units: Option<Units>,
    /// The span of the literal and its units.
    pub span: Span,
}

/// One top-level construct.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// What it is.
    pub kind: ItemKind,
    /// From its keyword to its end.
    pub span: Span,
}

/// The kinds of top-level construct.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `TITLE text`: the rest of the line, trimmed.
    Title(String),
    /// `INCLUDE "path"`: the path as written. See [`crate::parse::parse_with_includes`], which
    /// replaces these items by the items of the included file.
    Include(String),
    /// `DEFINE NAME value`: a named integer constant, usable as an array size and in FROM/TO.
    Define {
        /// The defined name.
        name: Ident,
        /// Its value.
        value: Number,
    },
    /// `INDEPENDENT { t FROM 0 TO 1 WITH 1 (ms) }`.
    Independent(Vec<Independent>),
    /// A top-level `LOCAL a, b`: variables shared by the blocks of the file.
    Local(Vec<LocalVar>),
    /// The NEURON block: the mechanism's interface.
    Neuron(Vec<NeuronStmt>),
    /// The UNITS block: unit aliases and physical constants.
    Units(Vec<UnitDef>),
    /// `PARAMETER { ... }`.
    Parameter(Vec<Decl>),
    /// `CONSTANT { ... }`.
    Constant(Vec<Decl>),
    /// `ASSIGNED { ... }`.
    Assigned(Vec<Decl>),
    /// `STATE { ... }`.
    State(Vec<Decl>),
    /// `WHITE_NOISE { ... }` (Arbor): names of white-noise sources.
    WhiteNoise(Vec<Decl>),
    /// `INITIAL { ... }`.
    Initial(Block),
    /// `BREAKPOINT { ... }`.
    Breakpoint(Block),
    /// `DERIVATIVE name { ... }`: ODEs.
    Derivative(NamedBlock),
    /// `KINETIC name { ... }`: a reaction scheme.
    Kinetic(NamedBlock),
    /// `LINEAR name { ... }`: linear equations `~ lhs = rhs`.
    Linear(NamedBlock),
    /// `NONLINEAR name { ... }`: nonlinear equations `~ lhs = rhs`.
    NonLinear(NamedBlock),
    /// `PROCEDURE name(args) { ... }`.
    Procedure(Callable),
    /// `FUNCTION name(args) (units) { ... }`; the value is assigned to the function's name.
    Function(Callable),
    /// `FUNCTION_TABLE name(args) (units)`: a function whose values the user supplies at run time.
    FunctionTable {
        /// The function's name.
        name: Ident,
        /// Its arguments.
        params: Vec<Param>,
        /// The units of its value.
        units: Option<Units>,
    },
    /// `NET_RECEIVE(args) { ... }`: the event handler. Its body may contain an `INITIAL` block
    /// ([`StmtKind::Initial`]).
    NetReceive {
        /// The event arguments (the first is the weight).
        params: Vec<Param>,
        /// The handler.
        body: Block,
    },
    /// `BEFORE when { ... }`.
    Before {
        /// When the block runs.
        when: When,
        /// The statements.
        body: Block,
    },
    /// `AFTER when { ... }`.
    After {
        /// When the block runs.
        when: When,
        /// The statements.
        body: Block,
    },
    /// `CONSTRUCTOR { ... }` (usually VERBATIM C code).
    Constructor(Block),
    /// `DESTRUCTOR { ... }`.
    Destructor(Block),
    /// `VERBATIM ... ENDVERBATIM` at the top level: the C text between the keywords.
    Verbatim(String),
    /// `POST_EVENT(t) { ... }` (Arbor): runs when the cell spikes.
    PostEvent {
        /// The argument (the spike time).
        params: Vec<Param>,
        /// The statements.
        body: Block,
    },
}

/// When a BEFORE or AFTER block runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// `BREAKPOINT`.
    Breakpoint,
    /// `SOLVE`.
    Solve,
    /// `INITIAL`.
    Initial,
    /// `STEP`.
    Step,
}

/// One declaration of an INDEPENDENT block, e.g. `t FROM 0 TO 1 WITH 1 (ms)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Independent {
    /// The independent variable.
    pub name: Ident,
    /// `FROM lo TO hi WITH n`, if written.
    pub range: Option<(Number, Number, Number)>,
    /// `START value`, if written.
    pub start: Option<Number>,
    /// Its units.
    pub units: Option<Units>,
    /// The whole declaration.
    pub span: Span,
}

/// A variable of a LOCAL statement or top-level LOCAL: `x` or `x[3]`.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalVar {
    /// The name.
    pub name: Ident,
    /// The array size, if it is an array.
    pub size: Option<ArraySize>,
}

/// The size of an array declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum ArraySize {
    /// An integer literal, `x[3]`.
    Int(u64, Span),
    /// A DEFINEd name, `x[NANN]`.
    Name(Ident),
}

/// One statement of the NEURON block.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronStmt {
    /// What it declares.
    pub kind: NeuronKind,
    /// From its keyword to its end.
    pub span: Span,
}

/// The statements of the NEURON block.
#[derive(Clone, Debug, PartialEq)]
pub enum NeuronKind {
    /// `SUFFIX name`: a density mechanism.
    Suffix(Ident),
    /// `POINT_PROCESS name`.
    PointProcess(Ident),
    /// `ARTIFICIAL_CELL name`.
    ArtificialCell(Ident),
    /// `JUNCTION_PROCESS name`: Arbor's gap-junction mechanism, whose current reads the peer's
    /// potential `v_peer`.
    JunctionProcess(Ident),
    /// `VOLTAGE_PROCESS name`: Arbor's process that sets the membrane potential in its
    /// BREAKPOINT, after the voltage solve of each step.
    VoltageProcess(Ident),
    /// `USEION name READ ... WRITE ... VALENCE n REPRESENTS curie`.
    UseIon(UseIon),
    /// `NONSPECIFIC_CURRENT i, ...`.
    NonspecificCurrent(Vec<Ident>),
    /// `ELECTRODE_CURRENT i, ...`.
    ElectrodeCurrent(Vec<Ident>),
    /// `RANGE a, b, ...`.
    Range(Vec<Ident>),
    /// `GLOBAL a, b, ...`.
    Global(Vec<Ident>),
    /// `THREADSAFE` with optional names.
    ThreadSafe(Vec<Ident>),
    /// `POINTER p, ...`.
    Pointer(Vec<Ident>),
    /// `BBCOREPOINTER p, ...`.
    BbcorePointer(Vec<Ident>),
    /// `EXTERNAL name, ...`.
    External(Vec<Ident>),
    /// `RANDOM r, ...`.
    Random(Vec<Ident>),
    /// `REPRESENTS curie`: the ontology term of the mechanism (NEURON 9), kept as text. It has
    /// no effect on the model.
    Represents(String),
}

/// A USEION statement.
#[derive(Clone, Debug, PartialEq)]
pub struct UseIon {
    /// The ion species, e.g. `na`.
    pub ion: Ident,
    /// The ion variables read (`ena`, `nai`, ...).
    pub read: Vec<Ident>,
    /// The ion variables written (`ina`, `cai`, ...).
    pub write: Vec<Ident>,
    /// `VALENCE n`, if written.
    pub valence: Option<Number>,
    /// `VALENCE zx` (Arbor's dialect): a name that reads the species' valence.
    pub valence_name: Option<Ident>,
    /// `REPRESENTS curie`, if written (the ontology term as text).
    pub represents: Option<String>,
}

/// One definition of the UNITS block.
#[derive(Clone, Debug, PartialEq)]
pub enum UnitDef {
    /// `(mV) = (millivolt)`: a unit alias.
    Alias {
        /// The new unit.
        name: Units,
        /// What it stands for.
        definition: Units,
        /// The whole definition.
        span: Span,
    },
    /// `FARADAY = (faraday) (coulomb)`, `PI = (pi) (1)`, `FARADAY = 96485.3 (coul)`: a named
    /// physical constant.
    Constant {
        /// The constant's name.
        name: Ident,
        /// Its value: a unit factor such as `(faraday)`, or a number.
        value: UnitValue,
        /// The units it is expressed in (the second parenthesis), if written.
        units: Option<Units>,
        /// The whole definition.
        span: Span,
    },
}

/// The value of a named constant of the UNITS block.
#[derive(Clone, Debug, PartialEq)]
pub enum UnitValue {
    /// A unit factor such as `(faraday)` or `(k-mole)`, to be looked up in a units database.
    Factor(Units),
    /// A literal number.
    Number(Number),
}

/// A declaration of a PARAMETER, CONSTANT, ASSIGNED, STATE or WHITE_NOISE block.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    /// The declared name.
    pub name: Ident,
    /// The array size, for `x[3]`.
    pub size: Option<ArraySize>,
    /// The value after `=`, if any.
    pub value: Option<Number>,
    /// Its units, if written.
    pub units: Option<Units>,
    /// `FROM lo TO hi`, if written (STATE ranges).
    pub from_to: Option<(Number, Number)>,
    /// `START value`, if written.
    pub start: Option<Number>,
    /// `<lo, hi>` limits or a `<tol>` tolerance, if written.
    pub limits: Option<Limits>,
    /// The whole declaration.
    pub span: Span,
}

/// The angle-bracket suffix of a declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Limits {
    /// `<lo, hi>`: the range a parameter may take.
    Range(Number, Number),
    /// `<tol>`: an absolute tolerance (STATE).
    Tolerance(Number),
}

/// A block with a name: DERIVATIVE, KINETIC, LINEAR, NONLINEAR.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedBlock {
    /// The block's name (what SOLVE refers to).
    pub name: Ident,
    /// `SOLVEFOR a, b`, if written.
    pub solve_for: Vec<Ident>,
    /// The statements.
    pub body: Block,
}

/// A PROCEDURE or FUNCTION.
#[derive(Clone, Debug, PartialEq)]
pub struct Callable {
    /// Its name.
    pub name: Ident,
    /// Its parameters.
    pub params: Vec<Param>,
    /// Return units (FUNCTION) or, rarely, units written after a PROCEDURE's parameters.
    pub units: Option<Units>,
    /// The statements.
    pub body: Block,
}

/// A formal parameter: `x` or `x (mV)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The name.
    pub name: Ident,
    /// Its units, if written.
    pub units: Option<Units>,
    /// The name and its units.
    pub span: Span,
}

/// A brace-delimited list of statements.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The statements, in order.
    pub stmts: Vec<Stmt>,
    /// From `{` to `}`.
    pub span: Span,
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What it does.
    pub kind: StmtKind,
    /// The whole statement.
    pub span: Span,
}

/// The kinds of statement.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `LOCAL a, b[2]`.
    Local(Vec<LocalVar>),
    /// `x = e` or `x[i] = e`.
    Assign {
        /// The variable assigned.
        target: Ident,
        /// The index, for an array element.
        index: Option<Expr>,
        /// The value.
        value: Expr,
    },
    /// `m' = e` (or `m'[i] = e` / `m[i]' = e`): an ODE of a DERIVATIVE block. Only first
    /// derivatives parse; `m''` is reported as an error.
    Ode {
        /// The state whose derivative is given.
        state: Ident,
        /// The index, for an array state.
        index: Option<Expr>,
        /// The derivative.
        value: Expr,
    },
    /// A call evaluated for its effect, e.g. `rates(v)`, `net_send(0, 1)`; the expression is
    /// always an [`ExprKind::Call`].
    Call(Expr),
    /// `if (cond) { ... } else { ... }`. An `else if` is an `otherwise` block holding one `If`.
    If {
        /// The condition.
        cond: Expr,
        /// Statements run when it holds.
        then: Block,
        /// Statements run otherwise.
        otherwise: Option<Block>,
    },
    /// `while (cond) { ... }`.
    While {
        /// The condition.
        cond: Expr,
        /// The loop body.
        body: Block,
    },
    /// `FROM i = a TO b BY c { ... }`.
    From {
        /// The loop variable.
        var: Ident,
        /// The first value.
        from: Expr,
        /// The last value (inclusive).
        to: Expr,
        /// The increment, if written.
        by: Option<Expr>,
        /// The loop body.
        body: Block,
    },
    /// `SOLVE name [METHOD m | STEADYSTATE m] [IFERROR { ... }]`.
    Solve {
        /// The block solved.
        block: Ident,
        /// The method, if written.
        method: Option<SolveMethod>,
        /// The IFERROR block, if written.
        if_error: Option<Block>,
    },
    /// `TABLE names DEPEND names FROM lo TO hi WITH n`.
    Table {
        /// The tabulated variables (empty for a tabulated PROCEDURE).
        names: Vec<Ident>,
        /// The variables the table depends on.
        depend: Vec<Ident>,
        /// The lowest argument value.
        from: Expr,
        /// The highest argument value.
        to: Expr,
        /// The number of intervals.
        with: Expr,
    },
    /// `~ A + 2B <-> C (kf, kb)` or `~ A -> B (k)`.
    Reaction {
        /// The left-hand side.
        lhs: Vec<Reactant>,
        /// The arrow.
        arrow: Arrow,
        /// The right-hand side.
        rhs: Vec<Reactant>,
        /// The forward rate.
        forward: Expr,
        /// The backward rate (absent for `->`, or when only one rate was written).
        backward: Option<Expr>,
    },
    /// `~ A << (flux)`: a flux into a species.
    Flux {
        /// The species.
        species: Reactant,
        /// The flux.
        flux: Expr,
    },
    /// `~ lhs = rhs` in a LINEAR or NONLINEAR block.
    Equation {
        /// The left-hand side.
        lhs: Expr,
        /// The right-hand side.
        rhs: Expr,
    },
    /// `CONSERVE a + b = total`.
    Conserve {
        /// The left-hand side (a sum of states).
        lhs: Expr,
        /// The right-hand side.
        rhs: Expr,
    },
    /// `COMPARTMENT [i,] volume { species }`.
    Compartment {
        /// The index variable, for array species.
        index: Option<Ident>,
        /// The volume expression.
        volume: Expr,
        /// The species it applies to (an element `ca[0]` is gradmod's extension, which the IR's
        /// text form uses).
        species: Vec<Reactant>,
    },
    /// `LONGITUDINAL_DIFFUSION [i,] rate { species }`.
    LongitudinalDiffusion {
        /// The index variable, for array species.
        index: Option<Ident>,
        /// The diffusion rate expression.
        rate: Expr,
        /// The species it applies to.
        species: Vec<Reactant>,
    },
    /// `WATCH (cond) flag, ...`.
    Watch(Vec<Watch>),
    /// `FOR_NETCONS(args) { ... }`.
    ForNetcons {
        /// The arguments (as in NET_RECEIVE).
        params: Vec<Param>,
        /// The loop body.
        body: Block,
    },
    /// `VERBATIM ... ENDVERBATIM`: the C text between the keywords.
    Verbatim(String),
    /// `MUTEXLOCK`.
    MutexLock,
    /// `MUTEXUNLOCK`.
    MutexUnlock,
    /// `PROTECT stmt`.
    Protect(Box<Stmt>),
    /// `LAG name BY tau`.
    Lag {
        /// The lagged variable.
        name: Ident,
        /// The delay variable.
        by: Ident,
    },
    /// `CONDUCTANCE g [USEION ion]`: a hint naming the conductance of a current.
    Conductance {
        /// The conductance variable.
        name: Ident,
        /// The ion, if written.
        ion: Option<Ident>,
    },
    /// `INITIAL { ... }` nested in NET_RECEIVE.
    Initial(Block),
    /// A nested `{ ... }` block.
    Block(Block),
}

/// The numerical method of a SOLVE statement.
#[derive(Clone, Debug, PartialEq)]
pub enum SolveMethod {
    /// `METHOD name`, e.g. `cnexp`, `derivimplicit`, `sparse`, `euler`, `stochastic`.
    Method(Ident),
    /// `STEADYSTATE name`, e.g. `sparse`.
    SteadyState(Ident),
}

/// A reaction arrow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrow {
    /// `<->`: a reversible reaction with forward and backward rates.
    Reversible,
    /// `->` (Arbor): an irreversible reaction.
    Forward,
}

/// One term of a reaction: `2A`, `ca[i]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reactant {
    /// The stoichiometric coefficient (1 when not written).
    pub coeff: u32,
    /// The species.
    pub name: Ident,
    /// The index, for an array species.
    pub index: Option<Expr>,
    /// The whole term.
    pub span: Span,
}

/// One condition of a WATCH statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Watch {
    /// The watched condition.
    pub cond: Expr,
    /// The flag passed to NET_RECEIVE when it becomes true.
    pub flag: Option<Expr>,
    /// The condition and its flag.
    pub span: Span,
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// The expression as written (without enclosing parentheses).
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number, possibly with units: `0.1 (/ms)`.
    Number(Number),
    /// A variable: `v`, `gnabar`, `t`.
    Name(Ident),
    /// An array element: `x[i]`.
    Index {
        /// The array.
        array: Ident,
        /// The index.
        index: Box<Expr>,
    },
    /// A call: `exp(x)`, `rates(v)`, `net_send(0, 1)`.
    Call {
        /// The function.
        func: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// A string literal (only meaningful as an argument of `printf` and the like), without its
    /// quotes; escapes are kept as written.
    String(String),
    /// `-e`, `!e`, `+e`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `a op b`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-e`: binds less tightly than `^`, so `-x^2` is `-(x^2)`.
    Neg,
    /// `!e`.
    Not,
    /// `+e`.
    Plus,
}

/// Binary operators. Precedence, loosest first: `||`; `&&`; comparisons; `+ -`; `* /`;
/// unary `- !`; `^` (right-associative). All but `^` are left-associative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `^`.
    Pow,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `&&`.
    And,
    /// `||`.
    Or,
}

impl BinaryOp {
    /// The operator as written in NMODL.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "^",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
        }
    }
}
