//! The expression arena: a hash-consed DAG of pure expressions over variables named by [`VarId`].
//!
//! Every expression lives in an [`ExprArena`] and is referred to by an [`ExprId`]. Interning makes
//! structurally equal expressions share one id, so equality of ids is structural equality and
//! common subexpressions are shared for free. Expressions have no effects; statements (in the
//! module) point into this DAG.

use std::collections::HashMap;
use std::fmt;

/// A variable of the module: an index into its variable table. Never a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub u32);

/// An expression: an index into an [`ExprArena`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExprId(pub u32);

impl VarId {
    /// The index of this variable in its module's variable table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl ExprId {
    /// The index of this expression in its arena.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// An `f64` constant that can be hashed and compared exactly (by bit pattern, with `-0.0`
/// folded into `0.0` and every NaN folded into one).
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

impl Num {
    fn key(self) -> u64 {
        if self.0 == 0.0 {
            0
        } else if self.0.is_nan() {
            f64::NAN.to_bits()
        } else {
            self.0.to_bits()
        }
    }
}

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Num {}
impl std::hash::Hash for Num {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// Arithmetic negation `-a`.
    Neg,
    /// Logical negation `!a`: 1 when `a` is 0, else 0.
    Not,
}

/// Binary operators. Comparisons and logical operators yield 1.0 (true) or 0.0 (false).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `a ^ b`, also written `pow(a, b)`.
    Pow,
    /// `a < b`.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
    /// `a == b`.
    Eq,
    /// `a != b`.
    Ne,
    /// `a && b`.
    And,
    /// `a || b`.
    Or,
    /// `min(a, b)`.
    Min,
    /// `max(a, b)`.
    Max,
    /// `atan2(a, b)`.
    Atan2,
    /// `fmod(a, b)`: the remainder of `a / b` with the sign of `a`.
    Fmod,
}

/// Pure functions of one argument from NEURON's and Arbor's libraries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    /// `exp(x)`.
    Exp,
    /// `log(x)`, the natural logarithm.
    Log,
    /// `log10(x)`.
    Log10,
    /// `sqrt(x)`.
    Sqrt,
    /// `fabs(x)`.
    Fabs,
    /// `sin(x)`.
    Sin,
    /// `cos(x)`.
    Cos,
    /// `tan(x)`.
    Tan,
    /// `tanh(x)`.
    Tanh,
    /// `sinh(x)`.
    Sinh,
    /// `cosh(x)`.
    Cosh,
    /// `atan(x)`.
    Atan,
    /// `asin(x)`.
    Asin,
    /// `acos(x)`.
    Acos,
    /// Arbor's `exprelr(x) = x / (exp(x) - 1)`, with the value 1 at `x = 0`.
    Exprelr,
    /// `floor(x)` (derivative zero almost everywhere).
    Floor,
    /// `ceil(x)` (derivative zero almost everywhere).
    Ceil,
    /// Arbor's `step_right(x)`: 1 for `x >= 0`, else 0.
    StepRight,
    /// Arbor's `step_left(x)`: 1 for `x > 0`, else 0.
    StepLeft,
    /// Arbor's `step(x)`: 0 below zero, 1/2 at zero, 1 above.
    Step,
    /// Arbor's `signum(x)`.
    Signum,
}

/// One node of the expression DAG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A numeric constant.
    Num(Num),
    /// The current value of a variable.
    Var(VarId),
    /// A unary operator applied to an expression.
    Unary(UnOp, ExprId),
    /// A binary operator applied to two expressions.
    Binary(BinOp, ExprId, ExprId),
    /// A library function applied to one expression.
    Call(Func, ExprId),
    /// `if cond != 0 { then } else { otherwise }`, as an expression.
    Select {
        /// The condition (nonzero is true).
        cond: ExprId,
        /// The value when the condition holds.
        then: ExprId,
        /// The value otherwise.
        otherwise: ExprId,
    },
}

/// The arena that owns every expression node of a module, interned so that equal nodes share an id.
#[derive(Clone, Default)]
pub struct ExprArena {
    nodes: Vec<Expr>,
    index: HashMap<Expr, ExprId>,
}

impl ExprArena {
    /// An empty arena.
    pub fn new() -> Self {
        Self::default()
    }

    /// Interns `node`, returning the id of the existing equal node if there is one.
    pub fn intern(&mut self, node: Expr) -> ExprId {
        if let Some(&id) = self.index.get(&node) {
            return id;
        }
        let id = ExprId(u32::try_from(self.nodes.len()).expect("more than 2^32 expressions"));
        self.nodes.push(node);
        self.index.insert(node, id);
        id
    }

    /// The node behind `id`.
    pub fn get(&self, id: ExprId) -> Expr {
        self.nodes[id.index()]
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the arena is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// A numeric constant.
    pub fn num(&mut self, x: f64) -> ExprId {
        self.intern(Expr::Num(Num(x)))
    }

    /// A variable reference.
    pub fn var(&mut self, v: VarId) -> ExprId {
        self.intern(Expr::Var(v))
    }

    /// `a op b`, without simplification.
    pub fn binary(&mut self, op: BinOp, a: ExprId, b: ExprId) -> ExprId {
        self.intern(Expr::Binary(op, a, b))
    }

    /// `op a`, without simplification.
    pub fn unary(&mut self, op: UnOp, a: ExprId) -> ExprId {
        self.intern(Expr::Unary(op, a))
    }

    /// `f(a)`, without simplification.
    pub fn call(&mut self, f: Func, a: ExprId) -> ExprId {
        self.intern(Expr::Call(f, a))
    }

    /// `cond ? then : otherwise`, without simplification.
    pub fn select(&mut self, cond: ExprId, then: ExprId, otherwise: ExprId) -> ExprId {
        self.intern(Expr::Select {
            cond,
            then,
            otherwise,
        })
    }
}

impl fmt::Debug for ExprArena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExprArena")
            .field("len", &self.nodes.len())
            .finish()
    }
}
