//! The equations of a DERIVATIVE or KINETIC block as expressions of its states: symbolic
//! execution of the block's statements, shared by the implicit solver passes.
//!
//! Assignments are substituted forward (through if/else as selects), so each state's time
//! derivative becomes one expression of the states and of the block's inputs. Reactions become
//! mass-action fluxes, divided by the COMPARTMENT volume of each species; `<<` fluxes add to their
//! species; CONSERVE replaces the equation of its last state not yet replaced by the conservation
//! law, as NEURON does, and weights each state by its COMPARTMENT size (the law is about amounts).

use std::collections::HashMap;

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::ir::{BlockId, ExprId, Module, Stmt, StmtKind, Term, VarId, VarKind};
use crate::sym::{build, substitute};

/// The equations of one block.
#[derive(Clone, Debug)]
pub struct Equations {
    /// The states solved for, in order of first appearance.
    pub states: Vec<VarId>,
    /// The time derivative of each state.
    pub rates: Vec<ExprId>,
    /// Conservation laws: the index of the state whose equation each replaces, and the residual
    /// `sum(c V x) - total` (V the COMPARTMENT size of x, 1 if it has none), zero when the law
    /// holds.
    pub conserve: Vec<(usize, ExprId)>,
    /// The residuals `lhs - rhs` of a LINEAR or NONLINEAR block's equations `~ lhs = rhs`, in
    /// order (empty for other blocks).
    pub residuals: Vec<ExprId>,
}

/// Reads the equations of block `id`.
pub fn equations(m: &mut Module, id: BlockId) -> Result<Equations, Diagnostics> {
    let body = m.block(id).body.clone();
    equations_of(m, &body)
}

/// Splits the statements of block `id` into a prologue, which the solver runs once before its
/// Newton iterations, and the equations of the rest. The prologue ends with the block's last
/// statement that holds a loop, a FUNCTION_TABLE read or an array element at a run-time index (a FROM loop with
/// run-time bounds, say, in a function the block calls); it must precede every equation and read
/// no STATE, so that its values are those of the step's start, the same at every iterate, as in
/// NEURON. A block without such statements has an empty prologue.
pub fn equations_after_prologue(
    m: &mut Module,
    id: BlockId,
) -> Result<(Vec<Stmt>, Equations), Diagnostics> {
    let body = m.block(id).body.clone();
    let (prologue, rest) = split_prologue(m, &body)?;
    let eqs = equations_of(m, rest)?;
    Ok((prologue.to_vec(), eqs))
}

/// Whether `s` is, or holds, a loop or an array element at a run-time index.
fn holds_loop(s: &Stmt) -> bool {
    let mut found = false;
    s.for_each_stmt(&mut |t| {
        found |= matches!(
            t.kind,
            StmtKind::Loop { .. }
                | StmtKind::While { .. }
                | StmtKind::GetElement { .. }
                | StmtKind::SetElement { .. }
                | StmtKind::TableRead { .. }
        )
    });
    found
}

/// The prologue of `body` (see [`equations_after_prologue`]) and the rest.
fn split_prologue<'s>(
    m: &Module,
    body: &'s [Stmt],
) -> Result<(&'s [Stmt], &'s [Stmt]), Diagnostics> {
    let Some(last) = body.iter().rposition(holds_loop) else {
        return Ok((&[], body));
    };
    let (prologue, rest) = body.split_at(last + 1);
    for s in prologue {
        let mut problem: Option<(Span, &str)> = None;
        s.for_each_stmt(&mut |t| {
            if problem.is_some() {
                return;
            }
            match t.kind {
                StmtKind::Assign { .. }
                | StmtKind::If { .. }
                | StmtKind::Loop { .. }
                | StmtKind::While { .. }
                | StmtKind::GetElement { .. }
                | StmtKind::SetElement { .. }
                | StmtKind::TableRead { .. } => {
                    let mut reads_state = false;
                    t.for_each_expr(&mut |e| {
                        reads_state |= crate::sym::free_vars(&m.exprs, e)
                            .into_iter()
                            .any(|v| m.var(v).kind == VarKind::State);
                    });
                    if reads_state {
                        problem = Some((t.span, "reads a STATE"));
                    }
                }
                _ => problem = Some((t.span, "comes after an equation")),
            }
        });
        if let Some((span, why)) = problem {
            return Err(Diagnostic::error(
                span,
                format!(
                    "a loop or a FUNCTION_TABLE read in a block solved implicitly must come \
                     before its equations and read no STATE, but this statement {why}"
                ),
            )
            .with_label(format!("this statement {why}"))
            .with_note(
                "the loop (or table read) and what comes before it run once, before the Newton \
                 iterations, with the values of the step's start",
            )
            .into());
        }
    }
    Ok((prologue, rest))
}

/// The equations of `body`.
fn equations_of(m: &mut Module, body: &[Stmt]) -> Result<Equations, Diagnostics> {
    let mut cx = Collect {
        states: vec![],
        rates: HashMap::new(),
        volume: HashMap::new(),
        conserve: vec![],
        residuals: vec![],
    };
    let mut env = HashMap::new();
    cx.stmts(m, body, &mut env, false)?;
    let mut rates = Vec::with_capacity(cx.states.len());
    for &s in &cx.states {
        let r = cx
            .rates
            .get(&s)
            .copied()
            .unwrap_or_else(|| m.exprs.num(0.0));
        // A state no reaction moves keeps the rate 0 rather than `0/volume`.
        let r = match cx.volume.get(&s) {
            Some(&v) if m.exprs.as_num(r) != Some(0.0) => build::div(&mut m.exprs, r, v),
            _ => r,
        };
        rates.push(r);
    }
    let mut conserve = Vec::new();
    for (terms, total, span) in cx.conserve {
        let mut sum = m.exprs.num(0.0);
        for t in &terms {
            // nocmodl writes the law's matrix row as `coefficient * compartment` for each state:
            // what is conserved is the amount in each COMPARTMENT, not the concentration.
            let x = m.exprs.var(t.var);
            let c = m.exprs.num(f64::from(t.coef));
            let mut term = build::mul(&mut m.exprs, c, x);
            if let Some(&v) = cx.volume.get(&t.var) {
                term = build::mul(&mut m.exprs, term, v);
            }
            sum = build::add(&mut m.exprs, sum, term);
        }
        let residual = build::sub(&mut m.exprs, sum, total);
        let replaced = terms
            .iter()
            .rev()
            .filter_map(|t| cx.states.iter().position(|&s| s == t.var))
            .find(|i| !conserve.iter().any(|&(j, _)| j == *i));
        match replaced {
            Some(i) => conserve.push((i, residual)),
            None => {
                return Err(Diagnostic::error(
                    span,
                    "CONSERVE names no state whose equation it can replace",
                )
                .into());
            }
        }
    }
    Ok(Equations {
        states: cx.states,
        rates,
        conserve,
        residuals: cx.residuals,
    })
}

struct Collect {
    states: Vec<VarId>,
    rates: HashMap<VarId, ExprId>,
    volume: HashMap<VarId, ExprId>,
    conserve: Vec<(Vec<Term>, ExprId, Span)>,
    residuals: Vec<ExprId>,
}

impl Collect {
    fn state(&mut self, m: &Module, v: VarId) -> bool {
        if m.var(v).kind != VarKind::State {
            return false;
        }
        if !self.states.contains(&v) {
            self.states.push(v);
        }
        true
    }

    fn add_rate(&mut self, m: &mut Module, s: VarId, term: ExprId) {
        let r = match self.rates.get(&s) {
            Some(&r) => build::add(&mut m.exprs, r, term),
            None => term,
        };
        self.rates.insert(s, r);
    }

    fn stmts(
        &mut self,
        m: &mut Module,
        stmts: &[Stmt],
        env: &mut HashMap<VarId, ExprId>,
        in_branch: bool,
    ) -> Result<(), Diagnostics> {
        for s in stmts {
            let subst = |m: &mut Module, e: ExprId, env: &HashMap<VarId, ExprId>| {
                substitute(&mut m.exprs, e, env)
            };
            match &s.kind {
                StmtKind::Assign { var, value } => {
                    let v = subst(m, *value, env);
                    env.insert(*var, v);
                }
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let c = subst(m, *cond, env);
                    let mut a = env.clone();
                    self.stmts(m, then, &mut a, true)?;
                    let mut b = env.clone();
                    self.stmts(m, otherwise, &mut b, true)?;
                    let keys: std::collections::BTreeSet<VarId> =
                        a.keys().chain(b.keys()).copied().collect();
                    for k in keys {
                        let x = m.exprs.var(k);
                        let (ta, tb) = (
                            a.get(&k).copied().unwrap_or(x),
                            b.get(&k).copied().unwrap_or(x),
                        );
                        let merged = if ta == tb {
                            ta
                        } else {
                            build::select(&mut m.exprs, c, ta, tb)
                        };
                        env.insert(k, merged);
                    }
                }
                _ if in_branch => {
                    return Err(Diagnostic::error(s.span, "an equation inside if/else cannot be solved implicitly")
                        .with_note("move the equation out of the branch, choosing its terms with if/else assignments")
                        .into());
                }
                StmtKind::Ode { state, rhs } => {
                    self.state(m, *state);
                    let r = subst(m, *rhs, env);
                    self.rates.insert(*state, r);
                }
                StmtKind::Reaction {
                    lhs,
                    rhs,
                    forward,
                    backward,
                } => {
                    let kf = subst(m, *forward, env);
                    let mut flux = mass_action(m, kf, lhs);
                    if let Some(kb) = backward {
                        let kb = subst(m, *kb, env);
                        let back = mass_action(m, kb, rhs);
                        flux = build::sub(&mut m.exprs, flux, back);
                    }
                    for (terms, sign) in [(lhs, -1.0), (rhs, 1.0)] {
                        for t in terms {
                            if self.state(m, t.var) {
                                let c = m.exprs.num(sign * f64::from(t.coef));
                                let term = build::mul(&mut m.exprs, c, flux);
                                self.add_rate(m, t.var, term);
                            }
                        }
                    }
                }
                StmtKind::Flux { state, flux } => {
                    if self.state(m, *state) {
                        let f = subst(m, *flux, env);
                        self.add_rate(m, *state, f);
                    }
                }
                StmtKind::Compartment { volume, states } => {
                    let v = subst(m, *volume, env);
                    for &s in states {
                        self.state(m, s);
                        self.volume.insert(s, v);
                    }
                }
                StmtKind::Conserve { terms, total } => {
                    for t in terms {
                        self.state(m, t.var);
                    }
                    let total = subst(m, *total, env);
                    self.conserve.push((terms.clone(), total, s.span));
                }
                StmtKind::While { .. } | StmtKind::Loop { .. } => {
                    return Err(Diagnostic::error(
                        s.span,
                        "a loop in a block solved implicitly is not supported",
                    )
                    .into());
                }
                StmtKind::TableRead { .. } => {
                    return Err(Diagnostic::error(
                        s.span,
                        "unsupported construct: a FUNCTION_TABLE read after an equation of a \
                         block solved implicitly",
                    )
                    .with_note(
                        "a table read of a block solved implicitly runs once before the Newton \
                         iterations: it must come before the equations and read no STATE",
                    )
                    .into());
                }
                StmtKind::VectorRead { .. } => {
                    return Err(Diagnostic::error(
                        s.span,
                        "a read of the instance's vector in a block solved implicitly is not \
                         supported",
                    )
                    .into());
                }
                StmtKind::GetElement { .. } | StmtKind::SetElement { .. } => {
                    return Err(Diagnostic::error(
                        s.span,
                        "an array element at an index known only at run time in a block \
                         solved implicitly is not supported",
                    )
                    .into());
                }
                StmtKind::Equation { lhs, rhs } => {
                    let (l, r) = (subst(m, *lhs, env), subst(m, *rhs, env));
                    let residual = build::sub(&mut m.exprs, l, r);
                    // The unknowns are the STATEs the equations read, equation by equation.
                    for v in crate::sym::free_vars(&m.exprs, residual) {
                        self.state(m, v);
                    }
                    self.residuals.push(residual);
                }
                StmtKind::Solve { .. }
                | StmtKind::ForNetcons { .. }
                | StmtKind::NetSend { .. }
                | StmtKind::NetEvent { .. }
                | StmtKind::NetMove { .. }
                | StmtKind::Watch { .. } => {
                    return Err(Diagnostic::error(
                        s.span,
                        "this statement cannot appear in a block solved implicitly",
                    )
                    .into());
                }
            }
        }
        Ok(())
    }
}

fn mass_action(m: &mut Module, rate: ExprId, terms: &[Term]) -> ExprId {
    let mut flux = rate;
    for t in terms {
        let x = m.exprs.var(t.var);
        let c = m.exprs.num(f64::from(t.coef));
        let p = build::pow(&mut m.exprs, x, c);
        flux = build::mul(&mut m.exprs, flux, p);
    }
    flux
}

/// The assignments of a block (if/else kept), without its equations: run after an implicit solve,
/// they leave the block's ASSIGNED variables at their values for the new states, as in NEURON.
pub fn assignments(stmts: &[Stmt]) -> Vec<Stmt> {
    stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Assign { .. } => Some(s.clone()),
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => Some(Stmt {
                kind: StmtKind::If {
                    cond: *cond,
                    then: assignments(then),
                    otherwise: assignments(otherwise),
                },
                span: s.span,
            }),
            _ => None,
        })
        .collect()
}
