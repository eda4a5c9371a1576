//! Shared test support for the symbolic engine: a small NMODL expression parser, random
//! expression trees, and a first-order rounding-error estimate used to set honest tolerances.

use gradmod_compiler::ir::expr::{BinOp, Expr, ExprArena, ExprId, Func, UnOp, VarId};
use gradmod_compiler::sym::build;
use gradmod_compiler::sym::dual::{Dual, dual_binary, dual_call, dual_unary};
use gradmod_compiler::sym::eval::{eval, exponent_is_const};
use std::collections::HashMap;

/// Variable names of a test: `x`, `y`, ... get ids in order of first use.
#[derive(Default)]
pub struct Names(pub Vec<String>);

impl Names {
    /// The id of `name`, allocated on first use.
    pub fn id(&mut self, name: &str) -> VarId {
        if let Some(i) = self.0.iter().position(|n| n == name) {
            return VarId(i as u32);
        }
        self.0.push(name.to_string());
        VarId(self.0.len() as u32 - 1)
    }

    /// The name of `v`.
    pub fn name(&self, v: VarId) -> String {
        self.0
            .get(v.index())
            .cloned()
            .unwrap_or_else(|| format!("t{}", v.0))
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(String),
}

fn lex(s: &str) -> Vec<Tok> {
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch.is_ascii_digit() || ch == '.' {
            let start = i;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '.') {
                i += 1;
            }
            if i < c.len() && (c[i] == 'e' || c[i] == 'E') {
                i += 1;
                if i < c.len() && (c[i] == '+' || c[i] == '-') {
                    i += 1;
                }
                while i < c.len() && c[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text: String = c[start..i].iter().collect();
            out.push(Tok::Num(text.parse().expect("number")));
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            if ["<=", ">=", "==", "!=", "&&", "||"].contains(&two.as_str()) {
                out.push(Tok::Op(two));
                i += 2;
            } else {
                out.push(Tok::Op(ch.to_string()));
                i += 1;
            }
        }
    }
    out
}

/// A Pratt parser for NMODL expressions with NMODL's precedences, plus `select(c, a, b)`.
/// A minus directly before a number literal gives a negative constant.
pub struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    ar: &'a mut ExprArena,
    names: &'a mut Names,
    simplify: bool,
}

fn infix(op: &str) -> Option<(u8, u8, BinOp)> {
    Some(match op {
        "||" => (1, 2, BinOp::Or),
        "&&" => (3, 4, BinOp::And),
        "<" => (5, 6, BinOp::Lt),
        "<=" => (5, 6, BinOp::Le),
        ">" => (5, 6, BinOp::Gt),
        ">=" => (5, 6, BinOp::Ge),
        "==" => (5, 6, BinOp::Eq),
        "!=" => (5, 6, BinOp::Ne),
        "+" => (7, 8, BinOp::Add),
        "-" => (7, 8, BinOp::Sub),
        "*" => (9, 10, BinOp::Mul),
        "/" => (9, 10, BinOp::Div),
        "^" => (14, 13, BinOp::Pow),
        _ => return None,
    })
}

/// The binding power of prefix `-` and `!`: above `*`, below `^`.
const PREFIX: u8 = 11;

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Tok {
        self.pos += 1;
        self.toks[self.pos - 1].clone()
    }

    /// Whether a `-` just consumed starts a negative literal: a number not raised to a power.
    /// (Zero is excluded: `-0` stays a negation, so that printing it reads back the same.)
    fn negative_literal(&self) -> bool {
        matches!(self.peek(), Some(Tok::Num(x)) if *x != 0.0)
            && self.toks.get(self.pos + 1) != Some(&Tok::Op("^".into()))
    }

    fn expect(&mut self, op: &str) {
        assert_eq!(self.next(), Tok::Op(op.to_string()), "expected {op}");
    }

    fn bin(&mut self, op: BinOp, a: ExprId, b: ExprId) -> ExprId {
        if self.simplify {
            build::binary(self.ar, op, a, b)
        } else {
            self.ar.binary(op, a, b)
        }
    }

    fn expr(&mut self, min_bp: u8) -> ExprId {
        let mut lhs = match self.next() {
            Tok::Num(x) => self.ar.num(x),
            Tok::Op(op) if op == "(" => {
                let e = self.expr(0);
                self.expect(")");
                e
            }
            Tok::Op(op) if op == "-" && self.negative_literal() => {
                let Tok::Num(x) = self.next() else {
                    unreachable!()
                };
                self.ar.num(-x)
            }
            Tok::Op(op) if op == "-" || op == "!" => {
                let a = self.expr(PREFIX);
                let un = if op == "-" { UnOp::Neg } else { UnOp::Not };
                if self.simplify {
                    build::unary(self.ar, un, a)
                } else {
                    self.ar.unary(un, a)
                }
            }
            Tok::Ident(name) if self.peek() == Some(&Tok::Op("(".into())) => {
                self.pos += 1;
                let mut args = vec![self.expr(0)];
                while self.peek() == Some(&Tok::Op(",".into())) {
                    self.pos += 1;
                    args.push(self.expr(0));
                }
                self.expect(")");
                self.call(&name, &args)
            }
            Tok::Ident(name) => {
                let v = self.names.id(&name);
                self.ar.var(v)
            }
            t => panic!("unexpected token {t:?}"),
        };
        while let Some(Tok::Op(op)) = self.peek() {
            let Some((lbp, rbp, bop)) = infix(op) else {
                break;
            };
            if lbp < min_bp {
                break;
            }
            self.pos += 1;
            let rhs = self.expr(rbp);
            lhs = self.bin(bop, lhs, rhs);
        }
        lhs
    }

    fn call(&mut self, name: &str, args: &[ExprId]) -> ExprId {
        let two = |op| (op, args[0], args[1]);
        let (op, a, b) = match name {
            "pow" => two(BinOp::Pow),
            "min" => two(BinOp::Min),
            "max" => two(BinOp::Max),
            "atan2" => two(BinOp::Atan2),
            "fmod" => two(BinOp::Fmod),
            "select" => {
                return if self.simplify {
                    build::select(self.ar, args[0], args[1], args[2])
                } else {
                    self.ar.select(args[0], args[1], args[2])
                };
            }
            _ => {
                let f = Func::from_name(name).unwrap_or_else(|| panic!("unknown function {name}"));
                return if self.simplify {
                    build::call(self.ar, f, args[0])
                } else {
                    self.ar.call(f, args[0])
                };
            }
        };
        self.bin(op, a, b)
    }
}

/// Parses `text` into `ar`, simplifying as it builds when `simplify` holds.
pub fn parse(ar: &mut ExprArena, names: &mut Names, text: &str, simplify: bool) -> ExprId {
    let mut p = Parser {
        toks: lex(text),
        pos: 0,
        ar,
        names,
        simplify,
    };
    let e = p.expr(0);
    assert!(p.pos == p.toks.len(), "trailing input in {text}");
    e
}

/// The value of `e` and a first-order bound on its accumulated rounding error, in units of the
/// machine epsilon: `S(node) = |value| + sum_k |d node / d operand_k| S(operand_k)`. A result
/// computed two different ways can differ by a small multiple of `eps * S`; leaves count as exact.
pub fn value_and_error_scale(ar: &ExprArena, e: ExprId, env: &dyn Fn(VarId) -> f64) -> (f64, f64) {
    // An exact operand or a zero partial derivative contributes nothing, even where the other
    // factor is infinite; so does an undefined partial (a NaN operand of `min`, say, whose
    // error cannot reach a finite result).
    let term = |partial: f64, s: f64| {
        let t = partial.abs() * s;
        if partial == 0.0 || s == 0.0 || t.is_nan() {
            0.0
        } else {
            t
        }
    };
    let mut val: HashMap<ExprId, (f64, f64)> = HashMap::new();
    for id in ar.reachable(&[e]) {
        let node = ar.get(id);
        let r = match node {
            Expr::Num(n) => (n.0, 0.0),
            Expr::Var(v) => (env(v), 0.0),
            Expr::Temp(_) => unreachable!("no temporaries in generated trees"),
            Expr::Unary(op, a) => {
                let (x, s) = val[&a];
                let d = dual_unary(op, Dual::new(x, 1.0));
                (d.re, d.re.abs() + term(d.eps, s))
            }
            Expr::Call(f, a) => {
                let (x, s) = val[&a];
                let d = dual_call(f, Dual::new(x, 1.0));
                (d.re, d.re.abs() + term(d.eps, s))
            }
            Expr::Binary(op, a, b) => {
                let ((x, sx), (y, sy)) = (val[&a], val[&b]);
                let k = exponent_is_const(ar, node);
                let da = dual_binary(op, Dual::new(x, 1.0), Dual::constant(y), k);
                let db = dual_binary(op, Dual::constant(x), Dual::new(y, 1.0), k);
                (da.re, da.re.abs() + term(da.eps, sx) + term(db.eps, sy))
            }
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                if val[&cond].0 != 0.0 {
                    val[&then]
                } else {
                    val[&otherwise]
                }
            }
        };
        val.insert(id, r);
    }
    val[&e]
}

/// The dual-number derivative of `e` along `var` and a first-order bound on its rounding error,
/// in units of the machine epsilon: each node adds the magnitudes of the chain-rule terms it sums,
/// `E(node) = |eps| + sum_k |d node / d operand_k| (E(operand_k) + |eps_k|)`. This covers the
/// noise of a derivative that cancels to (nearly) zero, which a symbolic derivative may have
/// simplified to an exact zero.
pub fn dual_and_error_scale(
    ar: &ExprArena,
    e: ExprId,
    env: &dyn Fn(VarId) -> f64,
    var: VarId,
) -> (f64, f64) {
    let term = |partial: f64, s: f64| {
        let t = partial.abs() * s;
        if partial == 0.0 || s == 0.0 || t.is_nan() {
            0.0
        } else {
            t
        }
    };
    // Per node: (value, derivative, error scale of the derivative).
    let mut val: HashMap<ExprId, (f64, f64, f64)> = HashMap::new();
    for id in ar.reachable(&[e]) {
        let node = ar.get(id);
        let seeded = |(_, dx, ex): (f64, f64, f64), partial: f64| term(partial, ex + dx.abs());
        let r = match node {
            Expr::Num(n) => (n.0, 0.0, 0.0),
            Expr::Var(v) => (env(v), if v == var { 1.0 } else { 0.0 }, 0.0),
            Expr::Temp(_) => unreachable!("no temporaries in generated trees"),
            Expr::Unary(op, a) => {
                let va = val[&a];
                let p = dual_unary(op, Dual::new(va.0, 1.0));
                let d = dual_unary(op, Dual::new(va.0, va.1));
                (d.re, d.eps, d.eps.abs() + seeded(va, p.eps))
            }
            Expr::Call(f, a) => {
                let va = val[&a];
                let p = dual_call(f, Dual::new(va.0, 1.0));
                let d = dual_call(f, Dual::new(va.0, va.1));
                (d.re, d.eps, d.eps.abs() + seeded(va, p.eps))
            }
            Expr::Binary(op, a, b) => {
                let (va, vb) = (val[&a], val[&b]);
                let k = exponent_is_const(ar, node);
                let pa = dual_binary(op, Dual::new(va.0, 1.0), Dual::constant(vb.0), k);
                let pb = dual_binary(op, Dual::constant(va.0), Dual::new(vb.0, 1.0), k);
                let d = dual_binary(op, Dual::new(va.0, va.1), Dual::new(vb.0, vb.1), k);
                let err = d.eps.abs() + seeded(va, pa.eps) + seeded(vb, pb.eps);
                (d.re, d.eps, err)
            }
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                if val[&cond].0 != 0.0 {
                    val[&then]
                } else {
                    val[&otherwise]
                }
            }
        };
        val.insert(id, r);
    }
    let (_, d, err) = val[&e];
    (d, err)
}

/// Evaluates `e` with variables given by position in `xs`.
pub fn eval_at(ar: &ExprArena, e: ExprId, xs: &[f64]) -> f64 {
    eval(ar, e, &|v| xs[v.index()])
}

/// A random expression tree, built into an arena by [`Tree::build`].
#[derive(Clone, Debug)]
pub enum Tree {
    /// Variable number `k`.
    Var(u32),
    /// A constant.
    Num(f64),
    /// A unary operator.
    Un(UnOp, Box<Tree>),
    /// A binary operator.
    Bin(BinOp, Box<Tree>, Box<Tree>),
    /// A function call.
    Call(Func, Box<Tree>),
    /// A select.
    Sel(Box<Tree>, Box<Tree>, Box<Tree>),
}

impl Tree {
    /// Builds the tree into `ar`, raw (`simplify` false) or through the smart constructors.
    pub fn build(&self, ar: &mut ExprArena, simplify: bool) -> ExprId {
        match self {
            Tree::Var(k) => ar.var(VarId(*k)),
            Tree::Num(x) => ar.num(*x),
            Tree::Un(op, a) => {
                let a = a.build(ar, simplify);
                if simplify {
                    build::unary(ar, *op, a)
                } else {
                    ar.unary(*op, a)
                }
            }
            Tree::Bin(op, a, b) => {
                let (a, b) = (a.build(ar, simplify), b.build(ar, simplify));
                if simplify {
                    build::binary(ar, *op, a, b)
                } else {
                    ar.binary(*op, a, b)
                }
            }
            Tree::Call(f, a) => {
                let a = a.build(ar, simplify);
                if simplify {
                    build::call(ar, *f, a)
                } else {
                    ar.call(*f, a)
                }
            }
            Tree::Sel(c, t, o) => {
                let (c, t, o) = (
                    c.build(ar, simplify),
                    t.build(ar, simplify),
                    o.build(ar, simplify),
                );
                if simplify {
                    build::select(ar, c, t, o)
                } else {
                    ar.select(c, t, o)
                }
            }
        }
    }
}

impl Tree {
    /// The same tree with every variable index increased by `by`.
    pub fn shifted(&self, by: u32) -> Tree {
        let b = |t: &Tree| Box::new(t.shifted(by));
        match self {
            Tree::Var(k) => Tree::Var(k + by),
            Tree::Num(x) => Tree::Num(*x),
            Tree::Un(op, a) => Tree::Un(*op, b(a)),
            Tree::Bin(op, a, c) => Tree::Bin(*op, b(a), b(c)),
            Tree::Call(f, a) => Tree::Call(*f, b(a)),
            Tree::Sel(c, t, o) => Tree::Sel(b(c), b(t), b(o)),
        }
    }
}

/// Every binary operator.
pub const BINOPS: [BinOp; 17] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Pow,
    BinOp::Lt,
    BinOp::Le,
    BinOp::Gt,
    BinOp::Ge,
    BinOp::Eq,
    BinOp::Ne,
    BinOp::And,
    BinOp::Or,
    BinOp::Min,
    BinOp::Max,
    BinOp::Atan2,
    BinOp::Fmod,
];

/// Random trees of depth at most 5 over `nvars` variables, with every operator and function.
pub fn tree_strategy(nvars: u32) -> impl proptest::strategy::Strategy<Value = Tree> {
    use proptest::prelude::*;
    let consts = prop::sample::select(vec![0.0, 1.0, -1.0, 2.0, 0.5, 3.0, -2.5, 0.1, 1e-3, 7.0]);
    let leaf = prop_oneof![
        3 => (0..nvars).prop_map(Tree::Var),
        1 => consts.prop_map(Tree::Num),
    ];
    leaf.prop_recursive(5, 48, 3, |inner| {
        let b = |t: Tree| Box::new(t);
        prop_oneof![
            1 => (prop::sample::select(vec![UnOp::Neg, UnOp::Neg, UnOp::Not]), inner.clone())
                .prop_map(move |(op, a)| Tree::Un(op, b(a))),
            6 => (prop::sample::select(BINOPS.to_vec()), inner.clone(), inner.clone())
                .prop_map(move |(op, a, c)| Tree::Bin(op, b(a), b(c))),
            // Integer powers get their own weight: they take the `powi` route.
            1 => (inner.clone(), prop::sample::select(vec![2.0, 3.0, -1.0, -2.0, 4.0]))
                .prop_map(move |(a, n)| Tree::Bin(BinOp::Pow, b(a), b(Tree::Num(n)))),
            3 => (prop::sample::select(Func::ALL.to_vec()), inner.clone())
                .prop_map(move |(f, a)| Tree::Call(f, b(a))),
            1 => (inner.clone(), inner.clone(), inner)
                .prop_map(move |(c, t, o)| Tree::Sel(b(c), b(t), b(o))),
        ]
    })
}

/// Random evaluation points: mostly in `(0.1, 3)`, where logarithms and roots are defined,
/// sometimes in `(-3, 3)`.
pub fn point_strategy(nvars: usize) -> impl proptest::strategy::Strategy<Value = Vec<f64>> {
    use proptest::prelude::*;
    let coord = prop_oneof![3 => 0.1f64..3.0, 1 => -3.0f64..3.0];
    prop::collection::vec(coord, nvars)
}
