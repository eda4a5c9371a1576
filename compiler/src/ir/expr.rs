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

/// A temporary of a kernel plan ([`crate::back::kernels`]): a value the plan's code binds once
/// (a shared subexpression, a coefficient, a loop's counter or slot, an element read), numbered
/// per kernel body. Never a variable of the module: a module's statements hold no temporaries
/// (the validator rejects them), so no stage before the kernel plans sees one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TempId(pub u32);

impl TempId {
    /// The index of this temporary among its body's temporaries.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

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
    /// `erf(x)`, the error function (the C library's, as NEURON's generated C calls it).
    Erf,
    /// `erfc(x) = 1 - erf(x)`, computed without cancellation for large `x`.
    Erfc,
}

impl Func {
    /// Every function, in declaration order.
    pub const ALL: [Func; 23] = [
        Func::Exp,
        Func::Log,
        Func::Log10,
        Func::Sqrt,
        Func::Fabs,
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Tanh,
        Func::Sinh,
        Func::Cosh,
        Func::Atan,
        Func::Asin,
        Func::Acos,
        Func::Exprelr,
        Func::Floor,
        Func::Ceil,
        Func::StepRight,
        Func::StepLeft,
        Func::Step,
        Func::Signum,
        Func::Erf,
        Func::Erfc,
    ];

    /// The function's name in NMODL source.
    pub fn name(self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Log10 => "log10",
            Func::Sqrt => "sqrt",
            Func::Fabs => "fabs",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Tanh => "tanh",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Atan => "atan",
            Func::Asin => "asin",
            Func::Acos => "acos",
            Func::Exprelr => "exprelr",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
            Func::StepRight => "step_right",
            Func::StepLeft => "step_left",
            Func::Step => "step",
            Func::Signum => "signum",
            Func::Erf => "erf",
            Func::Erfc => "erfc",
        }
    }

    /// The function with NMODL name `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// One node of the expression DAG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A numeric constant.
    Num(Num),
    /// The current value of a variable.
    Var(VarId),
    /// The value of a kernel plan's temporary (only in the expressions of kernel plans).
    Temp(TempId),
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

impl Expr {
    /// The operands of this node, in order (condition, then, otherwise for a select).
    pub fn children(&self) -> impl Iterator<Item = ExprId> + use<> {
        let (ids, n) = match *self {
            Expr::Num(_) | Expr::Var(_) | Expr::Temp(_) => ([ExprId(0); 3], 0),
            Expr::Unary(_, a) | Expr::Call(_, a) => ([a, a, a], 1),
            Expr::Binary(_, a, b) => ([a, b, b], 2),
            Expr::Select {
                cond,
                then,
                otherwise,
            } => ([cond, then, otherwise], 3),
        };
        ids.into_iter().take(n)
    }
}

/// The arena that owns every expression node of a module, interned so that equal nodes share an id.
///
/// Invariant: every operand of a node has a smaller id than the node itself (a node can only be
/// interned after its operands), so increasing id order is a topological order of the DAG.
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
        debug_assert!(
            node.children().all(|c| c.index() < self.nodes.len()),
            "operand id not in this arena"
        );
        if let Some(&id) = self.index.get(&node) {
            return id;
        }
        let id = ExprId(u32::try_from(self.nodes.len()).expect("more than 2^32 expressions"));
        self.nodes.push(node);
        self.index.insert(node, id);
        id
    }

    /// The id of `node` if it has been interned, without interning it.
    pub fn find(&self, node: Expr) -> Option<ExprId> {
        self.index.get(&node).copied()
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

    /// The value of `id` if it is a numeric constant.
    pub fn as_num(&self, id: ExprId) -> Option<f64> {
        match self.get(id) {
            Expr::Num(Num(x)) => Some(x),
            _ => None,
        }
    }

    /// Every node reachable from `roots` (the roots included), in increasing id order, which is
    /// a topological order: operands come before the nodes that use them.
    pub fn reachable(&self, roots: &[ExprId]) -> Vec<ExprId> {
        self.reachable_by(roots, |_, _| true)
    }

    /// Like [`ExprArena::reachable`], but an operand is followed only when `follow(node, k)`
    /// holds for the node and the operand's position `k` among its operands.
    pub fn reachable_by(
        &self,
        roots: &[ExprId],
        mut follow: impl FnMut(Expr, usize) -> bool,
    ) -> Vec<ExprId> {
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<ExprId> = roots.to_vec();
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            out.push(id);
            let node = self.get(id);
            for (k, c) in node.children().enumerate() {
                if follow(node, k) && !seen.contains(&c) {
                    stack.push(c);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// A numeric constant.
    ///
    /// `-0.0` is stored as `0.0`, so the node behind a zero does not depend on which sign of zero
    /// was interned first.
    pub fn num(&mut self, x: f64) -> ExprId {
        let x = if x == 0.0 { 0.0 } else { x };
        self.intern(Expr::Num(Num(x)))
    }

    /// A variable reference.
    pub fn var(&mut self, v: VarId) -> ExprId {
        self.intern(Expr::Var(v))
    }

    /// A reference to a kernel plan's temporary.
    pub fn temp(&mut self, t: TempId) -> ExprId {
        self.intern(Expr::Temp(t))
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
