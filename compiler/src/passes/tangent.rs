//! `tangent`: the forward-mode derivative of every kernel the runtime calls (docs/DESIGN.md, steps
//! 1'-3'), by symbolic differentiation of its statements ([`super::jvp`]).
//!
//! Inputs are the tangents of v, of the states (σ), of the parameters (the seeds dp/dθ_k), of the
//! ion variables read and of the NET_RECEIVE arguments (the values of the event's connection);
//! outputs are the tangents of the states, of
//! the currents and conductances written, and of the ion concentrations written. ASSIGNED
//! variables that carry a value from one kernel to another (a factor set in INITIAL and read in
//! NET_RECEIVE, a running value kept across steps) are treated like states: their tangents are
//! inputs and outputs of every map, so a value's dependence on θ survives the crossing. The result is
//! recorded in [`Module::tangent`]. The derivative is total: it flows through LOCALs, inlined
//! FUNCTIONs and PROCEDUREs, and if/else branches.

use crate::diag::{Diagnostic, Diagnostics};
use std::collections::HashSet;

use crate::ir::{
    Block, BlockId, BlockKind, Builtin, Expr, ExprId, IonRole, Module, Scope, Stmt, StmtKind,
    TangentMaps, VarId, VarKind, Variable, assigned_vars,
};

use super::jvp::{Tangents, jvp};

/// Runs the pass (once: a module that has tangents is left as it is).
pub fn run(m: &mut Module) -> Result<(), Diagnostics> {
    if m.tangent.is_some() {
        return Ok(());
    }
    let mut maps = TangentMaps {
        inputs: vec![],
        outputs: vec![],
        init: None,
        current: None,
        state: None,
        net_receive: None,
        net_init: None,
        for_netcons: None,
        ba: vec![],
        carried: vec![],
    };
    maps.carried = carried(m)?;
    // Inputs: v, states, parameters, ion variables read; outputs: states, currents, conductances,
    // concentrations written.
    let mut inputs: Vec<VarId> = Vec::new();
    inputs.extend(m.builtin(Builtin::V));
    inputs.extend(m.states());
    inputs.extend(m.parameters());
    for ion in &m.ions {
        // A diffusive concentration a mechanism writes is also read: Arbor's mechanisms add to
        // the value at their CV (`xd = xd + beta`), so its tangent flows through.
        let written_xd = ion.write.iter().copied().filter(|&w| {
            matches!(
                m.var(w).kind,
                VarKind::Ion {
                    role: IonRole::ConcDiff,
                    ..
                }
            )
        });
        // An ion current or concentration a mechanism writes but does not declare READ is read
        // from the ion where a block reads it before assigning it, as its value is (capmpr's
        // KINETIC reads `ica`), so its tangent is the ion's tangent.
        let written = ion.write.iter().copied().filter(|&w| {
            !matches!(
                m.var(w).kind,
                VarKind::Ion {
                    role: IonRole::Conductance | IonRole::ConcDiff,
                    ..
                }
            )
        });
        for r in ion.read.iter().copied().chain(written_xd).chain(written) {
            if !inputs.contains(&r) {
                inputs.push(r);
            }
        }
    }
    // A POINTER's tangent is the tangent of what it is bound to, which the runtime supplies.
    inputs.extend(m.pointers.iter().copied());
    // The NET_RECEIVE arguments: the values each connection keeps, the weight first.
    let args: Vec<VarId> = m
        .net_receive
        .as_ref()
        .map(|nr| nr.args.clone())
        .unwrap_or_default();
    inputs.extend(args.iter().copied());
    for &c in &maps.carried {
        if !inputs.contains(&c) {
            inputs.push(c);
        }
    }
    let mut outputs: Vec<VarId> = m.states();
    outputs.extend(maps.carried.iter().copied());
    outputs.extend(m.nonspecific.iter().copied());
    for ion in &m.ions {
        for &w in &ion.write {
            if !outputs.contains(&w) {
                outputs.push(w);
            }
        }
    }
    outputs.extend(m.conductances.iter().map(|&(_, g)| g));
    let mut tangent_of = std::collections::HashMap::new();
    for &x in inputs.iter().chain(&outputs) {
        if tangent_of.contains_key(&x) {
            continue;
        }
        let name = m.fresh_var_name(&format!("d_{}", m.var(x).name.replace(['[', ']'], "_")));
        let mut var = Variable::new(name, VarKind::Tangent(x), m.var(x).scope, m.var(x).span);
        var.scope = if m.var(x).scope == Scope::Global && m.var(x).kind == VarKind::Parameter {
            Scope::Global
        } else {
            Scope::Range
        };
        let t = m.add_var(var);
        tangent_of.insert(x, t);
    }
    maps.inputs = inputs.iter().map(|&x| (x, tangent_of[&x])).collect();
    maps.outputs = outputs.iter().map(|&x| (x, tangent_of[&x])).collect();

    // In INITIAL the states and carried ASSIGNED variables hold values no parameter moved (a
    // carried PARAMETER starts from its seed).
    let seed = |m: &mut Module, with_states: bool| -> Tangents {
        let mut t = Tangents::new();
        for &(x, dx) in &maps.inputs {
            let carried_value = maps.carried.contains(&x) && m.var(x).kind != VarKind::Parameter;
            if !with_states && (m.var(x).kind == VarKind::State || carried_value) {
                continue;
            }
            t.insert(x, m.exprs.var(dx));
        }
        t
    };

    // INITIAL: states start from constants, so their tangents start at zero. A mechanism
    // without INITIAL still gets its (empty) tangent when it carries a parameter, to store the
    // parameter's seed.
    let carries_parameter = maps
        .carried
        .iter()
        .any(|&c| m.var(c).kind == VarKind::Parameter);
    if m.initial.is_some() || carries_parameter {
        let body = match m.initial {
            Some(init) => inline_solves(m, &m.block(init).body.clone(), true)?,
            None => vec![],
        };
        // The ion variables INITIAL assigns: a concentration or reversal potential it sets is
        // what the first step starts from (TTXDynamicsSwitch sets `ttxi` only there). Those it
        // leaves alone keep the tangents the runtime holds.
        let assigned = assigned_vars(&body);
        let mut t = seed(m, false);
        let body = jvp(m, body, &mut t, "d_")?;
        let mut outs = m.states();
        outs.extend(maps.carried.iter().copied());
        for &x in &outputs {
            if matches!(m.var(x).kind, VarKind::Ion { .. })
                && assigned.contains(&x)
                && !outs.contains(&x)
            {
                outs.push(x);
            }
        }
        maps.init = Some(finish(m, "INITIAL_tangent", body, &t, &outs, &tangent_of));
    }
    // BREAKPOINT without its SOLVE: currents and conductances.
    if let Some(bp) = m.breakpoint {
        let body: Vec<Stmt> = m
            .block(bp)
            .body
            .iter()
            .filter(|s| !matches!(s.kind, StmtKind::Solve { .. }))
            .cloned()
            .collect();
        let mut t = seed(m, true);
        let body = jvp(m, body, &mut t, "d_")?;
        let outs: Vec<VarId> = outputs
            .iter()
            .copied()
            .filter(|x| m.var(*x).kind != VarKind::State)
            .collect();
        maps.current = Some(finish(
            m,
            "BREAKPOINT_tangent",
            body,
            &t,
            &outs,
            &tangent_of,
        ));
        // The state update: the SOLVEs of BREAKPOINT, in order.
        let solves: Vec<Stmt> = m
            .block(bp)
            .body
            .iter()
            .filter(|s| matches!(s.kind, StmtKind::Solve { .. }))
            .cloned()
            .collect();
        if !solves.is_empty() {
            let body = inline_solves(m, &solves, false)?;
            let mut t = seed(m, true);
            let body = jvp(m, body, &mut t, "d_")?;
            let mut outs = m.states();
            outs.extend(maps.carried.iter().copied());
            // Concentrations a state update writes (ion variables that are not states).
            outs.extend(outputs.iter().copied().filter(|&x| {
                matches!(
                    m.var(x).kind,
                    VarKind::Ion {
                        role: IonRole::ConcIn | IonRole::ConcOut | IonRole::ConcDiff,
                        ..
                    }
                )
            }));
            maps.state = Some(finish(m, "states_tangent", body, &t, &outs, &tangent_of));
        }
    }
    if let Some(nr) = m.net_receive.clone() {
        let mut outs = m.states();
        outs.extend(maps.carried.iter().copied());
        outs.extend(args.iter().copied());
        // A POINTER NET_RECEIVE writes: its tangent goes to the target with its value.
        outs.extend(m.pointers.iter().copied());
        let body = m.block(nr.body).body.clone();
        let mut t = seed(m, true);
        let body = jvp(m, body, &mut t, "d_")?;
        maps.net_receive = Some(finish(
            m,
            "NET_RECEIVE_tangent",
            body,
            &t,
            &outs,
            &tangent_of,
        ));
        if let Some(init) = nr.initial {
            let body = m.block(init).body.clone();
            let mut t = seed(m, true);
            let body = jvp(m, body, &mut t, "d_")?;
            maps.net_init = Some(finish(
                m,
                "NET_RECEIVE_INITIAL_tangent",
                body,
                &t,
                &outs,
                &tangent_of,
            ));
        }
        if let Some(each) = nr.for_netcons {
            let body = m.block(each).body.clone();
            let mut t = seed(m, true);
            let body = jvp(m, body, &mut t, "d_")?;
            maps.for_netcons = Some(finish(
                m,
                "FOR_NETCONS_tangent",
                body,
                &t,
                &outs,
                &tangent_of,
            ));
        }
    }
    // BEFORE and AFTER blocks: one instance at a time, like NET_RECEIVE, writing states,
    // carried variables, concentrations and POINTERs (whose tangents go to the target).
    for (point, block) in m.ba.clone() {
        let mut outs = m.states();
        outs.extend(maps.carried.iter().copied());
        outs.extend(m.pointers.iter().copied());
        outs.extend(outputs.iter().copied().filter(|&x| {
            matches!(
                m.var(x).kind,
                VarKind::Ion {
                    role: IonRole::ConcIn | IonRole::ConcOut | IonRole::ConcDiff,
                    ..
                }
            )
        }));
        let body = m.block(block).body.clone();
        let mut t = seed(m, true);
        let body = jvp(m, body, &mut t, "d_")?;
        let name = format!("{}_tangent", point.kernel_name());
        let id = finish(m, &name, body, &t, &outs, &tangent_of);
        maps.ba.push((point, id));
    }
    m.tangent = Some(maps);
    Ok(())
}

/// The ASSIGNED variables (not bound to an ion) that some kernel reads before assigning them and
/// some kernel assigns, in declaration order: their values cross from one kernel, or one step, to
/// the next.
fn carried(m: &Module) -> Result<Vec<VarId>, Diagnostics> {
    let mut bodies: Vec<Vec<Stmt>> = Vec::new();
    if let Some(init) = m.initial {
        bodies.push(inline_solves(m, &m.block(init).body, true)?);
    }
    // The runtime runs BREAKPOINT's currents and its SOLVEs as separate kernels. The tangent of
    // the currents runs after the currents, from the values they leave; that is sound because
    // BREAKPOINT's current part must give the same result when run twice from its own output,
    // as NEURON requires (it evaluates the currents twice per step, at v + 0.001 and at v), so
    // a value it carries (a cache such as capump's `Q` with `s_celsius`) is the same either way.
    if let Some(bp) = m.breakpoint {
        let (solves, currents): (Vec<Stmt>, Vec<Stmt>) = m
            .block(bp)
            .body
            .iter()
            .cloned()
            .partition(|s| matches!(s.kind, StmtKind::Solve { .. }));
        bodies.push(currents);
        bodies.push(inline_solves(m, &solves, false)?);
    }
    if let Some(nr) = &m.net_receive {
        bodies.push(m.block(nr.body).body.clone());
        if let Some(init) = nr.initial {
            bodies.push(m.block(init).body.clone());
        }
    }
    for &(_, block) in &m.ba {
        bodies.push(m.block(block).body.clone());
    }
    // A PARAMETER a block assigns (Exp2Syn's INITIAL clamps tau1 below tau2) is carried too:
    // after that block its value, and so its tangent, is no longer the seed's.
    // A POINTER's tangent lives in its row of σ, which NET_RECEIVE stores where it writes it.
    let candidate = |v: VarId| {
        matches!(m.var(v).kind, VarKind::Assigned | VarKind::Parameter)
            && !m.pointers.contains(&v)
            && !m
                .ions
                .iter()
                .any(|ion| ion.read.contains(&v) || ion.write.contains(&v))
    };
    let (mut exposed, mut written) = (HashSet::new(), HashSet::new());
    for body in &bodies {
        let mut defined = HashSet::new();
        upward_exposed(m, body, &mut defined, &mut exposed);
        for s in body {
            s.for_each_stmt(&mut |s| match s.kind {
                StmtKind::Assign { var, .. } | StmtKind::GetElement { var, .. } => {
                    written.insert(var);
                }
                StmtKind::SetElement { array, .. } => {
                    written.extend(m.array(array).elems.iter().copied());
                }
                _ => {}
            });
        }
    }
    Ok(m.var_ids()
        .filter(|&v| candidate(v) && exposed.contains(&v) && written.contains(&v))
        .collect())
}

/// Adds to `exposed` the variables `stmts` read before assigning them, given the variables
/// `defined` on entry; leaves in `defined` those assigned on every path.
fn upward_exposed(
    m: &Module,
    stmts: &[Stmt],
    defined: &mut HashSet<VarId>,
    exposed: &mut HashSet<VarId>,
) {
    let read = |e: ExprId, defined: &HashSet<VarId>, exposed: &mut HashSet<VarId>| {
        for x in m.exprs.reachable(&[e]) {
            if let Expr::Var(v) = m.exprs.get(x)
                && !defined.contains(&v)
            {
                exposed.insert(v);
            }
        }
    };
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { var, value } => {
                read(*value, defined, exposed);
                defined.insert(*var);
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                read(*cond, defined, exposed);
                let mut a = defined.clone();
                upward_exposed(m, then, &mut a, exposed);
                let mut b = defined.clone();
                upward_exposed(m, otherwise, &mut b, exposed);
                *defined = a.intersection(&b).copied().collect();
            }
            StmtKind::GetElement { var, array, index } => {
                read(*index, defined, exposed);
                // Any element may be read: those not assigned on every path before are exposed.
                for &e in &m.array(*array).elems {
                    if !defined.contains(&e) {
                        exposed.insert(e);
                    }
                }
                defined.insert(*var);
            }
            StmtKind::Loop {
                var,
                from,
                to,
                body,
            } => {
                read(*from, defined, exposed);
                read(*to, defined, exposed);
                // The body may run more than once (or not at all), as a while loop's.
                let mut a = HashSet::from([*var]);
                upward_exposed(m, body, &mut a, exposed);
                let mut b = defined.clone();
                b.insert(*var);
                upward_exposed(m, body, &mut b, exposed);
            }
            StmtKind::While { cond, body } => {
                read(*cond, defined, exposed);
                // The body may run more than once: what it assigns late it may read early.
                let mut a = HashSet::new();
                upward_exposed(m, body, &mut a, exposed);
                let mut b = defined.clone();
                upward_exposed(m, body, &mut b, exposed);
            }
            _ => s.for_each_expr(&mut |e| read(e, defined, exposed)),
        }
    }
}

/// Appends the assignments of the output tangents and adds the block.
fn finish(
    m: &mut Module,
    name: &str,
    mut body: Vec<Stmt>,
    t: &Tangents,
    outs: &[VarId],
    tangent_of: &std::collections::HashMap<VarId, VarId>,
) -> BlockId {
    let span = m.span;
    for &x in outs {
        let dx = tangent_of[&x];
        let value: ExprId = match t.get(&x) {
            Some(&e) => e,
            None => m.exprs.num(0.0),
        };
        if value != m.exprs.var(dx) {
            body.push(Stmt {
                kind: StmtKind::Assign { var: dx, value },
                span,
            });
        }
    }
    m.add_block(Block {
        name: name.to_string(),
        kind: BlockKind::Procedure,
        body,
        span,
    })
}

/// Replaces each SOLVE of an explicit update (a PROCEDURE) by its statements; any other SOLVE
/// left there cannot be differentiated.
fn inline_solves(m: &Module, stmts: &[Stmt], in_initial: bool) -> Result<Vec<Stmt>, Diagnostics> {
    m.inline_procedure_solves(stmts, &mut |s| {
        let StmtKind::Solve { block, method } = &s.kind else {
            return Ok(());
        };
        let name = &m.block(*block).name;
        let what = if in_initial {
            "in INITIAL"
        } else {
            "in BREAKPOINT"
        };
        Err(Diagnostic::error(
            s.span,
            format!(
                "SOLVE {name} {} {what} cannot be differentiated yet",
                method.nmodl()
            ),
        )
        .into())
    })
}
