//! Kinetic schemes for the Arbor back end: a KINETIC block, or a DERIVATIVE block solved with
//! METHOD sparse, written with its tangents as one KINETIC block that modcc's `sparse` solves.
//!
//! modcc solves a KINETIC block by one backward Euler step, `(I - dt A) x' = x`, a linear solve
//! (or, for STEADYSTATE in INITIAL, `A x = 0`), with each CONSERVE replacing the row of its first
//! state by the law. It needs the equations homogeneous and linear in the states, so a scheme
//! `x' = J x + c` is written with a STATE `gm_one` that stays 1 (`gm_one' = 0`): `x' = J x + c
//! gm_one`. The tangent σ = dx/dθ of the step along a direction satisfies the derivative of that
//! step, `(I - dt J) σ' = σ + dt (dJ x' + dc)` (dJ the tangent of J along θ, through v at the end
//! of the step and θ itself), which is backward Euler on `σ' = J σ + dJ x + dc gm_one`: written as
//! further equations of the same block, modcc's one solve of the joint system gives the states
//! and the exact derivative of their step. A CONSERVE `Σ w x = T` gets its tangent law
//! `Σ w σ = dT`, which replaces the matching row of σ.
//!
//! The rates (J and c) must not depend on the scheme's states: a nonlinear scheme (a reaction
//! with two reactants, a rate that reads a state) is rejected by name, since modcc would solve it
//! by a fixed number of Newton iterations whose derivative is not the tangent solve.

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::ir::{
    Block, BlockId, BlockKind, ExprId, Module, Scope, SolveMethod, Stmt, StmtKind, VarId, VarKind,
    Variable,
};
use crate::passes::jvp::Tangents;
use crate::sym::{build, depends_on, substitute, tangent};

use super::derive::{self, DirVars};

/// A linear kinetic scheme `x' = J x + c`, with its conservation laws.
pub(super) struct Scheme {
    /// The states, in the order of their equations.
    pub states: Vec<VarId>,
    /// `J[i][j]`, the derivative of the rate of state i in state j.
    jac: Vec<Vec<ExprId>>,
    /// The constant part of each rate.
    konst: Vec<ExprId>,
    /// The CONSERVE laws.
    laws: Vec<Law>,
    /// The COMPARTMENT volume of each state, if it has one.
    volume: Vec<Option<ExprId>>,
}

/// A law `Σ w x = total`, with the state whose equation it replaces first.
struct Law {
    terms: Vec<(VarId, u32)>,
    total: ExprId,
}

/// Reads block `id` (KINETIC, or DERIVATIVE solved with sparse) as a linear scheme, or says why
/// it is not one, at the block.
pub(super) fn scheme(m: &mut Module, id: BlockId) -> Result<Scheme, Diagnostics> {
    let span = m.block(id).span;
    let body = m.block(id).body.clone();
    let name = m.block(id).name.clone();
    for s in &body {
        let mut bad = None;
        s.for_each_stmt(&mut |x| {
            let ok = matches!(
                x.kind,
                StmtKind::Assign { .. }
                    | StmtKind::If { .. }
                    | StmtKind::Ode { .. }
                    | StmtKind::Reaction { .. }
                    | StmtKind::Flux { .. }
                    | StmtKind::Conserve { .. }
                    | StmtKind::Compartment { .. }
            );
            if !ok && bad.is_none() {
                bad = Some((x.span, super::derive::statement_name(&x.kind)));
            }
        });
        if let Some((at, what)) = bad {
            return Err(Diagnostic::error(
                at,
                format!(
                    "{what} in a kinetic scheme is not supported by the Arbor back end \
                     (mechanism `{}`)",
                    m.name
                ),
            )
            .into());
        }
    }
    let eqs = crate::passes::equations::equations(m, id)?;
    if !eqs.residuals.is_empty() {
        return Err(Diagnostic::error(
            span,
            "LINEAR/NONLINEAR equations are not supported by the Arbor back end",
        )
        .into());
    }
    let n = eqs.states.len();
    let zeros: std::collections::HashMap<VarId, ExprId> =
        eqs.states.iter().map(|&x| (x, m.exprs.num(0.0))).collect();
    // Other STATEs are inputs like v: their tangents enter dJ.
    let all_states = eqs.states.clone();
    let mut jac = Vec::with_capacity(n);
    let mut konst = Vec::with_capacity(n);
    for (i, &rate) in eqs.rates.iter().enumerate() {
        let mut row = Vec::with_capacity(n);
        for &xj in &eqs.states {
            let one = m.exprs.num(1.0);
            let d = tangent(&mut m.exprs, &[rate], &|v| (v == xj).then_some(one))[0];
            row.push(d);
        }
        let c = substitute(&mut m.exprs, rate, &zeros);
        for &e in row.iter().chain([&c]) {
            if let Some(&s) = all_states.iter().find(|&&s| depends_on(&m.exprs, e, s)) {
                return Err(Diagnostic::error(
                    span,
                    format!(
                        "the kinetic scheme `{name}` is not linear in its states (the rate of \
                         `{}` depends on `{}` nonlinearly), which the Arbor back end does not \
                         support: modcc solves such a scheme by a fixed number of Newton \
                         iterations, whose derivative is not the tangent solve",
                        m.var(eqs.states[i]).name,
                        m.var(s).name
                    ),
                )
                .into());
            }
        }
        jac.push(row);
        konst.push(c);
    }
    // The laws, from the CONSERVE statements in order (equations() keeps that order).
    let mut conserves = vec![];
    for s in &body {
        if let StmtKind::Conserve { terms, .. } = &s.kind {
            conserves.push((terms.clone(), s.span));
        }
    }
    // The volumes, which modcc applies itself: it weights a CONSERVE's terms by them (the law is
    // about amounts, as in NEURON) and divides the coefficients of each state's column by its
    // volume, which the emitted coefficients therefore carry.
    let mut volume = vec![None; n];
    let v = m.builtin(crate::ir::Builtin::V);
    for s in &body {
        if let StmtKind::Compartment {
            volume: vol,
            states,
        } = &s.kind
        {
            let moves = v.is_some_and(|v| depends_on(&m.exprs, *vol, v))
                || crate::sym::free_vars(&m.exprs, *vol)
                    .iter()
                    .any(|&x| m.var(x).kind == VarKind::Local);
            if moves {
                return Err(Diagnostic::error(
                    s.span,
                    format!(
                        "a COMPARTMENT volume that depends on v or a LOCAL is not supported by \
                         the Arbor back end (mechanism `{}`)",
                        m.name
                    ),
                )
                .into());
            }
            for x in states {
                if let Some(i) = eqs.states.iter().position(|y| y == x) {
                    volume[i] = Some(*vol);
                }
            }
        }
    }
    let mut laws = vec![];
    for ((terms, _), &(replaced, residual)) in conserves.into_iter().zip(&eqs.conserve) {
        let first = eqs.states[replaced];
        let mut ordered: Vec<(VarId, u32)> = terms
            .iter()
            .filter(|t| t.var == first)
            .map(|t| (t.var, t.coef))
            .collect();
        ordered.extend(
            terms
                .iter()
                .filter(|t| t.var != first)
                .map(|t| (t.var, t.coef)),
        );
        let at_zero = substitute(&mut m.exprs, residual, &zeros);
        let total = build::neg(&mut m.exprs, at_zero);
        laws.push(Law {
            terms: ordered,
            total,
        });
    }
    Ok(Scheme {
        states: eqs.states,
        jac,
        konst,
        laws,
        volume,
    })
}

/// Fails when a COMPARTMENT volume depends on a parameter being differentiated (the volumes'
/// tangents are not carried).
fn check_volumes(m: &Module, scheme: &Scheme, dvs: &[DirVars]) -> Result<(), Diagnostics> {
    for dv in dvs {
        let Some(p) = dv.own else { continue };
        if scheme
            .volume
            .iter()
            .flatten()
            .any(|&v| depends_on(&m.exprs, v, p))
        {
            return Err(Diagnostic::error(
                m.var(p).span,
                format!(
                    "differentiating along `{}`, on which a COMPARTMENT volume depends, is not \
                     supported by the Arbor back end (mechanism `{}`)",
                    m.var(p).name,
                    m.name
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// The statements and CONSERVE lines of the KINETIC block that solves `scheme` and its tangents
/// along every direction: `seeds` holds, per direction, the tangents of the rates' inputs (v,
/// the parameter, ...), `one` is the STATE that stays 1. For a steady state (`steady`), the law
/// `gm_one = 1` is added, which fixes that STATE in modcc's `A x = 0`.
pub(super) fn system(
    m: &mut Module,
    scheme: &Scheme,
    dvs: &[DirVars],
    seeds: &[Tangents],
    one: VarId,
    steady: bool,
    span: Span,
) -> (Vec<Stmt>, Vec<String>) {
    let mut stmts = vec![];
    let n = scheme.states.len();
    // A rate coefficient as an operand: a number as it is, anything else in a LOCAL.
    let local = |m: &mut Module, stmts: &mut Vec<Stmt>, name: &str, e: ExprId| {
        if m.exprs.as_num(e).is_some() {
            return e;
        }
        let name = m.fresh_var_name(name);
        let v = m.add_var(Variable::new(name, VarKind::Local, Scope::Range, span));
        stmts.push(assign(v, e, span));
        m.exprs.var(v)
    };
    // A column's coefficient times its state's volume, which modcc divides by.
    let scaled = |m: &mut Module, j: usize, e: ExprId| match scheme.volume[j] {
        Some(vol) => build::mul(&mut m.exprs, e, vol),
        None => e,
    };
    let mut a = vec![];
    let mut c = vec![];
    for (i, row) in scheme.jac.iter().enumerate() {
        let mut out = vec![];
        for (j, &e) in row.iter().enumerate() {
            let e = scaled(m, j, e);
            out.push(local(m, &mut stmts, &format!("gm_a_{i}_{j}"), e));
        }
        a.push(out);
        c.push(local(m, &mut stmts, &format!("gm_c_{i}"), scheme.konst[i]));
    }
    let one_e = m.exprs.var(one);
    // The primal equations.
    let mut odes = vec![];
    for i in 0..n {
        let xs: Vec<ExprId> = scheme.states.iter().map(|&x| m.exprs.var(x)).collect();
        let rhs = linear(m, &a[i], &xs, c[i], one_e);
        odes.push(ode(scheme.states[i], rhs, span));
    }
    let zero = m.exprs.num(0.0);
    odes.push(ode(one, zero, span));
    let mut lines = vec![];
    let mut compartments: Vec<(ExprId, Vec<VarId>)> = vec![];
    for (i, vol) in scheme.volume.iter().enumerate() {
        let Some(vol) = *vol else { continue };
        let mut group = vec![scheme.states[i]];
        for dv in dvs {
            group.extend(
                dv.sigma
                    .iter()
                    .filter(|&&(x, _)| x == scheme.states[i])
                    .map(|&(_, s)| s),
            );
        }
        match compartments.iter_mut().find(|(v, _)| *v == vol) {
            Some((_, states)) => states.extend(group),
            None => compartments.push((vol, group)),
        }
    }
    for (vol, states) in &compartments {
        let names: Vec<&str> = states.iter().map(|&x| m.var(x).name.as_str()).collect();
        let vol = crate::sym::to_nmodl(&m.exprs, *vol, &|v: VarId| m.var(v).name.clone());
        lines.push(format!("COMPARTMENT ({vol}) {{{}}}", names.join(" ")));
    }
    for law in &scheme.laws {
        let total = local(m, &mut stmts, "gm_total", law.total);
        lines.push(conserve(m, &law.terms, total));
    }
    if steady {
        lines.push(format!("CONSERVE {} = 1", m.var(one).name));
    }
    // The tangent equations of each direction.
    for (k, (dv, t)) in dvs.iter().zip(seeds).enumerate() {
        let sigma = |x: VarId| dv.sigma.iter().find(|&&(y, _)| y == x).map(|&(_, s)| s);
        let sig: Vec<Option<VarId>> = scheme.states.iter().map(|&x| sigma(x)).collect();
        let Some(sig) = sig.into_iter().collect::<Option<Vec<VarId>>>() else {
            continue;
        };
        let t = t.clone();
        let seed = |v: VarId| t.get(&v).copied();
        let mut da = vec![];
        let mut dc = vec![];
        for (i, row) in scheme.jac.iter().enumerate() {
            let mut out = vec![];
            for (j, &e) in row.iter().enumerate() {
                let d = tangent(&mut m.exprs, &[e], &seed)[0];
                let d = scaled(m, j, d);
                out.push(local(m, &mut stmts, &format!("gm_da_{i}_{j}_{k}"), d));
            }
            da.push(out);
            let d = tangent(&mut m.exprs, &[scheme.konst[i]], &seed)[0];
            dc.push(local(m, &mut stmts, &format!("gm_dc_{i}_{k}"), d));
        }
        for i in 0..n {
            let ss: Vec<ExprId> = sig.iter().map(|&s| m.exprs.var(s)).collect();
            let xs: Vec<ExprId> = scheme.states.iter().map(|&x| m.exprs.var(x)).collect();
            let zero = m.exprs.num(0.0);
            let part = linear(m, &a[i], &ss, zero, one_e);
            let rhs = linear(m, &da[i], &xs, dc[i], one_e);
            let rhs = build::add(&mut m.exprs, part, rhs);
            odes.push(ode(sig[i], rhs, span));
        }
        for law in &scheme.laws {
            let d = tangent(&mut m.exprs, &[law.total], &seed)[0];
            let total = local(m, &mut stmts, &format!("gm_dtotal_{k}"), d);
            let terms: Vec<(VarId, u32)> = law
                .terms
                .iter()
                .map(|&(x, w)| {
                    (
                        sig[scheme.states.iter().position(|&y| y == x).unwrap_or(0)],
                        w,
                    )
                })
                .collect();
            lines.push(conserve(m, &terms, total));
        }
    }
    stmts.extend(odes);
    (stmts, lines)
}

/// `Σ a_j x_j + c one`, leaving out zero terms.
fn linear(m: &mut Module, a: &[ExprId], x: &[ExprId], c: ExprId, one: ExprId) -> ExprId {
    let mut acc = m.exprs.num(0.0);
    for (&aj, &xj) in a.iter().zip(x) {
        if m.exprs.as_num(aj) == Some(0.0) {
            continue;
        }
        let term = build::mul(&mut m.exprs, aj, xj);
        acc = build::add(&mut m.exprs, acc, term);
    }
    if m.exprs.as_num(c) != Some(0.0) {
        let term = build::mul(&mut m.exprs, c, one);
        acc = build::add(&mut m.exprs, acc, term);
    }
    acc
}

/// A CONSERVE line: integer coefficients before the names, the total a number or a LOCAL.
fn conserve(m: &Module, terms: &[(VarId, u32)], total: ExprId) -> String {
    let lhs: Vec<String> = terms
        .iter()
        .map(|&(x, w)| {
            let name = &m.var(x).name;
            if w == 1 {
                name.clone()
            } else {
                format!("{w}{name}")
            }
        })
        .collect();
    let total = crate::sym::to_nmodl(&m.exprs, total, &|v: VarId| m.var(v).name.clone());
    format!("CONSERVE {} = {total}", lhs.join(" + "))
}

fn assign(var: VarId, value: ExprId, span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Assign { var, value },
        span,
    }
}

fn ode(state: VarId, rhs: ExprId, span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Ode { state, rhs },
        span,
    }
}

/// The assignments and if/else of a kinetic block, without its equations: the values they leave
/// (a gate's ASSIGNED rate that BREAKPOINT reads) and their tangents are computed as in a
/// DERIVATIVE block.
pub(super) fn assignments(body: &[Stmt]) -> Vec<Stmt> {
    crate::passes::equations::assignments(body)
}

/// The KINETIC block that BREAKPOINT solves for the scheme of block `d`: `head` (the corrections
/// of dv/dθ that open it), the block's assignments and their tangents, the tangents of the
/// ASSIGNED values BREAKPOINT reads, then the joint system. Returns its statements and CONSERVE
/// lines.
pub(super) fn breakpoint_block(
    m: &mut Module,
    d: BlockId,
    dvs: &[DirVars],
    head: Vec<Stmt>,
    prefixes: &[String],
    one: VarId,
) -> Result<(Vec<Stmt>, Vec<String>), Diagnostics> {
    let span = m.block(d).span;
    let scheme = scheme(m, d)?;
    check_volumes(m, &scheme, dvs)?;
    let seeds = derive::equation_seeds(m, dvs);
    let mut body = head;
    body.extend(assignments(&m.block(d).body.clone()));
    let (mut stmts, ends) = derive::jvp_many(m, &body, seeds.clone(), prefixes)?;
    for (dv, t) in dvs.iter().zip(&ends) {
        for &(x, sx) in &dv.sigma {
            if !scheme.states.contains(&x) {
                let value = t.get(&x).copied().unwrap_or_else(|| m.exprs.num(0.0));
                stmts.push(assign(sx, value, span));
            }
        }
    }
    let (sys, lines) = system(m, &scheme, dvs, &seeds, one, false, span);
    stmts.extend(sys);
    Ok((stmts, lines))
}

/// A KINETIC block written for a SOLVE in INITIAL: its name, statements and CONSERVE lines.
pub(super) type SteadyBlock = (String, Vec<Stmt>, Vec<String>);

/// INITIAL when its body holds `SOLVE b STEADYSTATE sparse` (at its top level): the statements
/// before it and their tangents, the state tangents it reads set, the SOLVE of a new KINETIC
/// block that finds the steady state and its tangents together (v starts independent of θ), and
/// the statements after it, differentiated with the states' tangents as the solve leaves them.
/// Returns None when the body has no such SOLVE.
pub(super) fn initial(
    m: &mut Module,
    body: &[Stmt],
    dvs: &[DirVars],
    prefixes: &[String],
    one: VarId,
) -> Result<Option<(Vec<Stmt>, SteadyBlock)>, Diagnostics> {
    let Some(pos) = body.iter().position(|s| {
        matches!(
            s.kind,
            StmtKind::Solve {
                method: SolveMethod::SteadyStateSparse,
                ..
            }
        )
    }) else {
        return Ok(None);
    };
    let StmtKind::Solve { block, .. } = body[pos].kind else {
        return Ok(None);
    };
    let span = body[pos].span;
    let seeds = derive::initial_seeds(m, dvs);
    let (mut stmts, ends) = derive::jvp_many(m, &body[..pos], seeds, prefixes)?;
    let scheme = scheme(m, block)?;
    check_volumes(m, &scheme, dvs)?;
    for (dv, t) in dvs.iter().zip(&ends) {
        for &(x, sx) in &dv.sigma {
            if !scheme.states.contains(&x) {
                let value = t.get(&x).copied().unwrap_or_else(|| m.exprs.num(0.0));
                stmts.push(assign(sx, value, span));
            }
        }
    }
    // The steady block sees what is visible across blocks: the parameter, and the tangents of
    // states and carried values in their STATEs.
    let steady_seeds: Vec<Tangents> = dvs
        .iter()
        .map(|dv| {
            let mut t = Tangents::new();
            for &(x, sx) in &dv.sigma {
                let e = m.exprs.var(sx);
                t.insert(x, e);
            }
            if let Some(p) = dv.own {
                let e = m.exprs.num(1.0);
                t.insert(p, e);
            }
            t
        })
        .collect();
    let (sys, lines) = system(m, &scheme, dvs, &steady_seeds, one, true, span);
    let name = m.fresh_var_name(&format!("{}_gm_steady", m.block(block).name));
    let id = m.add_block(Block {
        name: name.clone(),
        kind: BlockKind::Kinetic,
        body: vec![],
        span,
    });
    stmts.push(Stmt {
        kind: StmtKind::Solve {
            block: id,
            method: SolveMethod::SteadyStateSparse,
        },
        span,
    });
    let post_seeds: Vec<Tangents> = dvs
        .iter()
        .zip(ends)
        .map(|(dv, mut t)| {
            for &(x, sx) in &dv.sigma {
                let e = m.exprs.var(sx);
                t.insert(x, e);
            }
            t
        })
        .collect();
    let (post, ends) = derive::jvp_many(m, &body[pos + 1..], post_seeds, prefixes)?;
    stmts.extend(post);
    for (dv, t) in dvs.iter().zip(&ends) {
        for &(x, sx) in &dv.sigma {
            let value = t.get(&x).copied().unwrap_or_else(|| m.exprs.num(0.0));
            stmts.push(assign(sx, value, span));
        }
    }
    Ok(Some((stmts, (name, sys, lines))))
}

/// Prints a KINETIC block: its COMPARTMENT lines before the first equation (modcc reads the
/// volumes as it meets the equations), its CONSERVE lines last.
pub(super) fn print_block(m: &Module, name: &str, stmts: &[Stmt], lines: &[String]) -> String {
    let text = super::print::block(m, &format!("KINETIC {name}"), &[], stmts);
    let mut out = String::new();
    let mut placed = false;
    for line in text.lines() {
        let equation =
            line.starts_with("    ") && !line.starts_with("     ") && line.contains("' = ");
        if equation && !placed {
            for l in lines.iter().filter(|l| l.starts_with("COMPARTMENT")) {
                out.push_str(&format!("    {l}\n"));
            }
            placed = true;
        }
        if line == "}" {
            for l in lines.iter().filter(|l| !l.starts_with("COMPARTMENT")) {
                out.push_str(&format!("    {l}\n"));
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
