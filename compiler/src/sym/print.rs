//! Printing expressions as NMODL text, with minimal parentheses.
//!
//! NMODL's precedences, lowest first (NEURON's and BlueBrain's yacc grammars): `||`; `&&`;
//! the comparisons `> >= < <= == !=`; `+ -`; `* /`; unary `-` and `!`; `^`. All binary operators
//! are left-associative except `^`, which is right-associative and binds tighter than unary
//! minus: `-x^2` is `-(x^2)` and `2^3^2` is `2^(3^2)`. The printer parenthesises exactly where the
//! tree would otherwise parse differently, and also (for readability) a unary minus or a
//! negative constant that is not the leftmost operand, as in `x - (-2)` or `x^(-1)`.
//!
//! Constants are printed so that they read back to the same `f64`: Rust's shortest round-trip
//! digits, in positional form (`0.1`, `0.001`, `1000`) unless the scientific form is more than two
//! characters shorter (`1e-5`, `1e6`, `6.02214076e23`); both are valid NMODL. An infinite constant prints as `1e999` (which `strtod` reads as
//! infinity) and NaN as `(0/0)`; the smart constructors never fold to either.
//!
//! NMODL has no conditional expression: a select prints as `select(cond, then, otherwise)`, which
//! is not NMODL. Back ends lift selects into `if` statements first (see
//! [`crate::sym::cse::cse_with`]), so this form appears only in debug output and tests.

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

/// Formats a nonnegative finite number in its shortest round-trip form.
fn magnitude(x: f64) -> String {
    let plain = format!("{x}");
    let sci = format!("{x:e}");
    if plain.len() <= sci.len() + 2 {
        plain
    } else {
        sci
    }
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

/// One step of the printer: write a piece of text, or print a node.
enum Task {
    Text(&'static str),
    Node(ExprId),
}

/// `e` as NMODL text, with variables named by `names`.
///
/// The text is the expression tree: a subexpression shared in the DAG is written out at each
/// use, so print the temporaries of a [`crate::sym::cse()`] plan (with [`to_nmodl_with`]) when
/// sharing is heavy. Printing is iterative and linear in the size of the text.
pub fn to_nmodl(ar: &ExprArena, e: ExprId, names: &dyn Fn(VarId) -> String) -> String {
    to_nmodl_with(ar, e, names, &|_| None)
}

/// Like [`to_nmodl`], but a node other than `e` for which `name_of` gives a name is printed as
/// that name instead of its definition (used to print code that refers to CSE temporaries).
pub fn to_nmodl_with(
    ar: &ExprArena,
    e: ExprId,
    names: &dyn Fn(VarId) -> String,
    name_of: &dyn Fn(ExprId) -> Option<String>,
) -> String {
    let named = |id: ExprId| if id == e { None } else { name_of(id) };
    let prec = |id: ExprId| -> u8 {
        if named(id).is_some() {
            return ATOM;
        }
        match ar.get(id) {
            Expr::Num(n) => format_num(n.0).1,
            Expr::Unary(..) => UNARY,
            Expr::Binary(op, ..) => infix(op).map_or(ATOM, |(_, p)| p),
            Expr::Var(_) | Expr::Temp(_) | Expr::Call(..) | Expr::Select { .. } => ATOM,
        }
    };
    let mut out = String::new();
    let mut stack = vec![Task::Node(e)];
    // Pushes `id`, in parentheses when `parens` holds. Tasks are pushed in reverse order.
    let operand = |stack: &mut Vec<Task>, id: ExprId, parens: bool| {
        if parens {
            stack.extend([Task::Text(")"), Task::Node(id), Task::Text("(")]);
        } else {
            stack.push(Task::Node(id));
        }
    };
    while let Some(task) = stack.pop() {
        let id = match task {
            Task::Text(t) => {
                out.push_str(t);
                continue;
            }
            Task::Node(id) => id,
        };
        if let Some(name) = named(id) {
            out.push_str(&name);
            continue;
        }
        match ar.get(id) {
            Expr::Num(n) => out.push_str(&format_num(n.0).0),
            Expr::Var(v) => out.push_str(&names(v)),
            Expr::Temp(t) => out.push_str(&format!("tmp{}", t.0)),
            Expr::Unary(op, a) => {
                operand(&mut stack, a, prec(a) <= UNARY);
                stack.push(Task::Text(if op == UnOp::Neg { "-" } else { "!" }));
            }
            Expr::Binary(op, a, b) => match infix(op) {
                Some((_, POW)) => {
                    operand(&mut stack, b, prec(b) < POW);
                    stack.push(Task::Text("^"));
                    operand(&mut stack, a, prec(a) <= POW);
                }
                Some((sym, p)) => {
                    let pb = prec(b);
                    operand(&mut stack, b, pb <= p || pb == UNARY);
                    stack.extend([Task::Text(" "), Task::Text(sym), Task::Text(" ")]);
                    operand(&mut stack, a, prec(a) < p);
                }
                None => stack.extend([
                    Task::Text(")"),
                    Task::Node(b),
                    Task::Text(", "),
                    Task::Node(a),
                    Task::Text("("),
                    Task::Text(function_name(op)),
                ]),
            },
            Expr::Call(f, a) => stack.extend([
                Task::Text(")"),
                Task::Node(a),
                Task::Text("("),
                Task::Text(f.name()),
            ]),
            Expr::Select {
                cond,
                then,
                otherwise,
            } => stack.extend([
                Task::Text(")"),
                Task::Node(otherwise),
                Task::Text(", "),
                Task::Node(then),
                Task::Text(", "),
                Task::Node(cond),
                Task::Text("select("),
            ]),
        }
    }
    out
}
