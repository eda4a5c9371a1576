//! Printing expressions as NMODL text, with minimal parentheses.
//!
//! NMODL's precedences, lowest first (NEURON's and BlueBrain's yacc grammars): `||`; `&&`;
//! the comparisons `> >= < <= == !=`; `+ -`; `* /`; unary `-` and `!`; `^`. All binary operators
//! are left-associative except `^`, which is right-associative and binds tighter than unary
//! minus: `-x^2` is `-(x^2)` and `2^3^2` is `2^(3^2)`. The printer parenthesises exactly where the
//! tree would otherwise parse differently, and also (for readability) a unary minus or a
//! negative constant that is not the leftmost operand, as in `x - (-2)` or `x^(-1)`.
//!
//! Constants are printed so that they read back to the same `f64`: the shorter of Rust's
//! shortest round-trip decimal (`0.1`, `1e-5` as `0.00001`) and its shortest scientific form
//! (`1e-7`), both valid NMODL. An infinite constant prints as `1e999` (which `strtod` reads as
//! infinity) and NaN as `(0/0)`; the smart constructors never fold to either.
//!
//! NMODL has no conditional expression: a select prints as `select(cond, then, otherwise)`, which
//! is not NMODL. Back ends lift selects into `if` statements first (see
//! [`crate::sym::cse::cse_with`]), so this form appears only in debug output and tests.

use std::collections::HashMap;

use crate::ir::expr::{BinOp, Expr, ExprArena, ExprId, UnOp, VarId};

/// Precedence levels, lowest first.
const OR: u8 = 1;
const AND: u8 = 2;
const CMP: u8 = 3;
const ADD: u8 = 4;
const MUL: u8 = 5;
const UNARY: u8 = 6;
const POW: u8 = 7;
const ATOM: u8 = 8;

/// A printed subexpression with the precedence of its outermost operator.
struct Printed {
    text: String,
    prec: u8,
}

/// Formats a nonnegative finite number in its shortest round-trip form.
fn magnitude(x: f64) -> String {
    let plain = format!("{x}");
    let sci = format!("{x:e}");
    if sci.len() < plain.len() { sci } else { plain }
}

/// Formats a constant, with the precedence it prints at.
pub fn format_num(x: f64) -> (String, u8) {
    if x.is_nan() {
        ("(0/0)".to_string(), ATOM)
    } else if x.is_infinite() {
        let sign = if x < 0.0 { "-" } else { "" };
        (format!("{sign}1e999"), if x < 0.0 { UNARY } else { ATOM })
    } else if x < 0.0 {
        (format!("-{}", magnitude(-x)), UNARY)
    } else {
        (magnitude(x), ATOM)
    }
}

fn infix(op: BinOp) -> Option<(&'static str, u8)> {
    Some(match op {
        BinOp::Or => ("||", OR),
        BinOp::And => ("&&", AND),
        BinOp::Lt => ("<", CMP),
        BinOp::Le => ("<=", CMP),
        BinOp::Gt => (">", CMP),
        BinOp::Ge => (">=", CMP),
        BinOp::Eq => ("==", CMP),
        BinOp::Ne => ("!=", CMP),
        BinOp::Add => ("+", ADD),
        BinOp::Sub => ("-", ADD),
        BinOp::Mul => ("*", MUL),
        BinOp::Div => ("/", MUL),
        BinOp::Pow => ("^", POW),
        BinOp::Min | BinOp::Max | BinOp::Atan2 | BinOp::Fmod => return None,
    })
}

fn function_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Min => "min",
        BinOp::Max => "max",
        BinOp::Atan2 => "atan2",
        _ => "fmod",
    }
}

fn wrap(p: &Printed, parens: bool) -> String {
    if parens {
        format!("({})", p.text)
    } else {
        p.text.clone()
    }
}

/// `e` as NMODL text, with variables named by `names`.
pub fn to_nmodl(ar: &ExprArena, e: ExprId, names: &dyn Fn(VarId) -> String) -> String {
    to_nmodl_with(ar, e, names, &|_| None)
}

/// Like [`to_nmodl`], but a node for which `name_of` gives a name is printed as that name instead
/// of its definition (used to print code that refers to CSE temporaries).
pub fn to_nmodl_with(
    ar: &ExprArena,
    e: ExprId,
    names: &dyn Fn(VarId) -> String,
    name_of: &dyn Fn(ExprId) -> Option<String>,
) -> String {
    // A depth-first walk that does not descend below named nodes (other than `e` itself).
    let mut order = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![e];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        order.push(id);
        if id == e || name_of(id).is_none() {
            stack.extend(ar.get(id).children());
        }
    }
    order.sort_unstable();
    let mut out: HashMap<ExprId, Printed> = HashMap::with_capacity(order.len());
    for id in order {
        let printed = match name_of(id).filter(|_| id != e) {
            Some(text) => Printed { text, prec: ATOM },
            None => print_node(ar, id, names, &out),
        };
        out.insert(id, printed);
    }
    out.remove(&e).map(|p| p.text).unwrap_or_default()
}

fn print_node(
    ar: &ExprArena,
    id: ExprId,
    names: &dyn Fn(VarId) -> String,
    out: &HashMap<ExprId, Printed>,
) -> Printed {
    let atom = |text: String| Printed { text, prec: ATOM };
    match ar.get(id) {
        Expr::Num(n) => {
            let (text, prec) = format_num(n.0);
            Printed { text, prec }
        }
        Expr::Var(v) => atom(names(v)),
        Expr::Unary(op, a) => {
            let a = &out[&a];
            let sym = if op == UnOp::Neg { "-" } else { "!" };
            Printed {
                text: format!("{sym}{}", wrap(a, a.prec <= UNARY)),
                prec: UNARY,
            }
        }
        Expr::Binary(op, a, b) => {
            let (a, b) = (&out[&a], &out[&b]);
            match infix(op) {
                Some((_, POW)) => Printed {
                    text: format!("{}^{}", wrap(a, a.prec <= POW), wrap(b, b.prec < POW)),
                    prec: POW,
                },
                Some((sym, p)) => Printed {
                    text: format!(
                        "{} {sym} {}",
                        wrap(a, a.prec < p),
                        wrap(b, b.prec <= p || b.prec == UNARY)
                    ),
                    prec: p,
                },
                None => atom(format!("{}({}, {})", function_name(op), a.text, b.text)),
            }
        }
        Expr::Call(f, a) => atom(format!("{}({})", f.name(), out[&a].text)),
        Expr::Select {
            cond,
            then,
            otherwise,
        } => atom(format!(
            "select({}, {}, {})",
            out[&cond].text, out[&then].text, out[&otherwise].text
        )),
    }
}
