//! Smart constructors: build expression nodes while folding constants and applying identities.
//!
//! Every function here returns an expression equal in value to the plain node it replaces, with
//! one documented exception class: the rules that drop an operand, `x·0 → 0` and `x − x → 0`,
//! assume that operand is finite. They never turn a finite value into a non-finite one; they may
//! turn a NaN or infinity into a finite value (and so, through a comparison, change a result that
//! depended on a NaN). This is what symbolic differentiation needs: a structural zero means "does
//! not depend on the variable", and the derivative it stands for is zero wherever the original
//! expression is defined. Division is treated conservatively: `0/x` and `x/x` are kept unless
//! `x` is a nonzero constant, since user code divides by expressions that can vanish.
//!
//! Constants are folded with the evaluator's own semantics ([`eval`](mod@crate::sym::eval)), so a
//! folded constant is bit-for-bit the value the running code would compute. A fold whose result
//! is not finite is not done (the node is kept), so that no printed constant is `inf` or NaN.
//!
//! Commutative operators put their operands in a canonical order, so that `a·b` and `b·a` intern
//! to one id: for `+` a constant goes last (`x + 1`), for `·` first (`2·x`); otherwise whichever
//! order was interned first wins, so expressions print in the order they were written.
//!
//! The rules, besides folding: `x+0`, `x-0`, `0-x → -x`, `x-x → 0`, `x+x → 2·x`, `a+(-b) → a-b`,
//! `a-(-b) → a+b`, `(-a)-b → -(a+b)`, negative constants become subtraction (`x + -2 → x - 2`);
//! `x·0 → 0`, `x·1`, `x·(-1) → -x`, `(-a)·b → -(a·b)`, `x·x → x^2`, `c1·(c2·y) → (c1c2)·y`;
//! `x/1`, `x/(-1) → -x`, `(-a)/b → -(a/b)`; `-(-x) → x`, `-(a-b) → b-a`, `-(c·y) → (-c)·y`;
//! `x^0 → 1`, `1^x → 1`, `x^1 → x`, `x^-1 → 1/x`, `(-x)^n → ±x^n` for integer `n`; `fabs(-x)`,
//! `fabs(fabs(x)) → fabs(x)`; `min(a, a)`, `max(a, a) → a`, `0 && b → 0`, `1 || b → 1`; selects
//! as documented on [`select`]. All are exact in IEEE arithmetic (up to the sign of a zero)
//! except `c1·(c2·y) → (c1c2)·y`, which may change the last bit, and the two operand-dropping
//! rules above.

use crate::ir::expr::{BinOp, Expr, ExprArena, ExprId, Func, Num, UnOp};
use crate::sym::eval::{apply_binary, apply_call, apply_unary, is_int_exponent};

fn num_of(ar: &ExprArena, e: ExprId) -> Option<f64> {
    ar.as_num(e)
}

fn is(ar: &ExprArena, e: ExprId, x: f64) -> bool {
    num_of(ar, e) == Some(x)
}

fn negated(ar: &ExprArena, e: ExprId) -> Option<ExprId> {
    match ar.get(e) {
        Expr::Unary(UnOp::Neg, c) => Some(c),
        _ => None,
    }
}

/// Interns a constant if it is finite.
fn folded(ar: &mut ExprArena, x: f64) -> Option<ExprId> {
    x.is_finite().then(|| ar.num(x))
}

/// Puts the operands of a commutative operator in canonical order: a constant last in a sum and
/// first in a product; otherwise the order of the first of `a op b`, `b op a` to be interned, so
/// that both spellings share one id while expressions keep the order they were written in.
fn ordered(ar: &ExprArena, op: BinOp, a: ExprId, b: ExprId) -> (ExprId, ExprId) {
    let (ca, cb) = (num_of(ar, a).is_some(), num_of(ar, b).is_some());
    let swap = match op {
        BinOp::Add if ca != cb => ca,
        BinOp::Mul if ca != cb => cb,
        _ => ar.find(Expr::Binary(op, a, b)).is_none() && ar.find(Expr::Binary(op, b, a)).is_some(),
    };
    if swap { (b, a) } else { (a, b) }
}

fn node(ar: &mut ExprArena, op: BinOp, a: ExprId, b: ExprId) -> ExprId {
    ar.intern(Expr::Binary(op, a, b))
}

/// Folds `op(a, b)` when both operands are constants and the result is finite.
fn fold2(ar: &mut ExprArena, op: BinOp, a: ExprId, b: ExprId) -> Option<ExprId> {
    let (x, y) = (num_of(ar, a)?, num_of(ar, b)?);
    folded(ar, apply_binary(op, x, y, true))
}

/// `a + b`.
pub fn add(ar: &mut ExprArena, a: ExprId, b: ExprId) -> ExprId {
    if let Some(c) = fold2(ar, BinOp::Add, a, b) {
        return c;
    }
    if is(ar, a, 0.0) {
        return b;
    }
    if is(ar, b, 0.0) {
        return a;
    }
    if let Some(c) = negated(ar, b) {
        return sub(ar, a, c);
    }
    if let Some(c) = negated(ar, a) {
        return sub(ar, b, c);
    }
    if let Some(y) = num_of(ar, b).filter(|y| *y < 0.0) {
        let m = ar.num(-y);
        return sub(ar, a, m);
    }
    if let Some(x) = num_of(ar, a).filter(|x| *x < 0.0) {
        let m = ar.num(-x);
        return sub(ar, b, m);
    }
    if a == b {
        let two = ar.num(2.0);
        return mul(ar, two, a);
    }
    let (a, b) = ordered(ar, BinOp::Add, a, b);
    node(ar, BinOp::Add, a, b)
}

/// `a - b`.
pub fn sub(ar: &mut ExprArena, a: ExprId, b: ExprId) -> ExprId {
    if let Some(c) = fold2(ar, BinOp::Sub, a, b) {
        return c;
    }
    if is(ar, b, 0.0) {
        return a;
    }
    if is(ar, a, 0.0) {
        return neg(ar, b);
    }
    if a == b {
        return ar.num(0.0);
    }
    if let Some(c) = negated(ar, b) {
        return add(ar, a, c);
    }
    if let Some(y) = num_of(ar, b).filter(|y| *y < 0.0) {
        let m = ar.num(-y);
        return add(ar, a, m);
    }
    if let Some(c) = negated(ar, a) {
        let s = add(ar, c, b);
        return neg(ar, s);
    }
    node(ar, BinOp::Sub, a, b)
}

/// `a * b`.
pub fn mul(ar: &mut ExprArena, a: ExprId, b: ExprId) -> ExprId {
    if let Some(c) = fold2(ar, BinOp::Mul, a, b) {
        return c;
    }
    if is(ar, a, 0.0) || is(ar, b, 0.0) {
        return ar.num(0.0);
    }
    if is(ar, a, 1.0) {
        return b;
    }
    if is(ar, b, 1.0) {
        return a;
    }
    if is(ar, a, -1.0) {
        return neg(ar, b);
    }
    if is(ar, b, -1.0) {
        return neg(ar, a);
    }
    if let Some(c) = negated(ar, a) {
        let p = mul(ar, c, b);
        return neg(ar, p);
    }
    if let Some(d) = negated(ar, b) {
        let p = mul(ar, a, d);
        return neg(ar, p);
    }
    // (p/q)·q = p, and q·(p/q) = p.
    if let Expr::Binary(BinOp::Div, p, q) = ar.get(a)
        && q == b
    {
        return p;
    }
    if let Expr::Binary(BinOp::Div, p, q) = ar.get(b)
        && q == a
    {
        return p;
    }
    if a == b {
        let two = ar.num(2.0);
        return pow(ar, a, two);
    }
    let (a, b) = ordered(ar, BinOp::Mul, a, b);
    if let (Some(x), Expr::Binary(BinOp::Mul, p, q)) = (num_of(ar, a), ar.get(b))
        && let Some(y) = num_of(ar, p)
        && let Some(c) = folded(ar, x * y)
    {
        return mul(ar, c, q);
    }
    node(ar, BinOp::Mul, a, b)
}

/// `a / b`. To be safe, `0/b` and `b/b` are not folded unless `b` is a nonzero constant: the
/// differentiation rules and the linearity test never produce them (they drop a quotient whose
/// numerator is a structural zero themselves), and in user code `b` may well be zero (the guard
/// `x/(exp(x) - 1)` is exactly that). A constant division by zero is kept as a node.
pub fn div(ar: &mut ExprArena, a: ExprId, b: ExprId) -> ExprId {
    if let Some(c) = fold2(ar, BinOp::Div, a, b) {
        return c;
    }
    if is(ar, b, 1.0) {
        return a;
    }
    if is(ar, b, -1.0) {
        return neg(ar, a);
    }
    if let Some(c) = negated(ar, a) {
        let q = div(ar, c, b);
        return neg(ar, q);
    }
    if let Some(d) = negated(ar, b) {
        let q = div(ar, a, d);
        return neg(ar, q);
    }
    match (ar.get(a), ar.get(b)) {
        // a/(1/y) = a·y: a rate written as one over a time constant, divided by again, as the
        // cnexp solution -b/a does with a = -1/tau.
        (_, Expr::Binary(BinOp::Div, one, y)) if is(ar, one, 1.0) => return mul(ar, a, y),
        // (x·y)/y = x and (y·x)/y = x.
        (Expr::Binary(BinOp::Mul, x, y), _) if y == b => return x,
        (Expr::Binary(BinOp::Mul, y, x), _) if y == b => return x,
        // (p/q)/(r/q) = p/r.
        (Expr::Binary(BinOp::Div, p, q), Expr::Binary(BinOp::Div, r, s)) if q == s => {
            return div(ar, p, r);
        }
        _ => {}
    }
    node(ar, BinOp::Div, a, b)
}

/// `-a`.
pub fn neg(ar: &mut ExprArena, a: ExprId) -> ExprId {
    if let Some(x) = num_of(ar, a) {
        return ar.num(-x);
    }
    match ar.get(a) {
        Expr::Unary(UnOp::Neg, c) => c,
        Expr::Binary(BinOp::Sub, p, q) => sub(ar, q, p),
        Expr::Binary(op @ (BinOp::Mul | BinOp::Div), p, q) if num_of(ar, p).is_some() => {
            let m = neg(ar, p);
            binary(ar, op, m, q)
        }
        _ => ar.intern(Expr::Unary(UnOp::Neg, a)),
    }
}

/// `a ^ b`. Integer constant exponents stay `Pow` nodes (evaluated and emitted with `powi`).
pub fn pow(ar: &mut ExprArena, a: ExprId, b: ExprId) -> ExprId {
    if let Some(c) = fold2(ar, BinOp::Pow, a, b) {
        return c;
    }
    if is(ar, b, 0.0) || is(ar, a, 1.0) {
        return ar.num(1.0);
    }
    if is(ar, b, 1.0) {
        return a;
    }
    if is(ar, b, -1.0) {
        let one = ar.num(1.0);
        return div(ar, one, a);
    }
    if let (Some(n), Some(c)) = (num_of(ar, b), negated(ar, a)) {
        // (-c)^n = c^n for even n and -(c^n) for odd n, exactly (powi is sign-symmetric).
        if n % 2.0 == 0.0 {
            return pow(ar, c, b);
        }
        if is_int_exponent(n) {
            let p = pow(ar, c, b);
            return neg(ar, p);
        }
    }
    node(ar, BinOp::Pow, a, b)
}

/// `!a`.
pub fn not(ar: &mut ExprArena, a: ExprId) -> ExprId {
    if let Some(x) = num_of(ar, a) {
        return ar.num(apply_unary(UnOp::Not, x));
    }
    ar.intern(Expr::Unary(UnOp::Not, a))
}

/// `op a`, simplified.
pub fn unary(ar: &mut ExprArena, op: UnOp, a: ExprId) -> ExprId {
    match op {
        UnOp::Neg => neg(ar, a),
        UnOp::Not => not(ar, a),
    }
}

/// `a op b`, simplified: the arithmetic operators go through [`add`], [`sub`], [`mul`], [`div`]
/// and [`pow`]; the others fold constants, order commutative operands, and fold
/// `min(a, a)`, `max(a, a)`, `0 && b`, `1 || b`.
pub fn binary(ar: &mut ExprArena, op: BinOp, a: ExprId, b: ExprId) -> ExprId {
    match op {
        BinOp::Add => return add(ar, a, b),
        BinOp::Sub => return sub(ar, a, b),
        BinOp::Mul => return mul(ar, a, b),
        BinOp::Div => return div(ar, a, b),
        BinOp::Pow => return pow(ar, a, b),
        _ => {}
    }
    if let Some(c) = fold2(ar, op, a, b) {
        return c;
    }
    match op {
        BinOp::Min | BinOp::Max if a == b => return a,
        BinOp::And if is(ar, a, 0.0) || is(ar, b, 0.0) => return ar.num(0.0),
        BinOp::Or
            if [a, b]
                .iter()
                .any(|&e| num_of(ar, e).is_some_and(|x| x != 0.0)) =>
        {
            return ar.num(1.0);
        }
        _ => {}
    }
    let commutes = matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::And | BinOp::Or | BinOp::Min | BinOp::Max
    );
    let (a, b) = if commutes {
        ordered(ar, op, a, b)
    } else {
        (a, b)
    };
    node(ar, op, a, b)
}

/// `f(a)`, with constants folded (when the result is finite) and `fabs(-x)`, `fabs(fabs(x))`
/// reduced to `fabs(x)`.
pub fn call(ar: &mut ExprArena, f: Func, a: ExprId) -> ExprId {
    if let Some(x) = num_of(ar, a)
        && let Some(c) = folded(ar, apply_call(f, x))
    {
        return c;
    }
    let mut a = a;
    if f == Func::Fabs {
        // A loop rather than recursion, so that no nesting depth can exhaust the stack.
        while let Some(c) = negated(ar, a) {
            a = c;
        }
        if let Expr::Call(Func::Fabs, _) = ar.get(a) {
            return a;
        }
    }
    ar.intern(Expr::Call(f, a))
}

/// `cond ? then : otherwise`: a constant condition picks its branch (NaN counts as true, as in
/// C), equal branches collapse, `!c ? a : b` becomes `c ? b : a`, and `c ? 1 : 0` becomes `c`
/// when `c` is a comparison or logical operator.
pub fn select(ar: &mut ExprArena, cond: ExprId, then: ExprId, otherwise: ExprId) -> ExprId {
    let (mut cond, mut then, mut otherwise) = (cond, then, otherwise);
    while let Expr::Unary(UnOp::Not, c) = ar.get(cond) {
        (cond, then, otherwise) = (c, otherwise, then);
    }
    if let Some(c) = num_of(ar, cond) {
        return if c != 0.0 { then } else { otherwise };
    }
    if then == otherwise {
        return then;
    }
    // A comparison or logical operator already is 1 or 0.
    let boolean = match ar.get(cond) {
        Expr::Unary(UnOp::Not, _) => true,
        Expr::Binary(op, _, _) => matches!(
            op,
            BinOp::Lt
                | BinOp::Le
                | BinOp::Gt
                | BinOp::Ge
                | BinOp::Eq
                | BinOp::Ne
                | BinOp::And
                | BinOp::Or
        ),
        _ => false,
    };
    if boolean && is(ar, then, 1.0) && is(ar, otherwise, 0.0) {
        return cond;
    }
    ar.intern(Expr::Select {
        cond,
        then,
        otherwise,
    })
}

/// A constant (a shorthand for [`ExprArena::num`]).
pub fn num(ar: &mut ExprArena, x: f64) -> ExprId {
    ar.num(x)
}

/// Rebuilds `node` through the smart constructors, with its operands replaced by `map(operand)`.
pub fn rebuild_node(ar: &mut ExprArena, node: Expr, map: impl Fn(ExprId) -> ExprId) -> ExprId {
    match node {
        Expr::Num(Num(x)) => ar.num(x),
        Expr::Var(v) => ar.var(v),
        Expr::Temp(t) => ar.temp(t),
        Expr::Unary(op, a) => unary(ar, op, map(a)),
        Expr::Binary(op, a, b) => binary(ar, op, map(a), map(b)),
        Expr::Call(f, a) => call(ar, f, map(a)),
        Expr::Select {
            cond,
            then,
            otherwise,
        } => select(ar, map(cond), map(then), map(otherwise)),
    }
}
