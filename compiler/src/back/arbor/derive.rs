//! The continuous tangent equations of a lowered module, for the Arbor back end.
//!
//! Unlike the `tangent` pass, which differentiates the update maps of NEURON's scheme exactly,
//! this differentiates the equations themselves: each ODE `s' = f(v, s, θ)` gets the sensitivity
//! ODE `σ' = f_v S + f_s σ + f_θ` (left for Arbor's own solver to integrate), and the BREAKPOINT
//! currents get their tangents `dI = I_v S + I_s σ + I_θ` and their conductance `g = I_v`, from
//! which the emitted mechanism advances the tangent `S = dv/dθ` of the membrane potential.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Builtin, ExprId, Module, Scope, Stmt, StmtKind, VarId, VarKind, Variable};
use crate::passes::jvp::{Tangents, jvp};
use crate::sym::tangent;

/// One direction of differentiation: a parameter of some mechanism (perhaps another one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Direction {
    /// The mechanism that owns the parameter.
    pub mech: String,
    /// The parameter's name.
    pub param: String,
}

impl Direction {
    /// The suffix that names this direction in emitted identifiers: `<mech>_<param>`.
    pub fn tag(&self) -> String {
        format!("{}_{}", self.mech, self.param)
    }

    /// The ion species that carries dv/dθ along this direction.
    pub fn ion(&self) -> String {
        format!("dv_{}", self.tag())
    }
}

/// The variables a direction adds to a module: its v tangent (the ion's diffusive
/// concentration) and one tangent per state.
#[derive(Clone, Debug)]
pub struct DirVars {
    /// `dv_<mech>_<param>d`, the diffusive concentration holding dv/dθ times the CV's scale
    /// `gm_pre` (see [`super::PRE_PARAM`]).
    pub s: VarId,
    /// The PARAMETER `gm_pre`: dv/dθ is `s / pre`.
    pub pre: VarId,
    /// The tangent of each state (and written concentration), by the state.
    pub sigma: Vec<(VarId, VarId)>,
    /// The parameter of this module being differentiated, if it is one of its own.
    pub own: Option<VarId>,
}

/// The variables that the module integrates: its STATEs and the concentrations it writes
/// through an ODE.
pub fn integrated(m: &Module) -> Vec<VarId> {
    let mut out = m.states();
    if let Some(d) = derivative_block(m) {
        for s in &m.block(d).body {
            if let StmtKind::Ode { state, .. } = s.kind
                && !out.contains(&state)
            {
                out.push(state);
            }
        }
    }
    out
}

/// The DERIVATIVE block that BREAKPOINT solves, if any.
pub fn derivative_block(m: &Module) -> Option<crate::ir::BlockId> {
    let bp = m.breakpoint?;
    m.block(bp).body.iter().find_map(|s| match s.kind {
        StmtKind::Solve { block, .. } => Some(block),
        _ => None,
    })
}

/// ASSIGNED variables that carry a value from INITIAL or DERIVATIVE into BREAKPOINT (a gate
/// `minf` computed with the rates and read by the current): their tangents are kept like the
/// states'.
pub fn carried(m: &Module) -> Vec<VarId> {
    let mut written = vec![];
    for b in [m.initial, derivative_block(m)].into_iter().flatten() {
        for s in &m.block(b).body {
            s.for_each_stmt(&mut |x| {
                if let StmtKind::Assign { var, .. } = x.kind
                    && m.var(var).kind == VarKind::Assigned
                    && !m.nonspecific.contains(&var)
                    && !written.contains(&var)
                {
                    written.push(var);
                }
            });
        }
    }
    let reads = |b: crate::ir::BlockId| {
        let mut read = vec![];
        for s in &m.block(b).body {
            s.for_each_stmt(&mut |x| {
                x.for_each_expr(&mut |e| read.extend(crate::sym::free_vars(&m.exprs, e)))
            });
        }
        read
    };
    let read = m.breakpoint.map(reads).unwrap_or_default();
    // A value INITIAL sets and the states' block or NET_RECEIVE reads (a temperature factor
    // made from a parameter) carries its tangent there too, unless that block sets it first.
    let mut later = derivative_block(m).map(reads).unwrap_or_default();
    if let Some(nr) = &m.net_receive {
        later.extend(reads(nr.body));
    }
    let set_by_block = |v: VarId| {
        derivative_block(m).is_some_and(|d| {
            let mut set = false;
            for s in &m.block(d).body {
                s.for_each_stmt(&mut |x| {
                    set |= matches!(x.kind, StmtKind::Assign { var, .. } if var == v)
                });
            }
            set
        })
    };
    written.retain(|&v| read.contains(&v) || (later.contains(&v) && !set_by_block(v)));
    written
}

/// Adds the variables of every direction to `m`; `pre` is the PARAMETER by which each species
/// holds dv/dθ scaled, and `carry` lists further values whose tangents are kept in STATEs (the
/// working copies of assigned PARAMETERs).
pub fn add_direction_vars(
    m: &mut Module,
    dirs: &[Direction],
    pre: VarId,
    carry: &[VarId],
) -> Vec<DirVars> {
    let mut states = integrated(m);
    for v in carried(m).into_iter().chain(carry.iter().copied()) {
        if !states.contains(&v) {
            states.push(v);
        }
    }
    dirs.iter()
        .map(|d| {
            let span = m.span;
            let s_name = format!("{}d", d.ion());
            let s = m.add_var(Variable::new(s_name, VarKind::Assigned, Scope::Range, span));
            let sigma = states
                .iter()
                .map(|&x| {
                    let name = m.fresh_var_name(&format!("d{}_{}", m.var(x).name, d.tag()));
                    let var = Variable::new(name, VarKind::State, Scope::Range, m.var(x).span);
                    (x, m.add_var(var))
                })
                .collect();
            let own = if d.mech == m.name {
                m.lookup(&d.param)
                    .filter(|&p| m.var(p).kind == VarKind::Parameter)
            } else {
                None
            };
            DirVars { s, pre, sigma, own }
        })
        .collect()
}

/// dv/dθ as an expression: the species' value over the CV's scale.
pub fn s_value(m: &mut Module, dv: &DirVars) -> ExprId {
    let (x, pre) = (m.exprs.var(dv.s), m.exprs.var(dv.pre));
    m.exprs.binary(crate::ir::BinOp::Div, x, pre)
}

/// The seeds of one direction: v moves with S, states with σ, the own parameter at rate one.
fn seeds(m: &mut Module, dv: &DirVars, with_states: bool, with_v: bool) -> Tangents {
    let mut t = Tangents::new();
    if with_v && let Some(v) = m.builtin(Builtin::V) {
        let e = s_value(m, dv);
        t.insert(v, e);
    }
    if with_states {
        for &(x, sx) in &dv.sigma {
            let e = m.exprs.var(sx);
            t.insert(x, e);
        }
    }
    if let Some(p) = dv.own {
        let one = m.exprs.num(1.0);
        t.insert(p, one);
    }
    t
}

/// Runs [`jvp`] over `body` once per seed set and merges the results into one statement list in
/// which every primal statement appears once, preceded by the tangent statements of every
/// direction that belong before it. Returns the list and the tangents at its end.
pub fn jvp_many(
    m: &mut Module,
    body: &[Stmt],
    seeds: Vec<Tangents>,
    prefixes: &[String],
) -> Result<(Vec<Stmt>, Vec<Tangents>), Diagnostics> {
    // Without directions the statements are the primal ones alone.
    if seeds.is_empty() {
        return Ok((body.to_vec(), vec![]));
    }
    let first_new = m.vars.len();
    let mut outs = Vec::new();
    let mut ends = Vec::new();
    for (mut t, prefix) in seeds.into_iter().zip(prefixes) {
        outs.push(jvp(m, body.to_vec(), &mut t, prefix)?);
        ends.push(t);
    }
    let is_tangent =
        |s: &Stmt| matches!(s.kind, StmtKind::Assign { var, .. } if var.index() >= first_new);
    Ok((merge(outs, &is_tangent), ends))
}

/// Merges the outputs of [`jvp`] for several directions over the same statements.
fn merge(outs: Vec<Vec<Stmt>>, is_tangent: &dyn Fn(&Stmt) -> bool) -> Vec<Stmt> {
    // Splits one output into the tangent statements before each primal statement, the primal
    // statements, and the tangent statements after the last one.
    let split = |stmts: Vec<Stmt>| {
        let mut groups: Vec<Vec<Stmt>> = vec![vec![]];
        let mut primals = vec![];
        for s in stmts {
            if is_tangent(&s) {
                groups.last_mut().expect("a group").push(s);
            } else {
                primals.push(s);
                groups.push(vec![]);
            }
        }
        (groups, primals)
    };
    let mut parts: Vec<_> = outs.into_iter().map(split).collect();
    let n = parts.first().map_or(0, |p| p.1.len());
    let mut out = Vec::new();
    for i in 0..=n {
        for part in parts.iter_mut() {
            out.append(&mut part.0[i]);
        }
        if i == n {
            break;
        }
        let versions: Vec<Stmt> = parts.iter().map(|p| p.1[i].clone()).collect();
        let first = versions[0].clone();
        match first.kind {
            StmtKind::If { cond, .. } => {
                let mut thens = vec![];
                let mut others = vec![];
                for v in versions {
                    if let StmtKind::If {
                        then, otherwise, ..
                    } = v.kind
                    {
                        thens.push(then);
                        others.push(otherwise);
                    }
                }
                out.push(Stmt {
                    kind: StmtKind::If {
                        cond,
                        then: merge(thens, is_tangent),
                        otherwise: merge(others, is_tangent),
                    },
                    span: first.span,
                });
            }
            _ => out.push(first),
        }
    }
    out
}

/// The tangents of the right-hand side of every ODE of `odes`, along each direction.
pub fn ode_tangents(
    m: &mut Module,
    odes: &[(VarId, ExprId)],
    ends: &[Tangents],
) -> Vec<Vec<ExprId>> {
    ends.iter()
        .map(|t| {
            let rhs: Vec<ExprId> = odes.iter().map(|&(_, r)| r).collect();
            let t = t.clone();
            tangent(&mut m.exprs, &rhs, &|v| t.get(&v).copied())
        })
        .collect()
}

/// An ODE `state' = rhs`.
pub type Ode = (VarId, ExprId);

/// The statements of a block split into its assignments and its ODEs; ODEs must come last and not
/// sit inside if/else.
pub fn split_odes(m: &Module, body: &[Stmt]) -> Result<(Vec<Stmt>, Vec<Ode>), Diagnostics> {
    let mut assigns = vec![];
    let mut odes = vec![];
    for s in body {
        match &s.kind {
            StmtKind::Ode { state, rhs } => odes.push((*state, *rhs)),
            StmtKind::Assign { .. } | StmtKind::If { .. } if odes.is_empty() => {
                let mut nested_ode = false;
                s.for_each_stmt(&mut |x| nested_ode |= matches!(x.kind, StmtKind::Ode { .. }));
                if nested_ode {
                    return Err(unsupported(m, s, "an ODE inside if/else").into());
                }
                assigns.push(s.clone());
            }
            StmtKind::Assign { .. } | StmtKind::If { .. } => {
                return Err(unsupported(m, s, "an assignment after an ODE").into());
            }
            _ => return Err(unsupported(m, s, statement_name(&s.kind)).into()),
        }
    }
    Ok((assigns, odes))
}

/// The NMODL name of a statement kind, for error messages.
pub fn statement_name(k: &StmtKind) -> &'static str {
    match k {
        StmtKind::Assign { .. } => "an assignment",
        StmtKind::Ode { .. } => "an ODE",
        StmtKind::Reaction { .. } => "a reaction (KINETIC `~`)",
        StmtKind::Flux { .. } => "a flux (KINETIC `<<`)",
        StmtKind::Conserve { .. } => "CONSERVE",
        StmtKind::Compartment { .. } => "COMPARTMENT",
        StmtKind::Equation { .. } => "an equation (LINEAR/NONLINEAR `~`)",
        StmtKind::If { .. } => "if/else",
        StmtKind::While { .. } => "a while loop",
        StmtKind::Loop { .. } => "a FROM loop with bounds known only at run time",
        StmtKind::GetElement { .. } | StmtKind::SetElement { .. } => {
            "an array element at an index known only at run time"
        }
        StmtKind::VectorRead { .. } => "a read of the instance's vector (VecStim)",
        StmtKind::TableRead { .. } => "a FUNCTION_TABLE",
        StmtKind::Solve { .. } => "SOLVE",
        StmtKind::NetSend { .. } => "net_send",
        StmtKind::ForNetcons { .. } => "FOR_NETCONS",
        StmtKind::NetEvent { .. } => "net_event",
        StmtKind::NetMove { .. } => "net_move",
        StmtKind::Watch { .. } => "WATCH",
    }
}

/// An error for a construct the Arbor back end does not translate, located at the statement.
pub fn unsupported(m: &Module, s: &Stmt, what: &str) -> Diagnostic {
    Diagnostic::error(
        s.span,
        format!(
            "{what} is not supported by the Arbor back end (mechanism `{}`)",
            m.name
        ),
    )
}

/// The seeds of every direction for INITIAL (v and states start independent of θ), for the
/// equations (v, states and parameters move) and for the conductance (v at rate one).
pub fn initial_seeds(m: &mut Module, dvs: &[DirVars]) -> Vec<Tangents> {
    dvs.iter().map(|d| seeds(m, d, false, false)).collect()
}

/// The seeds of every direction for the equations: v moves with S, states with σ.
pub fn equation_seeds(m: &mut Module, dvs: &[DirVars]) -> Vec<Tangents> {
    dvs.iter().map(|d| seeds(m, d, true, true)).collect()
}

/// The seed of v alone at rate one (for the conductance dI/dv).
pub fn conductance_seed(m: &mut Module) -> Tangents {
    let mut t: Tangents = HashMap::new();
    if let Some(v) = m.builtin(Builtin::V) {
        let one = m.exprs.num(1.0);
        t.insert(v, one);
    }
    t
}

/// The step Arbor 0.12's `cnexp` takes for `x' = a x + b` (modcc's code: the (1,1) Padé
/// approximant of the exponential, not the exponential that NEURON's cnexp uses):
/// `x + (1 - (2 + dt a)/(2 - dt a)) (-b/a - x)`, or `x + dt b` where a is zero. An equation not
/// linear in its own state is an error, as in modcc.
pub fn arbor_cnexp(
    m: &mut Module,
    odes: &[Ode],
    dt: VarId,
    span: crate::diag::Span,
) -> Result<Vec<Stmt>, Diagnostics> {
    use crate::sym::{build, depends_on, is_linear_in};
    let mut out = vec![];
    for &(x, rhs) in odes {
        let Some((a, b)) = is_linear_in(&mut m.exprs, rhs, x)
            .filter(|&(a, b)| !depends_on(&m.exprs, a, x) && !depends_on(&m.exprs, b, x))
        else {
            let name = &m.var(x).name;
            return Err(Diagnostic::error(
                span,
                format!("the equation for `{name}'` is not linear in `{name}`, which Arbor's cnexp needs"),
            )
            .into());
        };
        let ar = &mut m.exprs;
        let xv = ar.var(x);
        let dt = ar.var(dt);
        let value = if ar.as_num(a) == Some(0.0) {
            let step = build::mul(ar, dt, b);
            build::add(ar, xv, step)
        } else {
            let dta = build::mul(ar, dt, a);
            let two = ar.num(2.0);
            let num = build::add(ar, two, dta);
            let den = build::sub(ar, two, dta);
            let pade = build::div(ar, num, den);
            let one = ar.num(1.0);
            let factor = build::sub(ar, one, pade);
            let target = if ar.as_num(b) == Some(0.0) {
                ar.num(0.0)
            } else {
                let ratio = build::div(ar, b, a);
                build::neg(ar, ratio)
            };
            let gap = build::sub(ar, target, xv);
            let step = build::mul(ar, factor, gap);
            build::add(ar, xv, step)
        };
        out.push(Stmt {
            kind: StmtKind::Assign { var: x, value },
            span,
        });
    }
    Ok(out)
}

/// Rewrites DERIVATIVE block `d` of `m` so that its ODEs come last, for a block that assigns
/// after an ODE (the rates of the next gate in the same LOCALs, as in hh): each ODE
/// `x' = a x + b`, which Arbor's cnexp needs linear in x, is written `x' = gm_a_x x + gm_b_x`
/// with LOCALs that hold a and b as they are where the ODE stands. An assignment after an ODE
/// that reads the state that ODE advances (which sees the new value in NEURON and modcc) is
/// rejected by name. A block without assignments after its ODEs is left as it is.
pub fn hoist_odes(m: &mut Module, d: crate::ir::BlockId) -> Result<(), Diagnostics> {
    use crate::sym::{build, depends_on, is_linear_in};
    let body = m.block(d).body.clone();
    let mut seen_ode = false;
    let mut late = false;
    for s in &body {
        match s.kind {
            StmtKind::Ode { .. } => seen_ode = true,
            _ if seen_ode => late = true,
            _ => {}
        }
    }
    if !late {
        return Ok(());
    }
    let mut out = vec![];
    let mut odes = vec![];
    let mut advanced: Vec<VarId> = vec![];
    for s in body {
        match s.kind {
            StmtKind::Ode { state, rhs } => {
                let Some((a, b)) = is_linear_in(&mut m.exprs, rhs, state).filter(|&(a, b)| {
                    !depends_on(&m.exprs, a, state) && !depends_on(&m.exprs, b, state)
                }) else {
                    let name = &m.var(state).name;
                    return Err(Diagnostic::error(
                        s.span,
                        format!(
                            "the equation for `{name}'` is not linear in `{name}`, which Arbor's \
                             cnexp needs"
                        ),
                    )
                    .into());
                };
                let mut hold = |m: &mut Module, prefix: &str, e: ExprId| {
                    if m.exprs.as_num(e).is_some() {
                        return e;
                    }
                    let name = m.fresh_var_name(&format!("{prefix}_{}", m.var(state).name));
                    let v = m.add_var(Variable::new(name, VarKind::Local, Scope::Range, s.span));
                    out.push(Stmt {
                        kind: StmtKind::Assign { var: v, value: e },
                        span: s.span,
                    });
                    m.exprs.var(v)
                };
                let a = hold(m, "gm_a", a);
                let b = hold(m, "gm_b", b);
                let x = m.exprs.var(state);
                let ax = build::mul(&mut m.exprs, a, x);
                let rhs = build::add(&mut m.exprs, ax, b);
                odes.push(Stmt {
                    kind: StmtKind::Ode { state, rhs },
                    span: s.span,
                });
                advanced.push(state);
            }
            _ => {
                let mut reads = None;
                s.for_each_stmt(&mut |x| {
                    x.for_each_expr(&mut |e| {
                        for v in crate::sym::free_vars(&m.exprs, e) {
                            if advanced.contains(&v) && reads.is_none() {
                                reads = Some(v);
                            }
                        }
                    })
                });
                if let Some(v) = reads {
                    return Err(unsupported(
                        m,
                        &s,
                        &format!(
                            "an assignment after the ODE of `{}` that reads it (the value the \
                             ODE's step leaves)",
                            m.var(v).name
                        ),
                    )
                    .into());
                }
                out.push(s);
            }
        }
    }
    out.extend(odes);
    m.blocks[d.index()].body = out;
    Ok(())
}
