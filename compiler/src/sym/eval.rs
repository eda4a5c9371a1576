//! Evaluation of expressions in `f64`, with the IEEE semantics of the C that NEURON generates.
//!
//! The operator and function semantics here are the reference for every back end and for
//! constant folding: an expression folded at compile time has exactly the value it would have
//! had at run time. Evaluation is eager (both branches of a select are computed, which is harmless
//! because expressions are pure) and never panics: a division by zero gives `inf` or NaN.
//!
//! Known differences from NEURON's generated C, all at the last bit or beyond the range where
//! NEURON itself warns: integer constant powers use `powi` (NEURON calls `pow`); `exp` is IEEE
//! `exp`, whereas NEURON's `hoc_Exp` returns 0 below -700 and `exp(700)` (with a warning) above
//! 700; `exprelr` is Arbor's (NEURON has none).

use std::collections::HashMap;

use crate::ir::expr::{BinOp, Expr, ExprArena, ExprId, Func, UnOp, VarId};

/// Arbor's `exprelr(x) = x / (exp(x) - 1)`, with the removable singularity filled in.
///
/// As in Arbor: `1` when `1 + x == 1` (that is, `|x|` below about `1.1e-16`), otherwise
/// `x / expm1(x)`. Using `expm1` keeps the value accurate to a few ulp for every `x`, so no
/// series is needed for the value itself (the derivative is another matter, see
/// [`crate::sym::diff::exprelr_prime`]).
pub fn exprelr(x: f64) -> f64 {
    if 1.0 + x == 1.0 { 1.0 } else { x / x.exp_m1() }
}

/// The C library's error functions, which NEURON's generated C calls (Rust's `f64` has none on
/// stable): `erf` and `erfc` give the same bits here, in generated Rust and in the run-time
/// engines.
mod libc_math {
    unsafe extern "C" {
        pub safe fn erf(x: f64) -> f64;
        pub safe fn erfc(x: f64) -> f64;
    }
}

/// `erf(x)`, the C library's.
pub fn erf(x: f64) -> f64 {
    libc_math::erf(x)
}

/// `erfc(x) = 1 - erf(x)`, the C library's.
pub fn erfc(x: f64) -> f64 {
    libc_math::erfc(x)
}

/// Arbor's `signum`: `1` above zero, `-1` below, `0` at zero and for NaN.
pub fn signum(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Whether a constant exponent is evaluated by repeated multiplication (`powi`) rather than by
/// `powf`: exactly when it is an integer of `i32` range. Back ends emit `powi` under the same rule.
pub fn is_int_exponent(b: f64) -> bool {
    b.fract() == 0.0 && b.abs() <= f64::from(i32::MAX)
}

/// `a ^ b`. When the exponent is a constant node (`exponent_is_const`) with an integer value,
/// this is `powi`; otherwise `powf`. Both agree with C's `pow` to within an ulp or two.
pub fn pow_value(a: f64, b: f64, exponent_is_const: bool) -> f64 {
    if exponent_is_const && is_int_exponent(b) {
        // The range check above makes this cast exact.
        a.powi(b as i32)
    } else {
        a.powf(b)
    }
}

fn truth(x: bool) -> f64 {
    if x { 1.0 } else { 0.0 }
}

/// The value of a unary operator.
pub fn apply_unary(op: UnOp, a: f64) -> f64 {
    match op {
        UnOp::Neg => -a,
        UnOp::Not => truth(a == 0.0),
    }
}

/// The value of a binary operator. `exponent_is_const` selects the rule of [`pow_value`] and is
/// ignored by the other operators.
pub fn apply_binary(op: BinOp, a: f64, b: f64, exponent_is_const: bool) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Pow => pow_value(a, b, exponent_is_const),
        BinOp::Lt => truth(a < b),
        BinOp::Le => truth(a <= b),
        BinOp::Gt => truth(a > b),
        BinOp::Ge => truth(a >= b),
        BinOp::Eq => truth(a == b),
        BinOp::Ne => truth(a != b),
        BinOp::And => truth(a != 0.0 && b != 0.0),
        BinOp::Or => truth(a != 0.0 || b != 0.0),
        BinOp::Min => a.min(b),
        BinOp::Max => a.max(b),
        BinOp::Atan2 => a.atan2(b),
        BinOp::Fmod => a % b,
    }
}

/// The value of a library function.
pub fn apply_call(f: Func, x: f64) -> f64 {
    match f {
        Func::Exp => x.exp(),
        Func::Log => x.ln(),
        Func::Log10 => x.log10(),
        Func::Sqrt => x.sqrt(),
        Func::Fabs => x.abs(),
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Tan => x.tan(),
        Func::Tanh => x.tanh(),
        Func::Sinh => x.sinh(),
        Func::Cosh => x.cosh(),
        Func::Atan => x.atan(),
        Func::Asin => x.asin(),
        Func::Acos => x.acos(),
        Func::Exprelr => exprelr(x),
        Func::Floor => x.floor(),
        Func::Ceil => x.ceil(),
        Func::StepRight => truth(x >= 0.0),
        Func::StepLeft => truth(x > 0.0),
        Func::Step => 0.5 * (1.0 + signum(x)),
        Func::Signum => signum(x),
        Func::Erf => erf(x),
        Func::Erfc => erfc(x),
    }
}

/// The value of an exponent that is a constant node, or the negation of one (as a parser may
/// build `x^-2`). Such exponents select `powi` when they are integers; back ends must apply the
/// same test so that generated code computes what [`eval`] computes.
pub fn constant_exponent(arena: &ExprArena, b: ExprId) -> Option<f64> {
    match arena.get(b) {
        Expr::Num(n) => Some(n.0),
        Expr::Unary(UnOp::Neg, c) => arena.as_num(c).map(|x| -x),
        _ => None,
    }
}

/// Whether `node` is a `Pow` whose exponent is constant (see [`constant_exponent`]).
pub fn exponent_is_const(arena: &ExprArena, node: Expr) -> bool {
    matches!(node, Expr::Binary(BinOp::Pow, _, b) if constant_exponent(arena, b).is_some())
}

/// The value of `e` with every variable `v` taking the value `env(v)`.
pub fn eval(arena: &ExprArena, e: ExprId, env: &dyn Fn(VarId) -> f64) -> f64 {
    let mut budget = SMALL_NODES;
    match eval_small(arena, e, env, &mut budget) {
        Some(x) => x,
        None => eval_many(arena, &[e], env)[0],
    }
}

/// How many node visits [`eval_small`] makes before it gives up for [`eval_many`].
const SMALL_NODES: u32 = 64;

/// The value of a small expression by direct recursion, without the memo table of
/// [`eval_many`] (whose allocation dominates the cost of the many small statements of an
/// interpreted loop). `None` once `budget` node visits are spent: a large or much-shared
/// expression is left to [`eval_many`], and the recursion never goes deeper than the budget.
/// Only the branch a select takes is computed; the value is the same as the eager rule's.
fn eval_small(
    arena: &ExprArena,
    e: ExprId,
    env: &dyn Fn(VarId) -> f64,
    budget: &mut u32,
) -> Option<f64> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    let node = arena.get(e);
    Some(match node {
        Expr::Num(n) => n.0,
        Expr::Var(v) => env(v),
        Expr::Temp(_) => f64::NAN,
        Expr::Unary(op, a) => apply_unary(op, eval_small(arena, a, env, budget)?),
        Expr::Binary(op, a, b) => {
            let x = eval_small(arena, a, env, budget)?;
            let y = eval_small(arena, b, env, budget)?;
            apply_binary(op, x, y, exponent_is_const(arena, node))
        }
        Expr::Call(f, a) => apply_call(f, eval_small(arena, a, env, budget)?),
        Expr::Select {
            cond,
            then,
            otherwise,
        } => {
            // C semantics: any nonzero value, NaN included, is true.
            if eval_small(arena, cond, env, budget)? != 0.0 {
                eval_small(arena, then, env, budget)?
            } else {
                eval_small(arena, otherwise, env, budget)?
            }
        }
    })
}

/// A hasher for arena ids: ids are dense small integers, so one multiplication spreads them well
/// enough, and is much cheaper than the default SipHash.
#[derive(Clone, Copy, Default)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by arena ids.
pub(crate) type IdMap<V> = HashMap<ExprId, V, std::hash::BuildHasherDefault<IdHasher>>;

/// The values of several roots, computing each shared node once.
pub fn eval_many(arena: &ExprArena, roots: &[ExprId], env: &dyn Fn(VarId) -> f64) -> Vec<f64> {
    let mut val: IdMap<f64> = IdMap::default();
    // A post-order walk: a node is pushed once to expand its operands and once more (`true`) to
    // be computed after them. Iterative, so no depth can overflow the stack.
    let mut stack: Vec<(ExprId, bool)> = roots.iter().rev().map(|&r| (r, false)).collect();
    while let Some((id, ready)) = stack.pop() {
        if val.contains_key(&id) {
            continue;
        }
        let node = arena.get(id);
        let x = match node {
            Expr::Num(n) => n.0,
            Expr::Var(v) => env(v),
            // A temporary has no value outside its kernel plan.
            Expr::Temp(_) => f64::NAN,
            _ if !ready => {
                stack.push((id, true));
                stack.extend(
                    node.children()
                        .filter(|c| !val.contains_key(c))
                        .map(|c| (c, false)),
                );
                continue;
            }
            Expr::Unary(op, a) => apply_unary(op, val[&a]),
            Expr::Binary(op, a, b) => {
                apply_binary(op, val[&a], val[&b], exponent_is_const(arena, node))
            }
            Expr::Call(f, a) => apply_call(f, val[&a]),
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                // C semantics: any nonzero value, NaN included, is true.
                if val[&cond] != 0.0 {
                    val[&then]
                } else {
                    val[&otherwise]
                }
            }
        };
        val.insert(id, x);
    }
    roots.iter().map(|r| val[r]).collect()
}
