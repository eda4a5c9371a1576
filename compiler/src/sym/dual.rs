//! An independent oracle for [`crate::sym::diff()`]: evaluation in dual numbers.
//!
//! A [`Dual`] carries a value and its derivative along one direction. Evaluating an expression
//! with the variables seeded (`eps = 1` for the variable of interest) gives the value and the
//! exact derivative of the expression *as evaluated*, without building any symbolic expression.
//! The derivative rules are written here a second time, on numbers, and deliberately in different
//! forms where that is natural (e.g. the quotient rule, `exprelr'`), so that an error in one
//! implementation does not hide in the other.

use std::collections::HashMap;

use crate::ir::expr::{BinOp, Expr, ExprArena, ExprId, Func, UnOp, VarId};
use crate::sym::eval::{
    apply_binary, apply_call, apply_unary, exponent_is_const, exprelr, pow_value, signum,
};

/// A dual number `re + eps·ε` with `ε² = 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dual {
    /// The value.
    pub re: f64,
    /// The derivative along the seeded direction.
    pub eps: f64,
}

impl Dual {
    /// A dual number.
    pub fn new(re: f64, eps: f64) -> Self {
        Self { re, eps }
    }

    /// A constant: derivative zero.
    pub fn constant(re: f64) -> Self {
        Self { re, eps: 0.0 }
    }

    /// `f(self)` given `f(re)` and `f'(re)`: the chain rule.
    fn chain(self, value: f64, slope: f64) -> Self {
        // A zero derivative stays zero even where the slope is infinite or NaN.
        let eps = if self.eps == 0.0 {
            0.0
        } else {
            slope * self.eps
        };
        Self { re: value, eps }
    }
}

/// `exprelr'(x)` on numbers, by an independent route: the series `sum B(k+1) x^k / k!` through
/// `x^13` for `|x| < 0.5`, else `exprelr(x) (1 - exprelr(-x)) / x` (from `exprelr(-x) =
/// x e^x / (e^x - 1)`).
pub fn exprelr_prime_value(x: f64) -> f64 {
    if x.abs() < 0.5 {
        // Coefficients of x^1, x^3, ..., x^13 (the even ones beyond x^0 vanish).
        const ODD: [f64; 7] = [
            1.0 / 6.0,
            -1.0 / 180.0,
            1.0 / 5040.0,
            -1.0 / 151_200.0,
            1.0 / 4_790_016.0,
            -691.0 / 2730.0 / 39_916_800.0,
            7.0 / 6.0 / 6_227_020_800.0,
        ];
        let x2 = x * x;
        let odd = ODD.iter().rev().fold(0.0, |acc, c| acc * x2 + c);
        -0.5 + x * odd
    } else {
        exprelr(x) * (1.0 - exprelr(-x)) / x
    }
}

/// A unary operator on dual numbers.
pub fn dual_unary(op: UnOp, a: Dual) -> Dual {
    match op {
        UnOp::Neg => Dual::new(-a.re, -a.eps),
        UnOp::Not => Dual::constant(apply_unary(op, a.re)),
    }
}

/// A binary operator on dual numbers (`exponent_is_const` as in [`pow_value`]).
pub fn dual_binary(op: BinOp, a: Dual, b: Dual, exponent_is_const: bool) -> Dual {
    let re = apply_binary(op, a.re, b.re, exponent_is_const);
    let eps = match op {
        BinOp::Add => a.eps + b.eps,
        BinOp::Sub => a.eps - b.eps,
        BinOp::Mul => a.eps * b.re + a.re * b.eps,
        // Divided by b twice rather than by b^2, which overflows for |b| above 1e154.
        BinOp::Div => (a.eps * b.re - a.re * b.eps) / b.re / b.re,
        BinOp::Pow => {
            let mut eps = 0.0;
            if a.eps != 0.0 {
                eps += b.re * pow_value(a.re, b.re - 1.0, exponent_is_const) * a.eps;
            }
            if b.eps != 0.0 {
                eps += re * a.re.ln() * b.eps;
            }
            eps
        }
        BinOp::Min | BinOp::Max => {
            // The operand the value comes from: the first on ties and when the second is NaN.
            let first = if op == BinOp::Min {
                a.re <= b.re
            } else {
                a.re >= b.re
            };
            if first || b.re.is_nan() { a.eps } else { b.eps }
        }
        BinOp::Atan2 => (b.re * a.eps - a.re * b.eps) / (a.re * a.re + b.re * b.re),
        BinOp::Fmod => {
            if b.eps == 0.0 {
                a.eps
            } else {
                // The integer quotient fmod used, recovered from its (exact) remainder.
                a.eps - ((a.re - re) / b.re).round() * b.eps
            }
        }
        BinOp::Lt
        | BinOp::Le
        | BinOp::Gt
        | BinOp::Ge
        | BinOp::Eq
        | BinOp::Ne
        | BinOp::And
        | BinOp::Or => 0.0,
    };
    Dual::new(re, eps)
}

/// A library function on dual numbers.
pub fn dual_call(f: Func, a: Dual) -> Dual {
    let x = a.re;
    let y = apply_call(f, x);
    let slope = match f {
        Func::Exp => y,
        Func::Log => 1.0 / x,
        Func::Log10 => 1.0 / (x * std::f64::consts::LN_10),
        Func::Sqrt => 0.5 / y,
        Func::Fabs => signum(x),
        Func::Sin => x.cos(),
        Func::Cos => -x.sin(),
        Func::Tan => 1.0 / (x.cos() * x.cos()),
        Func::Tanh => {
            let sech = 2.0 / (x.exp() + (-x).exp());
            sech * sech
        }
        Func::Sinh => x.cosh(),
        Func::Cosh => x.sinh(),
        Func::Atan => 1.0 / (1.0 + x * x),
        Func::Asin => 1.0 / (1.0 - x * x).sqrt(),
        Func::Acos => -1.0 / (1.0 - x * x).sqrt(),
        Func::Exprelr => exprelr_prime_value(x),
        Func::Erf => std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp(),
        Func::Erfc => -std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp(),
        Func::Floor | Func::Ceil | Func::StepRight | Func::StepLeft | Func::Step | Func::Signum => {
            0.0
        }
    };
    a.chain(y, slope)
}

/// The value and directional derivative of `e`, with every variable `v` taking `env(v)`.
pub fn eval_dual(arena: &ExprArena, e: ExprId, env: &dyn Fn(VarId) -> Dual) -> Dual {
    let mut val: HashMap<ExprId, Dual> = HashMap::new();
    for id in arena.reachable(&[e]) {
        let node = arena.get(id);
        let x = match node {
            Expr::Num(n) => Dual::constant(n.0),
            Expr::Var(v) => env(v),
            // A temporary has no value outside its kernel plan.
            Expr::Temp(_) => Dual::constant(f64::NAN),
            Expr::Unary(op, a) => dual_unary(op, val[&a]),
            Expr::Binary(op, a, b) => {
                dual_binary(op, val[&a], val[&b], exponent_is_const(arena, node))
            }
            Expr::Call(f, a) => dual_call(f, val[&a]),
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                if val[&cond].re != 0.0 {
                    val[&then]
                } else {
                    val[&otherwise]
                }
            }
        };
        val.insert(id, x);
    }
    val[&e]
}

/// `(value, d e / d var)` at the point `env`, by dual numbers.
pub fn value_and_derivative(
    arena: &ExprArena,
    e: ExprId,
    env: &dyn Fn(VarId) -> f64,
    var: VarId,
) -> (f64, f64) {
    let d = eval_dual(arena, e, &|v| {
        Dual::new(env(v), if v == var { 1.0 } else { 0.0 })
    });
    (d.re, d.eps)
}
