//! Expressions, with operator precedence resolved by a Pratt parser.
//!
//! The precedences are NEURON's (its yacc grammar), loosest first: `||`; `&&`; the six
//! comparisons; `+ -`; `* /`; unary `- ! +`; `^`. `^` is right-associative and binds more
//! tightly than unary minus, so `-x^2` is `-(x^2)` and `2^-1` is `2^(-1)`.

use super::{Builder, Rule, kids};
use crate::ast::*;
use crate::diag::Diagnostic;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::LazyLock;

/// An expression may have at most this many operators.
const MAX_OPERATORS: usize = 1000;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or, Assoc::Left))
        .op(Op::infix(Rule::and, Assoc::Left))
        .op(Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left)
            | Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::prefix(Rule::neg) | Op::prefix(Rule::not) | Op::prefix(Rule::pos))
        .op(Op::infix(Rule::pow, Assoc::Right))
});

impl Builder<'_> {
    /// An expression from an `expr` pair.
    pub(super) fn expr(&self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        let pairs = p.into_inner();
        // Operands and operators alternate, so this bounds the depth of the tree (and of the
        // recursion that builds, walks and drops it).
        if pairs.len() > 2 * MAX_OPERATORS {
            self.deferred.borrow_mut().push(
                Diagnostic::error(
                    span,
                    format!("expression has more than {MAX_OPERATORS} operators"),
                )
                .with_label("too long")
                .with_note("split it into LOCAL variables"),
            );
            return Expr {
                kind: ExprKind::Number(zero(span)),
                span,
            };
        }
        self.expr_pairs(pairs)
    }

    fn expr_pairs(&self, pairs: Pairs<'_, Rule>) -> Expr {
        PRATT
            .map_primary(|p| self.primary(p))
            .map_prefix(|op, operand| {
                let op_span = self.span(&op);
                let op = match op.as_rule() {
                    Rule::not => UnaryOp::Not,
                    Rule::pos => UnaryOp::Plus,
                    _ => UnaryOp::Neg,
                };
                Expr {
                    span: op_span.to(operand.span),
                    kind: ExprKind::Unary {
                        op,
                        operand: Box::new(operand),
                    },
                }
            })
            .map_infix(|lhs, op, rhs| {
                let op = match op.as_rule() {
                    Rule::add => BinaryOp::Add,
                    Rule::sub => BinaryOp::Sub,
                    Rule::mul => BinaryOp::Mul,
                    Rule::div => BinaryOp::Div,
                    Rule::pow => BinaryOp::Pow,
                    Rule::lt => BinaryOp::Lt,
                    Rule::le => BinaryOp::Le,
                    Rule::gt => BinaryOp::Gt,
                    Rule::ge => BinaryOp::Ge,
                    Rule::eq => BinaryOp::Eq,
                    Rule::ne => BinaryOp::Ne,
                    Rule::and => BinaryOp::And,
                    _ => BinaryOp::Or,
                };
                Expr {
                    span: lhs.span.to(rhs.span),
                    kind: ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                }
            })
            .parse(pairs)
    }

    fn primary(&self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::number => ExprKind::Number(self.number(p)),
            Rule::name => ExprKind::Name(self.ident(&p)),
            Rule::name_ref => {
                let mut ks = kids(p);
                let Some(name) = ks.next() else {
                    return Expr {
                        kind: ExprKind::Number(zero(span)),
                        span,
                    };
                };
                let name = self.ident(&name);
                match ks.next() {
                    None => ExprKind::Name(name),
                    Some(suffix) if suffix.as_rule() == Rule::args => ExprKind::Call {
                        func: name,
                        args: kids(suffix).map(|a| self.expr(a)).collect(),
                    },
                    Some(index) => match kids(index).next() {
                        Some(e) => ExprKind::Index {
                            array: name,
                            index: Box::new(self.expr(e)),
                        },
                        None => ExprKind::Name(name),
                    },
                }
            }
            Rule::string => ExprKind::String(super::items::unquote(p.as_str())),
            Rule::expr => return self.expr(p),
            _ => ExprKind::Number(zero(span)),
        };
        Expr { kind, span }
    }

    /// A call expression from a `call` pair.
    pub(super) fn call(&self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        let mut ks = kids(p);
        let Some(func) = ks.next().map(|n| self.ident(&n)) else {
            return Expr {
                kind: ExprKind::Number(zero(span)),
                span,
            };
        };
        let args = ks
            .next()
            .map(|a| kids(a).map(|e| self.expr(e)).collect())
            .unwrap_or_default();
        Expr {
            kind: ExprKind::Call { func, args },
            span,
        }
    }

    /// A number of an expression, with its units, from a `number` pair.
    fn number(&self, p: Pair<'_, Rule>) -> Number {
        let span = self.span(&p);
        let mut text = "0";
        let mut units = None;
        for k in p.into_inner() {
            match k.as_rule() {
                Rule::num_lit => text = k.as_str(),
                Rule::units => units = Some(self.units(&k)),
                _ => {}
            }
        }
        Number {
            value: text.parse().unwrap_or(f64::NAN),
            text: text.to_string(),
            units,
            span,
        }
    }
}

/// A placeholder for a node the grammar guarantees but a malformed tree lacks.
fn zero(span: crate::diag::Span) -> Number {
    Number {
        value: 0.0,
        text: "0".to_string(),
        units: None,
        span,
    }
}
