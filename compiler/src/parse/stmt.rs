//! Statements and blocks.

use super::{Builder, Probe, Rule, kids};
use crate::ast::*;
use crate::diag::{Diagnostic, Span};
use pest::iterators::Pair;

impl Builder<'_> {
    /// A `{ ... }` block from a `block` pair.
    pub(super) fn block(&mut self, p: Pair<'_, Rule>) -> Block {
        let span = self.span(&p);
        let stmts = self.recovering(kids(p), Probe::Stmt, Self::stmt);
        Block { stmts, span }
    }

    /// One statement from a `stmt` pair.
    fn stmt(&mut self, p: Pair<'_, Rule>) -> Option<Stmt> {
        let span = self.span(&p);
        let inner = kids(p).next()?;
        let rule = inner.as_rule();
        if rule == Rule::block {
            let kind = StmtKind::Block(self.block(inner));
            return Some(Stmt { kind, span });
        }
        let text = inner.as_str();
        let mut ks: Vec<Pair<'_, Rule>> = kids(inner).collect();
        let kind = match rule {
            Rule::local_stmt => {
                StmtKind::Local(ks.into_iter().map(|k| self.local_var(k)).collect())
            }
            Rule::if_stmt => {
                let mut ks = ks.into_iter();
                let cond = self.expr(ks.next()?);
                let then = self.block(ks.next()?);
                let otherwise = ks.next().and_then(|k| {
                    if k.as_rule() == Rule::block {
                        Some(self.block(k))
                    } else {
                        // `else if`: a block holding the nested if statement.
                        let span = self.span(&k);
                        let stmt = self.if_as_stmt(k)?;
                        Some(Block {
                            stmts: vec![stmt],
                            span,
                        })
                    }
                });
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                }
            }
            Rule::while_stmt => {
                let body = self.block(ks.pop()?);
                StmtKind::While {
                    cond: self.expr(ks.pop()?),
                    body,
                }
            }
            Rule::from_stmt => {
                let body = self.block(ks.pop()?);
                let mut ks = ks.into_iter();
                let var = self.ident(&ks.next()?);
                let from = self.expr(ks.next()?);
                let to = self.expr(ks.next()?);
                let by = ks.next().map(|k| self.expr(k));
                StmtKind::From {
                    var,
                    from,
                    to,
                    by,
                    body,
                }
            }
            Rule::solve_stmt => {
                let mut block = None;
                let mut method = None;
                let mut if_error = None;
                for k in ks {
                    match k.as_rule() {
                        Rule::name => block = Some(self.ident(&k)),
                        Rule::solve_method => {
                            method = kids(k).next().map(|n| SolveMethod::Method(self.ident(&n)))
                        }
                        Rule::solve_steady => {
                            method = kids(k)
                                .next()
                                .map(|n| SolveMethod::SteadyState(self.ident(&n)))
                        }
                        Rule::solve_iferror => if_error = kids(k).next().map(|b| self.block(b)),
                        _ => {}
                    }
                }
                StmtKind::Solve {
                    block: block?,
                    method,
                    if_error,
                }
            }
            Rule::table_stmt => {
                let mut names = Vec::new();
                let mut depend = Vec::new();
                let mut bounds = Vec::new();
                for k in ks {
                    match k.as_rule() {
                        Rule::table_names => names = kids(k).map(|n| self.ident(&n)).collect(),
                        Rule::table_depend => depend = kids(k).map(|n| self.ident(&n)).collect(),
                        Rule::expr => bounds.push(self.expr(k)),
                        _ => {}
                    }
                }
                let mut bounds = bounds.into_iter();
                StmtKind::Table {
                    names,
                    depend,
                    from: bounds.next()?,
                    to: bounds.next()?,
                    with: bounds.next()?,
                }
            }
            Rule::conserve_stmt => {
                let rhs = self.expr(ks.pop()?);
                StmtKind::Conserve {
                    lhs: self.expr(ks.pop()?),
                    rhs,
                }
            }
            Rule::compartment_stmt | Rule::ldiff_stmt => {
                let species = kids(ks.pop()?).filter_map(|n| self.reactant(n)).collect();
                let amount = self.expr(ks.pop()?);
                let index = ks.pop().map(|n| self.ident(&n));
                if rule == Rule::compartment_stmt {
                    StmtKind::Compartment {
                        index,
                        volume: amount,
                        species,
                    }
                } else {
                    StmtKind::LongitudinalDiffusion {
                        index,
                        rate: amount,
                        species,
                    }
                }
            }
            Rule::watch_stmt => StmtKind::Watch(
                ks.into_iter()
                    .filter_map(|w| {
                        let span = self.span(&w);
                        let mut es = kids(w).map(|e| self.expr(e));
                        let cond = es.next()?;
                        Some(Watch {
                            cond,
                            flag: es.next(),
                            span,
                        })
                    })
                    .collect(),
            ),
            Rule::for_netcons_stmt => {
                let body = self.block(ks.pop()?);
                StmtKind::ForNetcons {
                    params: self.params(ks.pop()?),
                    body,
                }
            }
            Rule::verbatim => StmtKind::Verbatim(ks.first().map_or("", |t| t.as_str()).to_string()),
            Rule::mutexlock => StmtKind::MutexLock,
            Rule::mutexunlock => StmtKind::MutexUnlock,
            Rule::protect_stmt => StmtKind::Protect(Box::new(self.stmt(ks.pop()?)?)),
            Rule::lag_stmt => {
                let by = self.ident(&ks.pop()?);
                StmtKind::Lag {
                    name: self.ident(&ks.pop()?),
                    by,
                }
            }
            Rule::conductance_stmt => {
                let mut ks = ks.into_iter();
                StmtKind::Conductance {
                    name: self.ident(&ks.next()?),
                    ion: ks.next().map(|n| self.ident(&n)),
                }
            }
            Rule::nested_initial => StmtKind::Initial(self.block(ks.pop()?)),
            Rule::flux_stmt => {
                let flux = self.expr(ks.pop()?);
                StmtKind::Flux {
                    species: self.reactant(ks.pop()?)?,
                    flux,
                }
            }
            Rule::reaction_stmt => {
                let mut ks = ks.into_iter();
                let lhs = self.reactants(ks.next()?)?;
                let arrow = match ks.next()?.as_str() {
                    "->" => Arrow::Forward,
                    _ => Arrow::Reversible,
                };
                let rhs = self.reactants(ks.next()?)?;
                let forward = self.expr(ks.next()?);
                let backward = ks.next().map(|e| self.expr(e));
                StmtKind::Reaction {
                    lhs,
                    arrow,
                    rhs,
                    forward,
                    backward,
                }
            }
            Rule::linear_eq => {
                let rhs = self.expr(ks.pop()?);
                StmtKind::Equation {
                    lhs: self.expr(ks.pop()?),
                    rhs,
                }
            }
            Rule::ode_stmt => {
                let value = self.expr(ks.pop()?);
                let mut state = None;
                let mut index = None;
                for k in ks {
                    match k.as_rule() {
                        Rule::name => state = Some(self.ident(&k)),
                        Rule::index => index = kids(k).next().map(|e| self.expr(e)),
                        Rule::primes if k.as_str().len() > 1 => {
                            let span = self.span(&k);
                            self.higher_derivative(text, span);
                        }
                        _ => {}
                    }
                }
                StmtKind::Ode {
                    state: state?,
                    index,
                    value,
                }
            }
            Rule::assign_stmt => {
                let value = self.expr(ks.pop()?);
                let mut ks = ks.into_iter();
                let target = self.ident(&ks.next()?);
                let index = ks.next().and_then(|k| kids(k).next()).map(|e| self.expr(e));
                StmtKind::Assign {
                    target,
                    index,
                    value,
                }
            }
            Rule::call_stmt => StmtKind::Call(self.call(ks.pop()?)),
            _ => return None,
        };
        Some(Stmt { kind, span })
    }

    /// An `if_stmt` pair (an `else if`) as a statement.
    fn if_as_stmt(&mut self, p: Pair<'_, Rule>) -> Option<Stmt> {
        let span = self.span(&p);
        let mut ks = kids(p);
        let cond = self.expr(ks.next()?);
        let then = self.block(ks.next()?);
        let otherwise = match ks.next() {
            Some(k) if k.as_rule() == Rule::block => Some(self.block(k)),
            Some(k) => {
                let span = self.span(&k);
                self.if_as_stmt(k).map(|s| Block {
                    stmts: vec![s],
                    span,
                })
            }
            None => None,
        };
        Some(Stmt {
            kind: StmtKind::If {
                cond,
                then,
                otherwise,
            },
            span,
        })
    }

    fn higher_derivative(&mut self, text: &str, span: Span) {
        let name: String = text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        self.error(
            Diagnostic::error(
                span,
                format!(
                    "`{name}{}` is a higher derivative",
                    "'".repeat((span.end - span.start) as usize)
                ),
            )
            .with_label("only one `'` is allowed here")
            .with_note(format!(
                "NMODL ODEs give first derivatives: write `{name}' = ...` and introduce a state \
                 for the derivative of `{name}`"
            )),
        );
    }

    fn reactants(&mut self, p: Pair<'_, Rule>) -> Option<Vec<Reactant>> {
        kids(p).map(|r| self.reactant(r)).collect()
    }

    fn reactant(&mut self, p: Pair<'_, Rule>) -> Option<Reactant> {
        let span = self.span(&p);
        let mut coeff = 1;
        let mut name = None;
        let mut index = None;
        for k in kids(p) {
            match k.as_rule() {
                Rule::integer => match k.as_str().parse::<u32>() {
                    Ok(n) => coeff = n,
                    Err(_) => {
                        let span = self.span(&k);
                        self.error(
                            Diagnostic::error(span, "stoichiometric coefficient is too large")
                                .with_label("here"),
                        );
                    }
                },
                Rule::name => name = Some(self.ident(&k)),
                Rule::expr => index = Some(self.expr(k)),
                _ => {}
            }
        }
        Some(Reactant {
            coeff,
            name: name?,
            index,
            span,
        })
    }
}
