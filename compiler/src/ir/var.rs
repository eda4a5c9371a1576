//! Variables of the IR and the ions a mechanism uses.

use crate::diag::Span;

/// An ion species used by a mechanism: an index into [`super::Module::ions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IonId(pub u32);

impl IonId {
    /// The index of this ion in its module's ion table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Which quantity of an ion species a variable is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IonRole {
    /// The ionic current density `iX` (mA/cm2; nA for point processes).
    Current,
    /// The reversal potential `eX` (mV).
    Reversal,
    /// The internal concentration `Xi` (mM).
    ConcIn,
    /// The external concentration `Xo` (mM).
    ConcOut,
    /// The derivative of the ionic current with respect to v, `diX/dv` (Arbor's `diX_dv`).
    Conductance,
    /// Arbor's diffusive concentration `Xd` (mM): one value per CV, which mechanisms read and
    /// write and which the runtime diffuses along the cable with the species' diffusivity.
    ConcDiff,
}

/// A USEION declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct IonUse {
    /// The species name (`na`, `k`, `ca`, or any other).
    pub species: String,
    /// The VALENCE if given.
    pub valence: Option<f64>,
    /// The variables the mechanism reads.
    pub read: Vec<super::VarId>,
    /// The variables the mechanism writes.
    pub write: Vec<super::VarId>,
    /// The mechanism's own STATEs among `read` and `write` that hold a quantity of this ion (a
    /// concentration it integrates, as calcium accumulation does, or an Arbor diffusive
    /// concentration it decays), with the role of each, as lowering resolved it from the USEION
    /// names. Such a state is loaded from the ion when read and stored to it when written.
    pub states: Vec<(super::VarId, IonRole)>,
    /// Where it was declared.
    pub span: Span,
}

/// Quantities the simulator provides to every mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// The membrane potential `v` (mV).
    V,
    /// Simulation time `t` (ms).
    T,
    /// The time step `dt` (ms).
    Dt,
    /// Temperature `celsius` (degC).
    Celsius,
    /// The membrane area of the segment, `area` (um2).
    Area,
    /// The diameter of the segment, `diam` (um).
    Diam,
}

impl Builtin {
    /// The name of the builtin in NMODL.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::V => "v",
            Builtin::T => "t",
            Builtin::Dt => "dt",
            Builtin::Celsius => "celsius",
            Builtin::Area => "area",
            Builtin::Diam => "diam",
        }
    }

    /// The builtin called `name`, if any.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "v" => Builtin::V,
            "t" => Builtin::T,
            "dt" => Builtin::Dt,
            "celsius" => Builtin::Celsius,
            "area" => Builtin::Area,
            "diam" => Builtin::Diam,
            _ => return None,
        })
    }

    /// Its unit.
    pub fn unit(self) -> &'static str {
        match self {
            Builtin::V => "mV",
            Builtin::T | Builtin::Dt => "ms",
            Builtin::Celsius => "degC",
            Builtin::Area => "um2",
            Builtin::Diam => "um",
        }
    }
}

/// How a variable is stored and who owns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarKind {
    /// A PARAMETER: set by the user, constant during a step; the default differentiation targets.
    Parameter,
    /// A STATE: advanced by a SOLVE.
    State,
    /// An ASSIGNED variable owned by the mechanism.
    Assigned,
    /// An ion quantity owned by the simulator (read or written through USEION).
    Ion {
        /// Which ion.
        ion: IonId,
        /// Which quantity of it.
        role: IonRole,
    },
    /// A LOCAL of some block (or an argument of an inlined FUNCTION/PROCEDURE, or a NET_RECEIVE
    /// argument): lives only while the block runs.
    Local,
    /// A CONSTANT, or a named physical constant from the UNITS block.
    Constant,
    /// A quantity the simulator provides.
    Builtin(Builtin),
    /// The tangent (directional derivative along one parameter direction θ_k) of another
    /// variable, made by the tangent pass: an input of a tangent map (of v, a state, a parameter,
    /// an ion variable read) or an output (of a state, a current, a conductance, a concentration).
    Tangent(super::VarId),
    /// A random draw: read-only, with one value per instance and kernel call (pure within the
    /// call, so every read of it in one call, and the tangent kernel run beside the primal one,
    /// sees the same number), drawn by the runtime from the instance's counter-based stream.
    /// Its derivative with respect to everything is zero (pathwise tangents).
    Random(Draw),
}

/// A random-number stream of a module: each WHITE_NOISE variable and each call site of a random
/// function (`normrand`, `random_uniform`, ...) has its own, numbered from 0 in a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(pub u32);

/// The distribution of a random draw (arguments such as a mean or bounds are applied by the
/// expression that reads the draw).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dist {
    /// Uniform on [0, 1).
    Uniform,
    /// Standard normal N(0, 1).
    Normal,
    /// Exponential with mean 1.
    Exponential,
    /// Arbor's WHITE_NOISE: a standard normal divided by sqrt(dt), so that explicit Euler on
    /// `x' = f + g*W` is Euler-Maruyama with the Wiener increment g*sqrt(dt)*N(0, 1).
    WhiteNoise,
}

impl Dist {
    /// A short name for generated code and messages.
    pub fn name(self) -> &'static str {
        match self {
            Dist::Uniform => "uniform",
            Dist::Normal => "normal",
            Dist::Exponential => "exponential",
            Dist::WhiteNoise => "white_noise",
        }
    }
}

/// A random draw: which stream, and from which distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Draw {
    /// The stream.
    pub stream: StreamId,
    /// The distribution.
    pub dist: Dist,
}

/// Whether a PARAMETER or ASSIGNED variable has one value per instance or one per mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One value per instance (RANGE, and every STATE).
    Range,
    /// One value shared by every instance (GLOBAL, and PARAMETERs not declared RANGE).
    Global,
}

/// One variable of a module.
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    /// Its name as written (array elements are named `x[2]`).
    pub name: String,
    /// What it is.
    pub kind: VarKind,
    /// Range or global.
    pub scope: Scope,
    /// Its unit as written, e.g. `mV` or `/ms`.
    pub unit: Option<String>,
    /// Its default (PARAMETER, CONSTANT) or initial value, if given.
    pub value: Option<f64>,
    /// The `<lo, hi>` limits of a PARAMETER, if given.
    pub limits: Option<(f64, f64)>,
    /// Where it was declared.
    pub span: Span,
}

impl Variable {
    /// A variable with no unit, value or limits.
    pub fn new(name: impl Into<String>, kind: VarKind, scope: Scope, span: Span) -> Self {
        Variable {
            name: name.into(),
            kind,
            scope,
            unit: None,
            value: None,
            limits: None,
            span,
        }
    }
}

/// An array of a module: an index into [`super::Module::arrays`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArrayId(pub u32);

impl ArrayId {
    /// The index of this array in its module's array table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// An array variable (`x[4]`): one variable per element, so that an element at a constant
/// index is an ordinary variable; statements that index it at run time
/// ([`super::StmtKind::GetElement`], [`super::StmtKind::SetElement`]) name the array.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// Its name as written (`x`).
    pub name: String,
    /// Its elements, in index order.
    pub elems: Vec<super::VarId>,
    /// Where it was declared.
    pub span: Span,
}
