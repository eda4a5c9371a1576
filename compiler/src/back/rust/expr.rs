//! Expressions as Rust tokens, with the semantics of [`crate::sym::eval`].
//!
//! Every operator keeps the shape of the expression tree (floating-point addition is not
//! associative, so `a + (b + c)` keeps its parentheses), comparisons and logical operators yield
//! 1.0 or 0.0 as numbers and plain `bool`s inside conditions, integer constant exponents use
//! `powi` exactly where `eval` does, and the library functions NMODL has and Rust lacks
//! (`exprelr`, `step`, ...) call small helpers emitted into the generated file.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use crate::ir::{BinOp, Expr, ExprArena, ExprId, Func, TempId, UnOp, VarId};
use crate::sym::eval::{constant_exponent, is_int_exponent};

/// Binding strength of an emitted expression: an operand weaker than its position requires is
/// parenthesised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    /// An `if` expression: parenthesised wherever it is an operand.
    If,
    /// `a + b`, `a - b`.
    Sum,
    /// `a * b`, `a / b`, `a % b`.
    Product,
    /// `-a`.
    Prefix,
    /// Names, literals and calls.
    Atom,
}

/// Helper functions emitted into the generated file when some expression calls them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Helper {
    /// Arbor's `exprelr`.
    Exprelr,
    /// Arbor's `step_right`.
    StepRight,
    /// Arbor's `step_left`.
    StepLeft,
    /// Arbor's `step`.
    Step,
    /// Arbor's `signum`.
    Signum,
    /// The C library's `erf`.
    Erf,
    /// The C library's `erfc`.
    Erfc,
}

/// How an [`ExprWriter`] names the leaves of expressions.
pub trait Names {
    /// The identifier of a variable of the module.
    fn var(&self, v: VarId) -> Ident;
    /// The identifier of a temporary of the kernel body being written.
    fn temp(&self, t: TempId) -> Ident;
}

/// Writes expressions of one arena, naming variables and temporaries through `names`.
pub struct ExprWriter<'a> {
    ar: &'a ExprArena,
    names: &'a dyn Names,
    helpers: RefCell<BTreeSet<Helper>>,
    /// Whether values are of the generic lane type `Lanes: gradmod_runtime::lanes::Real`
    /// (conditions are masks, branches selects) rather than `f64`.
    lanes: bool,
}

impl<'a> ExprWriter<'a> {
    /// A writer over `ar`.
    pub fn new(ar: &'a ExprArena, names: &'a dyn Names) -> Self {
        ExprWriter {
            ar,
            names,
            helpers: RefCell::new(BTreeSet::new()),
            lanes: false,
        }
    }

    /// A writer over `ar` whose values are of the lane type `Lanes` (see
    /// `gradmod_runtime::lanes`): the same operations lane by lane, both arms of a condition
    /// evaluated and one selected per lane.
    pub fn new_lanes(ar: &'a ExprArena, names: &'a dyn Names) -> Self {
        ExprWriter {
            lanes: true,
            ..Self::new(ar, names)
        }
    }

    /// The helpers the expressions written so far call.
    pub fn helpers(&self) -> BTreeSet<Helper> {
        self.helpers.borrow().clone()
    }

    /// `e` as a Rust `f64` expression.
    pub fn value(&self, e: ExprId) -> TokenStream {
        self.write(e).0
    }

    /// `e` as the right operand of a product: parenthesised unless it binds more strongly.
    pub fn factor(&self, e: ExprId) -> TokenStream {
        self.operand(e, Prec::Prefix)
    }

    /// `e` as a Rust `bool` expression: true when `e` is nonzero (NaN included, as in C).
    pub fn condition(&self, e: ExprId) -> TokenStream {
        if self.lanes {
            return self.mask(e);
        }
        let ar = self.ar;
        let cmp = |op: BinOp, a: ExprId, b: ExprId| {
            let (a, b) = (self.operand(a, Prec::Sum), self.operand(b, Prec::Sum));
            match op {
                BinOp::Lt => quote!(#a < #b),
                BinOp::Le => quote!(#a <= #b),
                BinOp::Gt => quote!(#a > #b),
                BinOp::Ge => quote!(#a >= #b),
                BinOp::Eq => quote!(#a == #b),
                _ => quote!(#a != #b),
            }
        };
        match ar.get(e) {
            Expr::Binary(
                op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne),
                a,
                b,
            ) => cmp(op, a, b),
            Expr::Binary(BinOp::And, a, b) => {
                let (a, b) = (self.condition(a), self.condition(b));
                quote!((#a) && (#b))
            }
            Expr::Binary(BinOp::Or, a, b) => {
                let (a, b) = (self.condition(a), self.condition(b));
                quote!((#a) || (#b))
            }
            Expr::Unary(UnOp::Not, a) => {
                let a = self.condition(a);
                quote!(!(#a))
            }
            _ => {
                let x = self.operand(e, Prec::Sum);
                quote!(#x != 0.0)
            }
        }
    }

    /// `e` as a mask of the lane type: per lane, whether `e` is nonzero.
    fn mask(&self, e: ExprId) -> TokenStream {
        let cmp = |op: BinOp, a: ExprId, b: ExprId| {
            let (a, b) = (self.value(a), self.value(b));
            let f = match op {
                BinOp::Lt => quote!(|x, y| x < y),
                BinOp::Le => quote!(|x, y| x <= y),
                BinOp::Gt => quote!(|x, y| x > y),
                BinOp::Ge => quote!(|x, y| x >= y),
                BinOp::Eq => quote!(|x, y| x == y),
                _ => quote!(|x, y| x != y),
            };
            quote!(Lanes::cmp(#a, #b, #f))
        };
        match self.ar.get(e) {
            Expr::Binary(
                op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne),
                a,
                b,
            ) => cmp(op, a, b),
            Expr::Binary(BinOp::And, a, b) => {
                let (a, b) = (self.mask(a), self.mask(b));
                quote!(Lanes::and(#a, #b))
            }
            Expr::Binary(BinOp::Or, a, b) => {
                let (a, b) = (self.mask(a), self.mask(b));
                quote!(Lanes::or(#a, #b))
            }
            Expr::Unary(UnOp::Not, a) => {
                let a = self.mask(a);
                quote!(Lanes::not(#a))
            }
            _ => {
                let x = self.value(e);
                quote!(Lanes::cmp(#x, Lanes::splat(0.0), |x, y| x != y))
            }
        }
    }

    /// `e` parenthesised if it binds more weakly than `min`.
    fn operand(&self, e: ExprId, min: Prec) -> TokenStream {
        let (t, p) = self.write(e);
        if p < min { quote!((#t)) } else { t }
    }

    fn write(&self, e: ExprId) -> (TokenStream, Prec) {
        match self.ar.get(e) {
            Expr::Num(n) if self.lanes => {
                let c = number(n.0);
                (quote!(Lanes::splat(#c)), Prec::Atom)
            }
            Expr::Num(n) => constant(n.0),
            Expr::Var(v) => {
                let id = self.names.var(v);
                (quote!(#id), Prec::Atom)
            }
            Expr::Temp(t) => {
                let id = self.names.temp(t);
                (quote!(#id), Prec::Atom)
            }
            Expr::Unary(UnOp::Neg, a) => {
                let a = self.operand(a, Prec::Prefix);
                (quote!(-#a), Prec::Prefix)
            }
            Expr::Unary(UnOp::Not, _) => self.truth(e),
            Expr::Binary(op, a, b) => self.binary(e, op, a, b),
            Expr::Call(f, a) => (self.call(f, a), Prec::Atom),
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                let c = self.condition(cond);
                let (t, o) = (self.value(then), self.value(otherwise));
                if self.lanes {
                    return (quote!(Lanes::select(#c, #t, #o)), Prec::Atom);
                }
                (quote!(if #c { #t } else { #o }), Prec::If)
            }
        }
    }

    /// A condition as the number 1.0 or 0.0.
    fn truth(&self, e: ExprId) -> (TokenStream, Prec) {
        let c = self.condition(e);
        if self.lanes {
            return (
                quote!(Lanes::select(#c, Lanes::splat(1.0), Lanes::splat(0.0))),
                Prec::Atom,
            );
        }
        (quote!(if #c { 1.0 } else { 0.0 }), Prec::If)
    }

    fn binary(&self, e: ExprId, op: BinOp, a: ExprId, b: ExprId) -> (TokenStream, Prec) {
        let infix = |prec: Prec, tok: TokenStream| {
            // Left-associative: the right operand needs parentheses at equal strength.
            let l = self.operand(a, prec);
            let (r, rp) = self.write(b);
            let r = if rp <= prec { quote!((#r)) } else { r };
            (quote!(#l #tok #r), prec)
        };
        let call2 = |f: TokenStream| {
            let (l, r) = (self.value(a), self.value(b));
            if self.lanes {
                return (quote!(Lanes::zip(#l, #r, f64::#f)), Prec::Atom);
            }
            (quote!(f64::#f(#l, #r)), Prec::Atom)
        };
        match op {
            BinOp::Add => infix(Prec::Sum, quote!(+)),
            BinOp::Sub => infix(Prec::Sum, quote!(-)),
            BinOp::Mul => infix(Prec::Product, quote!(*)),
            BinOp::Div => infix(Prec::Product, quote!(/)),
            BinOp::Fmod => infix(Prec::Product, quote!(%)),
            BinOp::Pow => match constant_exponent(self.ar, b) {
                Some(n) if is_int_exponent(n) => {
                    let l = self.value(a);
                    // The range check of `is_int_exponent` makes this cast exact.
                    let n = Literal::i32_unsuffixed(n as i32);
                    if self.lanes {
                        return (quote!(Lanes::powi(#l, #n)), Prec::Atom);
                    }
                    (quote!(f64::powi(#l, #n)), Prec::Atom)
                }
                _ => call2(quote!(powf)),
            },
            BinOp::Min => call2(quote!(min)),
            BinOp::Max => call2(quote!(max)),
            BinOp::Atan2 => call2(quote!(atan2)),
            BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::Eq
            | BinOp::Ne
            | BinOp::And
            | BinOp::Or => self.truth(e),
        }
    }

    fn call(&self, f: Func, a: ExprId) -> TokenStream {
        let x = self.value(a);
        let std = |name: &str| {
            let f = super::names::ident(name);
            match (self.lanes, name) {
                (true, "exp") => quote!(Lanes::exp(#x)),
                (true, _) => quote!(Lanes::map(#x, f64::#f)),
                _ => quote!(f64::#f(#x)),
            }
        };
        let helper = |h: Helper, name: &str| {
            self.helpers.borrow_mut().insert(h);
            let f = super::names::ident(name);
            if self.lanes {
                return quote!(Lanes::map(#x, nmodl_fns::#f));
            }
            quote!(nmodl_fns::#f(#x))
        };
        match f {
            Func::Exp => std("exp"),
            Func::Log => std("ln"),
            Func::Log10 => std("log10"),
            Func::Sqrt => std("sqrt"),
            Func::Fabs => std("abs"),
            Func::Sin => std("sin"),
            Func::Cos => std("cos"),
            Func::Tan => std("tan"),
            Func::Tanh => std("tanh"),
            Func::Sinh => std("sinh"),
            Func::Cosh => std("cosh"),
            Func::Atan => std("atan"),
            Func::Asin => std("asin"),
            Func::Acos => std("acos"),
            Func::Floor => std("floor"),
            Func::Ceil => std("ceil"),
            Func::Exprelr => helper(Helper::Exprelr, "exprelr"),
            Func::StepRight => helper(Helper::StepRight, "step_right"),
            Func::StepLeft => helper(Helper::StepLeft, "step_left"),
            Func::Step => helper(Helper::Step, "step"),
            Func::Signum => helper(Helper::Signum, "signum"),
            Func::Erf => helper(Helper::Erf, "erf"),
            Func::Erfc => helper(Helper::Erfc, "erfc"),
        }
    }
}

/// A constant as a Rust `f64` expression that reads back to the same bits.
pub fn number(x: f64) -> TokenStream {
    constant(x).0
}

fn constant(x: f64) -> (TokenStream, Prec) {
    if x.is_nan() {
        return (quote!(f64::NAN), Prec::Atom);
    }
    if x.is_infinite() {
        return if x > 0.0 {
            (quote!(f64::INFINITY), Prec::Atom)
        } else {
            (quote!(f64::NEG_INFINITY), Prec::Atom)
        };
    }
    let lit = float_literal(x.abs());
    if x.is_sign_negative() {
        (quote!(-#lit), Prec::Prefix)
    } else {
        (quote!(#lit), Prec::Atom)
    }
}

/// A nonnegative finite `x` as an unsuffixed float literal; `Debug` prints the shortest text that
/// reads back to the same value, in exponent form for very large and small magnitudes.
pub fn float_literal(x: f64) -> Literal {
    let text = format!("{x:?}");
    text.parse::<Literal>()
        .expect("the Debug form of a finite f64 is a float literal")
}

/// The helper functions `helpers` names, as a private module of the generated file.
pub fn helpers_module(helpers: &BTreeSet<Helper>) -> TokenStream {
    if helpers.is_empty() {
        return TokenStream::new();
    }
    let items = helpers.iter().map(|h| match h {
        Helper::Exprelr => quote! {
            /// Arbor's `exprelr(x) = x / (exp(x) - 1)`, 1 where `1 + x == 1`.
            pub fn exprelr(x: f64) -> f64 {
                if 1.0 + x == 1.0 { 1.0 } else { x / x.exp_m1() }
            }
        },
        Helper::StepRight => quote! {
            /// 1 for `x >= 0`, else 0.
            pub fn step_right(x: f64) -> f64 {
                if x >= 0.0 { 1.0 } else { 0.0 }
            }
        },
        Helper::StepLeft => quote! {
            /// 1 for `x > 0`, else 0.
            pub fn step_left(x: f64) -> f64 {
                if x > 0.0 { 1.0 } else { 0.0 }
            }
        },
        Helper::Step => quote! {
            /// 0 below zero, 1/2 at zero, 1 above.
            pub fn step(x: f64) -> f64 {
                0.5 * (1.0 + signum(x))
            }
        },
        Helper::Signum => quote! {
            /// 1 above zero, -1 below, 0 at zero and for NaN.
            pub fn signum(x: f64) -> f64 {
                if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { 0.0 }
            }
        },
        Helper::Erf => quote! {
            /// The C library's `erf`, as NEURON's generated C calls it.
            pub fn erf(x: f64) -> f64 {
                libc::erf(x)
            }
        },
        Helper::Erfc => quote! {
            /// The C library's `erfc`, as NEURON's generated C calls it.
            pub fn erfc(x: f64) -> f64 {
                libc::erfc(x)
            }
        },
    });
    // `erf` and `erfc` are the C library's (Rust's `f64` has none on stable).
    let libc = if helpers.contains(&Helper::Erf) || helpers.contains(&Helper::Erfc) {
        quote! {
            mod libc {
                unsafe extern "C" {
                    pub safe fn erf(x: f64) -> f64;
                    pub safe fn erfc(x: f64) -> f64;
                }
            }
        }
    } else {
        TokenStream::new()
    };
    // `step` calls `signum`.
    let signum = if helpers.contains(&Helper::Step) && !helpers.contains(&Helper::Signum) {
        quote! {
            /// 1 above zero, -1 below, 0 at zero and for NaN.
            pub fn signum(x: f64) -> f64 {
                if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { 0.0 }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        /// NMODL library functions that `f64` lacks, with the semantics of gradmod's evaluator.
        #[allow(dead_code)]
        mod nmodl_fns {
            #(#items)*
            #signum
            #libc
        }
    }
}
