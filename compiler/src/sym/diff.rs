//! Symbolic forward-mode differentiation: one `match` per node kind, returning a new [`ExprId`].
//!
//! The core is [`tangent`]: the directional derivative of expressions when every variable `v`
//! moves with a given rate `seed(v)` (an expression, or zero when `seed` gives `None`). Partial
//! derivatives ([`diff`]) seed one variable with `1`. Each call memoises per node, so a DAG with
//! shared subexpressions is differentiated once per node, and builds its result through the
//! smart constructors, so structural zeros vanish and no garbage nodes are interned for
//! subexpressions that do not depend on the seeded variables.
//!
//! Rules at points of non-differentiability: `fabs'(x) = signum(x)` (0 at 0); `min` and `max`
//! take the derivative of the operand the value comes from (the first one on ties); `floor`,
//! `ceil`, the step functions, `signum`, comparisons and logical operators have derivative 0;
//! a select differentiates both branches and leaves its condition untouched; `fmod(a, b)` has
//! derivatives 1 in `a` and `-k` in `b`, where `k` is the integer quotient fmod used.

use std::collections::HashMap;

use crate::ir::expr::{BinOp, Expr, ExprArena, ExprId, Func, UnOp, VarId};
use crate::sym::build::{add, binary, call, div, mul, neg, pow, select, sub};

/// Below this `|x|`, the derivative of `exprelr(x)` is evaluated by its Taylor series; above, by
/// the closed form `r (1 - r - x) / x` with `r = exprelr(x)`. At the threshold both are accurate
/// to a few ulp (the series is truncated after `x^9`, whose next term is below `1e-19` here; the
/// closed form loses about `2e-16 / |x|` to cancellation).
pub const EXPRELR_SERIES_BELOW: f64 = 0.1;

/// Taylor coefficients of `exprelr'(x)` at 0, for `x^0, x^1, ..., x^9`: `B(k+1) / k!` with the
/// Bernoulli numbers `B`.
const EXPRELR_PRIME_SERIES: [f64; 10] = [
    -0.5,
    1.0 / 6.0,
    0.0,
    -1.0 / 180.0,
    0.0,
    1.0 / 5040.0,
    0.0,
    -1.0 / 151_200.0,
    0.0,
    1.0 / 4_790_016.0,
];

/// Whether the derivative of a node needs the derivative of its operand number `k`.
fn needs_operand_derivative(node: Expr, k: usize) -> bool {
    match node {
        Expr::Unary(UnOp::Not, _) => false,
        Expr::Binary(op, _, _) => matches!(
            op,
            BinOp::Add
                | BinOp::Sub
                | BinOp::Mul
                | BinOp::Div
                | BinOp::Pow
                | BinOp::Min
                | BinOp::Max
                | BinOp::Atan2
                | BinOp::Fmod
        ),
        Expr::Call(f, _) => has_nonzero_derivative(f),
        Expr::Select { .. } => k != 0,
        _ => true,
    }
}

/// Whether `f` has a derivative that is not zero almost everywhere.
fn has_nonzero_derivative(f: Func) -> bool {
    !matches!(
        f,
        Func::Floor | Func::Ceil | Func::StepRight | Func::StepLeft | Func::Step | Func::Signum
    )
}

/// The derivative of `exprelr` at `x`, as an expression: a select between the Taylor series
/// (for `|x| <` [`EXPRELR_SERIES_BELOW`]) and the closed form `r (1 - r - x) / x` in terms of
/// `r = exprelr(x)`, which neither overflows for large `x` nor loses accuracy for large `-x`.
/// Its own derivatives follow from the ordinary rules, so tangents of conductances work too.
pub fn exprelr_prime(ar: &mut ExprArena, x: ExprId) -> ExprId {
    // Horner form in x^2 for the odd part, plus the constant term.
    let x2 = {
        let two = ar.num(2.0);
        pow(ar, x, two)
    };
    let mut odd = ar.num(EXPRELR_PRIME_SERIES[9]);
    for k in [7, 5, 3, 1] {
        let t = mul(ar, odd, x2);
        let c = ar.num(EXPRELR_PRIME_SERIES[k]);
        odd = add(ar, c, t);
    }
    let odd = mul(ar, x, odd);
    let c0 = ar.num(EXPRELR_PRIME_SERIES[0]);
    let series = add(ar, c0, odd);

    let r = call(ar, Func::Exprelr, x);
    let one = ar.num(1.0);
    let one_minus_r = sub(ar, one, r);
    let inner = sub(ar, one_minus_r, x);
    let top = mul(ar, r, inner);
    let closed = div(ar, top, x);

    let ax = call(ar, Func::Fabs, x);
    let t = ar.num(EXPRELR_SERIES_BELOW);
    let small = binary(ar, BinOp::Lt, ax, t);
    select(ar, small, series, closed)
}

/// The directional derivative of every root when each variable `v` changes at rate `seed(v)`
/// (zero for `None`): `sum over v of d(root)/dv * seed(v)`. Shared nodes are differentiated once.
pub fn tangent(
    ar: &mut ExprArena,
    roots: &[ExprId],
    seed: &dyn Fn(VarId) -> Option<ExprId>,
) -> Vec<ExprId> {
    let order = ar.reachable_by(roots, needs_operand_derivative);
    let zero = ar.num(0.0);
    let mut d: HashMap<ExprId, ExprId> = HashMap::with_capacity(order.len());
    for id in order {
        let de = derivative_of(ar, id, zero, &d, seed);
        d.insert(id, de);
    }
    roots.iter().map(|r| d[r]).collect()
}

/// The derivative of node `e`, given the derivatives `d` of the operands it needs.
fn derivative_of(
    ar: &mut ExprArena,
    e: ExprId,
    zero: ExprId,
    d: &HashMap<ExprId, ExprId>,
    seed: &dyn Fn(VarId) -> Option<ExprId>,
) -> ExprId {
    let node = ar.get(e);
    match node {
        // A kernel plan's temporary is bound after every derivative is taken, from values no
        // variable being differentiated moves (a coefficient of the tangent inputs).
        Expr::Num(_) | Expr::Temp(_) => zero,
        Expr::Var(v) => seed(v).unwrap_or(zero),
        Expr::Unary(UnOp::Neg, a) => neg(ar, d[&a]),
        Expr::Unary(UnOp::Not, _) => zero,
        Expr::Binary(op, a, b) if needs_operand_derivative(node, 0) => {
            let (da, db) = (d[&a], d[&b]);
            if da == zero && db == zero {
                return zero;
            }
            binary_derivative(ar, op, e, a, b, da, db, zero)
        }
        Expr::Binary(..) => zero,
        Expr::Call(f, a) => {
            let da = d.get(&a).copied().unwrap_or(zero);
            if da == zero || !has_nonzero_derivative(f) {
                return zero;
            }
            call_derivative(ar, f, e, a, da)
        }
        Expr::Select {
            cond,
            then,
            otherwise,
        } => select(ar, cond, d[&then], d[&otherwise]),
    }
}

/// The derivative of `e = op(a, b)` given `da`, `db`, not both zero.
#[allow(clippy::too_many_arguments)]
fn binary_derivative(
    ar: &mut ExprArena,
    op: BinOp,
    e: ExprId,
    a: ExprId,
    b: ExprId,
    da: ExprId,
    db: ExprId,
    zero: ExprId,
) -> ExprId {
    match op {
        BinOp::Add => add(ar, da, db),
        BinOp::Sub => sub(ar, da, db),
        BinOp::Mul => {
            let l = mul(ar, da, b);
            let r = mul(ar, a, db);
            add(ar, l, r)
        }
        BinOp::Div => {
            // (a/b)' = (a' - (a/b) b') / b, which reuses the quotient and never squares b.
            let t = mul(ar, e, db);
            let top = sub(ar, da, t);
            derivative_over(ar, top, b, zero)
        }
        BinOp::Pow => pow_derivative(ar, e, a, b, da, db, zero),
        BinOp::Min | BinOp::Max => {
            // The derivative of the operand the value came from: `e == a` holds when `a` was
            // picked, also when `b` is NaN (which `f64::min` and C's `fmin` skip), and on ties.
            if da == db {
                return da;
            }
            let c = binary(ar, BinOp::Eq, e, a);
            select(ar, c, da, db)
        }
        BinOp::Atan2 => {
            // atan2(a, b)' = (b a' - a b') / (a^2 + b^2).
            let l = mul(ar, b, da);
            let r = mul(ar, a, db);
            let top = sub(ar, l, r);
            let two = ar.num(2.0);
            let a2 = pow(ar, a, two);
            let b2 = pow(ar, b, two);
            let bottom = add(ar, a2, b2);
            derivative_over(ar, top, bottom, zero)
        }
        BinOp::Fmod => {
            // fmod(a, b) = a - k b with the integer k = trunc(a/b) of the exact quotient. It is
            // recovered from the remainder itself, k = (a - fmod(a, b)) / b, rather than from a
            // rounded a/b, which can land on the other side of an integer than fmod's exact one.
            if db == zero {
                return da;
            }
            let taken = sub(ar, a, e);
            let k = div(ar, taken, b);
            let t = mul(ar, k, db);
            sub(ar, da, t)
        }
        _ => zero,
    }
}

/// `top / den` for a derivative rule whose numerator `top` is made of derivatives: when `top` is
/// structurally zero (the derivatives in it cancelled, as in `atan2(x, x)`), so is the quotient,
/// wherever the expression differentiated is defined. The builder itself keeps `0/den`, since in
/// user code `den` may vanish.
fn derivative_over(ar: &mut ExprArena, top: ExprId, den: ExprId, zero: ExprId) -> ExprId {
    if top == zero { zero } else { div(ar, top, den) }
}

/// The derivative of `e = a ^ b`: `b a^(b-1) a' + a^b ln(a) b'`, each term built only when its
/// derivative is not structurally zero, and each finite wherever its factor `a'` or `b'` is 0 at
/// run time:
///
/// - `b a^(b-1) a'` is right for negative `a` with an integer `b` and at `a = 0` when `b >= 1`.
///   For an exponent that may be below 1 (not a number, or a number in (0, 1)) `a^(b-1)` is
///   infinite at `a = 0`, so the term is 0 where `a'` is 0 instead of `inf * 0`.
/// - `a^b ln(a) b'` is 0 where `a^b` is 0 (its limit at `a = 0` for `b > 0`: `ln a` is `-inf`
///   there) and where `b'` is 0 (so that the log of 0 or of a negative base never reaches a
///   direction that does not move the exponent).
fn pow_derivative(
    ar: &mut ExprArena,
    e: ExprId,
    a: ExprId,
    b: ExprId,
    da: ExprId,
    db: ExprId,
    zero: ExprId,
) -> ExprId {
    let base_term = if da == zero {
        zero
    } else {
        let one = ar.num(1.0);
        let bm1 = sub(ar, b, one);
        let p = pow(ar, a, bm1);
        let coef = mul(ar, b, p);
        let t = mul(ar, coef, da);
        let finite_at_zero = ar.as_num(b).is_some_and(|x| x >= 1.0 || x <= 0.0);
        if finite_at_zero {
            t
        } else {
            let still = binary(ar, BinOp::Eq, da, zero);
            select(ar, still, zero, t)
        }
    };
    let exponent_term = if db == zero {
        zero
    } else {
        let ln_a = call(ar, Func::Log, a);
        let t = mul(ar, e, ln_a);
        let t = mul(ar, t, db);
        let vanishes = binary(ar, BinOp::Eq, e, zero);
        let still = binary(ar, BinOp::Eq, db, zero);
        // A constant exponent rate (a partial derivative) leaves the test on `a^b` alone.
        let cond = if ar.as_num(still) == Some(0.0) {
            vanishes
        } else {
            binary(ar, BinOp::Or, still, vanishes)
        };
        select(ar, cond, zero, t)
    };
    add(ar, base_term, exponent_term)
}

/// The derivative of `e = f(a)` given `da`, nonzero.
fn call_derivative(ar: &mut ExprArena, f: Func, e: ExprId, a: ExprId, da: ExprId) -> ExprId {
    let one = ar.num(1.0);
    let two = ar.num(2.0);
    match f {
        Func::Exp => mul(ar, e, da),
        Func::Log => div(ar, da, a),
        Func::Log10 => {
            let ln10 = ar.num(std::f64::consts::LN_10);
            let den = mul(ar, ln10, a);
            div(ar, da, den)
        }
        Func::Sqrt => {
            let den = mul(ar, two, e);
            div(ar, da, den)
        }
        Func::Fabs => {
            let s = call(ar, Func::Signum, a);
            mul(ar, s, da)
        }
        Func::Sin => {
            let c = call(ar, Func::Cos, a);
            mul(ar, c, da)
        }
        Func::Cos => {
            let s = call(ar, Func::Sin, a);
            let p = mul(ar, s, da);
            neg(ar, p)
        }
        Func::Tan => {
            let e2 = pow(ar, e, two);
            let s = add(ar, one, e2);
            mul(ar, s, da)
        }
        Func::Tanh => {
            // 1/cosh^2 rather than 1 - tanh^2, which cancels to 0 for |a| above about 19.
            let c = call(ar, Func::Cosh, a);
            let c2 = pow(ar, c, two);
            div(ar, da, c2)
        }
        Func::Sinh => {
            let c = call(ar, Func::Cosh, a);
            mul(ar, c, da)
        }
        Func::Cosh => {
            let s = call(ar, Func::Sinh, a);
            mul(ar, s, da)
        }
        Func::Atan => {
            let a2 = pow(ar, a, two);
            let den = add(ar, one, a2);
            div(ar, da, den)
        }
        Func::Asin | Func::Acos => {
            let a2 = pow(ar, a, two);
            let s = sub(ar, one, a2);
            let den = call(ar, Func::Sqrt, s);
            let q = div(ar, da, den);
            if f == Func::Asin { q } else { neg(ar, q) }
        }
        Func::Exprelr => {
            let p = exprelr_prime(ar, a);
            mul(ar, p, da)
        }
        // d erf(a) = 2/sqrt(pi) exp(-a^2) da, and erfc's is its negation.
        Func::Erf | Func::Erfc => {
            let a2 = pow(ar, a, two);
            let m = neg(ar, a2);
            let e = call(ar, Func::Exp, m);
            let k = ar.num(if f == Func::Erf {
                std::f64::consts::FRAC_2_SQRT_PI
            } else {
                -std::f64::consts::FRAC_2_SQRT_PI
            });
            let ke = mul(ar, k, e);
            mul(ar, ke, da)
        }
        Func::Floor | Func::Ceil | Func::StepRight | Func::StepLeft | Func::Step | Func::Signum => {
            ar.num(0.0)
        }
    }
}

/// `d e / d var`.
pub fn diff(ar: &mut ExprArena, e: ExprId, var: VarId) -> ExprId {
    diff_many(ar, &[e], var)[0]
}

/// `d root / d var` for every root, sharing work between roots.
pub fn diff_many(ar: &mut ExprArena, roots: &[ExprId], var: VarId) -> Vec<ExprId> {
    let one = ar.num(1.0);
    tangent(ar, roots, &|v| (v == var).then_some(one))
}

/// The Jacobian: `result[i][j] = d roots[i] / d vars[j]`.
pub fn jacobian(ar: &mut ExprArena, roots: &[ExprId], vars: &[VarId]) -> Vec<Vec<ExprId>> {
    let columns: Vec<Vec<ExprId>> = vars.iter().map(|&v| diff_many(ar, roots, v)).collect();
    (0..roots.len())
        .map(|i| columns.iter().map(|col| col[i]).collect())
        .collect()
}
