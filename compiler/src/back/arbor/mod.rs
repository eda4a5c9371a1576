//! The Arbor back end: a density mechanism and its tangents as one mechanism in Arbor's NMODL
//! dialect (Arbor 0.12), for running gradient models on Arbor's distributed engine.
//!
//! The method is the gradient-diffusion paper's: the tangent S = dv/dθ of the membrane potential
//! along each parameter θ is an ion species `dv_<mech>_<param>` whose diffusive concentration
//! Arbor moves along the cable like v itself (the recipe sets its diffusivity), the state
//! tangents are STATEs, and each mechanism adds its share of the tangent membrane current to S.
//! See [`derive`] for the equations and the file header written by [`emit`] for what is exact.

mod check;
pub mod derive;
pub mod events;
mod kinetic;
pub mod print;
mod rewrite;
mod step;

use crate::back::nmodl::fmt_num;
use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{
    BinOp, Builtin, ExprId, IonRole, MechKind, Module, Scope, SolveMethod, Stmt, StmtKind, VarId,
    VarKind, Variable,
};
pub use derive::Direction;
use step::{Kept, PointKept, axial_head, point_head, semi_implicit, sum_currents};

/// The name of the PARAMETER holding the membrane capacitance (µF/cm²), which the recipe sets.
pub const CM_PARAM: &str = "gm_cm";

/// The name of the PARAMETER holding the scale A of the CV: its dv/dθ species holds A · dv/dθ
/// between steps, which the recipe sets (1 on a uniform cable; see docs/arbor.md).
pub const PRE_PARAM: &str = "gm_pre";

/// The name of the PARAMETER holding the scale B of the CV: after Arbor's diffusion the axial
/// solve's dv/dθ is B times the species, which the recipe sets with [`PRE_PARAM`].
pub const POST_PARAM: &str = "gm_post";

/// The name of the PARAMETER (0 or 1) that lets a mechanism apply the CV's scales and correct the
/// axial part of dv/dθ after Arbor's diffusion; the recipe sets it to 1 on exactly one
/// current-carrying mechanism of each CV.
pub const AXIAL_PARAM: &str = "gm_axial";

/// Writes `m` (a lowered, validated density mechanism, as the front end makes it) as an Arbor
/// mechanism that also computes the tangents along `dirs`. `source` names the file in the header.
/// Directions whose mechanism is another one still matter here: this mechanism's currents move
/// with v, so it adds to every direction's dv/dθ.
pub fn emit(m: &Module, dirs: &[Direction], source: &str) -> Result<String, Diagnostics> {
    check::check_supported(m)?;
    for d in dirs.iter().filter(|d| d.mech == m.name) {
        let ok = m
            .lookup(&d.param)
            .is_some_and(|p| m.var(p).kind == VarKind::Parameter)
            || events::weight_name(m) == Some(d.param.as_str());
        if !ok {
            let names: Vec<&str> = m
                .parameters()
                .iter()
                .map(|&p| m.var(p).name.as_str())
                .collect();
            return Err(Diagnostic::error(
                m.span,
                format!("mechanism `{}` has no PARAMETER `{}`", m.name, d.param),
            )
            .with_note(format!("its parameters are: {}", names.join(", ")))
            .into());
        }
    }
    let method = solve_method(m);
    let primal_integrated = derive::integrated(m);
    let mut m = m.clone();
    // A SOLVE of a PROCEDURE in INITIAL is a call; one in BREAKPOINT is the states' block.
    rewrite::inline_initial_procedures(&mut m);
    // Arrays indexed by constants only: their elements are scalars, named for Arbor.
    rewrite::scalar_elements(&mut m);
    // An assigned PARAMETER gets a working copy, several NONSPECIFIC_CURRENTs one sum.
    let copies = rewrite::working_copies(&mut m);
    let summed = rewrite::sum_nonspecific(&mut m);
    let carry = rewrite::copies_to_carry(&m, &copies);
    let span = m.span;
    let pre = m.add_var(Variable::new(
        PRE_PARAM,
        VarKind::Parameter,
        Scope::Range,
        span,
    ));
    m.vars[pre.index()].value = Some(1.0);
    let mut dvs = derive::add_direction_vars(&mut m, dirs, pre, &carry);
    rewrite::check_volumes(&m, &copies, &dvs)?;
    // modcc refuses STATEs in a mechanism that writes a reversal potential. Without a current,
    // nothing reads its tangents (ion variables are taken as independent of θ): it keeps none.
    let reversal = m.ions.iter().flat_map(|i| &i.write).find(|&&w| {
        matches!(
            m.var(w).kind,
            VarKind::Ion {
                role: IonRole::Reversal,
                ..
            }
        )
    });
    if reversal.is_some() && currents(&m).is_empty() {
        for d in &mut dvs {
            d.sigma.clear();
        }
    }
    if let (Some(&e), true) = (reversal, dvs.iter().any(|d| !d.sigma.is_empty())) {
        return Err(Diagnostic::error(
            m.var(e).span,
            format!(
                "tangents of a mechanism that writes the reversal potential `{}` are not \
                 supported by the Arbor back end (mechanism `{}`): Arbor allows no STATE in it, \
                 and ion variables are taken as independent of θ",
                m.var(e).name,
                m.name
            ),
        )
        .into());
    }
    // The ODEs as written (a kinetic scheme, solved with sparse, is read in `kinetic`).
    let derivative_block = derive::derivative_block(&m);
    let sparse = method == Some(SolveMethod::Sparse);
    if let Some(d) = derivative_block.filter(|_| !sparse) {
        derive::hoist_odes(&mut m, d)?;
    }
    let mut odes = vec![];
    if let Some(d) = derivative_block
        && !sparse
    {
        let body = m.block(d).body.clone();
        odes = derive::split_odes(&m, &body)?.1;
    }
    // Arbor's own time step: `dt` is the step being taken (ms).
    let dt = builtin_var(&mut m, Builtin::Dt);
    // A kinetic scheme's STATE that stays 1, for the constant parts of its rates.
    let one = kinetic_one(&mut m, sparse);
    let cm = m.add_var(Variable::new(
        CM_PARAM,
        VarKind::Parameter,
        Scope::Range,
        span,
    ));
    m.vars[cm.index()].value = Some(1.0);
    let post = m.add_var(Variable::new(
        POST_PARAM,
        VarKind::Parameter,
        Scope::Range,
        span,
    ));
    m.vars[post.index()].value = Some(1.0);
    let axial = m.add_var(Variable::new(
        AXIAL_PARAM,
        VarKind::Parameter,
        Scope::Range,
        span,
    ));
    m.vars[axial.index()].value = Some(0.0);
    // What BREAKPOINT keeps for DERIVATIVE: the conductance g, v at the start of the step, and
    // the tangent of g along each direction.
    let currents = currents(&m);
    let point = m.kind == MechKind::Point;
    // Arbor's own `area` is the area (µm²) of the CV a mechanism is on: a point process needs
    // it because Arbor passes what it writes to a diffusive concentration through unscaled.
    let area = point.then(|| builtin_var(&mut m, Builtin::Area));
    let kept = (!currents.is_empty() && !point).then(|| {
        let add = |m: &mut Module, name: &str| {
            let name = m.fresh_var_name(name);
            m.add_var(Variable::new(name, VarKind::Assigned, Scope::Range, span))
        };
        Kept {
            g: add(&mut m, "gm_g"),
            v: add(&mut m, "gm_v0"),
            dg: dirs
                .iter()
                .map(|d| add(&mut m, &format!("gm_dg_{}", d.tag())))
                .collect(),
            xin: dirs
                .iter()
                .map(|d| add(&mut m, &format!("gm_x_{}", d.tag())))
                .collect(),
            probe: dirs
                .iter()
                .map(|d| {
                    let name = m.fresh_var_name(&format!("gm_dv_{}", d.tag()));
                    m.add_var(Variable::new(name, VarKind::State, Scope::Range, span))
                })
                .collect(),
        }
    });
    // A point process keeps its conductance (µS), v and the tangents of the conductance too,
    // for its term -dg/dθ (v' - v) in DERIVATIVE.
    let point_kept = (point && !currents.is_empty()).then(|| {
        let add = |m: &mut Module, name: &str| {
            let name = m.fresh_var_name(name);
            m.add_var(Variable::new(name, VarKind::Assigned, Scope::Range, span))
        };
        PointKept {
            g: add(&mut m, "gm_g"),
            v: add(&mut m, "gm_v0"),
            dg: dirs
                .iter()
                .map(|d| add(&mut m, &format!("gm_dg_{}", d.tag())))
                .collect(),
        }
    });
    let prefixes: Vec<String> = dirs.iter().map(|d| format!("d_{}_", d.tag())).collect();

    // INITIAL: the states' initial values and their tangents (v starts independent of θ).
    let mut initial = vec![];
    let mut steady = None;
    if let Some(one) = one {
        let value = m.exprs.num(1.0);
        initial.push(assign(one, value, span));
    }
    let steady_initial = match (m.initial, one) {
        (Some(init), Some(one)) => {
            let body = m.block(init).body.clone();
            kinetic::initial(&mut m, &body, &dvs, &prefixes, one)?
        }
        _ => None,
    };
    if let Some((stmts, block)) = steady_initial {
        initial.extend(stmts);
        steady = Some(block);
    } else if let Some(init) = m.initial {
        let body = m.block(init).body.clone();
        let seeds = derive::initial_seeds(&mut m, &dvs);
        let (stmts, ends) = derive::jvp_many(&mut m, &body, seeds, &prefixes)?;
        initial.extend(stmts);
        for (dv, t) in dvs.iter().zip(&ends) {
            for &(x, sx) in &dv.sigma {
                let value = t.get(&x).copied().unwrap_or_else(|| m.exprs.num(0.0));
                initial.push(assign(sx, value, span));
            }
        }
    }

    if let Some(keep) = &kept {
        for &p in &keep.probe {
            let zero = m.exprs.num(0.0);
            initial.push(assign(p, zero, span));
        }
    }

    // DERIVATIVE: the rates, then the state tangents as assignments (the exact derivative of
    // the cnexp step that Arbor takes, given v and dv/dθ at the end of the step), then the
    // states' own ODEs for Arbor's cnexp to integrate.
    let mut derivative = None;
    if let (Some(d), Some(one)) = (derivative_block.filter(|_| sparse), one) {
        // A kinetic scheme: the states and their tangents solved together by modcc's sparse.
        let mut head = vec![];
        if let Some(keep) = &kept {
            head = axial_head(&mut m, &dvs, keep, [dt, cm, post, axial], span);
        }
        if let (Some(keep), Some(area)) = (&point_kept, area) {
            head = point_head(&mut m, &dvs, keep, [dt, cm, area], span);
        }
        let (stmts, lines) = kinetic::breakpoint_block(&mut m, d, &dvs, head, &prefixes, one)?;
        derivative = Some((m.block(d).name.clone(), stmts, Some(lines)));
    } else if let Some(d) = derivative_block {
        let name = m.block(d).name.clone();
        let seeds = derive::equation_seeds(&mut m, &dvs);
        // The rates, then the states' updates as Arbor's cnexp computes them.
        let (mut body, _) = derive::split_odes(&m, &m.block(d).body.clone())?;
        let block_span = m.block(d).span;
        body.extend(derive::arbor_cnexp(&mut m, &odes, dt, block_span)?);
        if let Some(keep) = &kept {
            let mut head = axial_head(&mut m, &dvs, keep, [dt, cm, post, axial], span);
            head.append(&mut body);
            body = head;
        }
        if let (Some(keep), Some(area)) = (&point_kept, area) {
            let mut head = point_head(&mut m, &dvs, keep, [dt, cm, area], span);
            head.append(&mut body);
            body = head;
        }
        let (stmts, ends) = derive::jvp_many(&mut m, &body, seeds, &prefixes)?;
        let integrated: Vec<VarId> = odes.iter().map(|&(x, _)| x).collect();
        let mut stmts: Vec<Stmt> = stmts
            .into_iter()
            .filter(
                |s| !matches!(s.kind, StmtKind::Assign { var, .. } if integrated.contains(&var)),
            )
            .collect();
        for (dv, t) in dvs.iter().zip(&ends) {
            for &(x, sx) in &dv.sigma {
                let value = t.get(&x).copied().unwrap_or_else(|| m.exprs.num(0.0));
                // A value the block leaves as it was (one INITIAL carries) needs no statement.
                if value == m.exprs.var(sx) {
                    continue;
                }
                stmts.push(assign(sx, value, span));
            }
        }
        for &(x, rhs) in &odes {
            stmts.push(ode(x, rhs, span));
        }
        derivative = Some((name, stmts, None));
    } else if let Some(keep) = &kept {
        // No states, but dv/dθ still needs the axial correction and the term in dg/dθ once
        // Arbor's diffusion has run: a DERIVATIVE block without equations does it.
        let stmts = axial_head(&mut m, &dvs, keep, [dt, cm, post, axial], span);
        derivative = Some((m.fresh_var_name("gm_step"), stmts, None));
    } else if let (Some(keep), Some(area)) = (&point_kept, area) {
        let stmts = point_head(&mut m, &dvs, keep, [dt, cm, area], span);
        derivative = Some((m.fresh_var_name("gm_step"), stmts, None));
    }

    // BREAKPOINT: the currents, then each direction's dv/dθ advanced by the membrane part of
    // the tangent cable equation, semi-implicitly in this mechanism's own conductance g:
    //   S <- S - 1000 dt dI / (c_m + 1000 dt g),
    // keeping g, v and the tangents dg of g for the rest of the step's derivative, which
    // DERIVATIVE adds once v at the end of the step is known (see below).
    let mut breakpoint = vec![];
    let mut point_ends = None;
    let mut point_g = None;
    if let Some(bp) = m.breakpoint {
        let body: Vec<Stmt> = m
            .block(bp)
            .body
            .iter()
            .filter(|s| !matches!(s.kind, StmtKind::Solve { .. }))
            .cloned()
            .collect();
        let mut tg = derive::conductance_seed(&mut m);
        let body = crate::passes::jvp::jvp(&mut m, body, &mut tg, "g_")?;
        let seeds = derive::equation_seeds(&mut m, &dvs);
        let (stmts, ends) = derive::jvp_many(&mut m, &body, seeds, &prefixes)?;
        breakpoint = stmts;
        if let Some(sum) = &summed {
            let g = tg
                .get(&sum.total)
                .copied()
                .unwrap_or_else(|| m.exprs.num(0.0));
            rewrite::expose_conductance(&mut m, &mut breakpoint, sum, g);
        }
        // A carried value BREAKPOINT assigns (a working copy of a PARAMETER) keeps the tangent
        // it leaves for the blocks after it.
        let written = crate::ir::assigned_vars(&body);
        for (dv, t) in dvs.iter().zip(&ends) {
            for &(x, sx) in &dv.sigma {
                if written.contains(&x) {
                    let value = t.get(&x).copied().unwrap_or_else(|| m.exprs.num(0.0));
                    breakpoint.push(assign(sx, value, span));
                }
            }
        }
        point_ends = Some(ends.clone());
        point_g = Some(sum_currents(&mut m, &currents, &tg));
        if let Some(keep) = &kept {
            let g = sum_currents(&mut m, &currents, &tg);
            breakpoint.push(assign(keep.g, g, span));
            let v = m.builtin(Builtin::V).map(|v| m.exprs.var(v));
            let v = v.unwrap_or_else(|| m.exprs.num(0.0));
            breakpoint.push(assign(keep.v, v, span));
            let g_kept = m.exprs.var(keep.g);
            for (k, ((dv, t), &dg_var)) in dvs.iter().zip(&ends).zip(&keep.dg).enumerate() {
                let t2 = t.clone();
                let dg = crate::sym::tangent(&mut m.exprs, &[g], &|x| t2.get(&x).copied())[0];
                breakpoint.push(assign(dg_var, dg, span));
                let s_now = derive::s_value(&mut m, dv);
                breakpoint.push(assign(keep.probe[k], s_now, span));
                let di = sum_currents(&mut m, &currents, t);
                let step = semi_implicit(&mut m, dv, di, g_kept, dt, cm);
                breakpoint.push(assign(dv.s, step, span));
                let s_after = derive::s_value(&mut m, dv);
                breakpoint.push(assign(keep.xin[k], s_after, span));
            }
        }
    }
    // A point process: the explicit step of its current, through Arbor's point weight.
    if let Some(area) = area
        && !currents.is_empty()
        && m.breakpoint.is_some()
    {
        let ends = point_ends.take().unwrap_or_default();
        if let Some(keep) = &point_kept {
            let g = point_g.unwrap_or_else(|| m.exprs.num(0.0));
            breakpoint.push(assign(keep.g, g, span));
            let v = m.builtin(Builtin::V).map(|v| m.exprs.var(v));
            let v = v.unwrap_or_else(|| m.exprs.num(0.0));
            breakpoint.push(assign(keep.v, v, span));
            for (t, &dg_var) in ends.iter().zip(&keep.dg) {
                let t2 = t.clone();
                let dg = crate::sym::tangent(&mut m.exprs, &[g], &|x| t2.get(&x).copied())[0];
                breakpoint.push(assign(dg_var, dg, span));
            }
        }
        for (dv, t) in dvs.iter().zip(&ends) {
            let di = sum_currents(&mut m, &currents, t);
            let e = &mut m.exprs;
            let (s_now, dtv, cmv, area) = (e.var(dv.s), e.var(dt), e.var(cm), e.var(area));
            let k = e.num(1e5);
            let num = e.binary(BinOp::Mul, k, dtv);
            let num = e.binary(BinOp::Mul, num, di);
            let den = e.binary(BinOp::Mul, cmv, area);
            // Semi-implicit in the point process's own conductance (µS), as for density
            // mechanisms: S <- S - 1e5 dt dI / (cm area + 1e5 dt g).
            let g = point_g.unwrap_or_else(|| e.num(0.0));
            let kdt = e.binary(BinOp::Mul, k, dtv);
            let kdtg = e.binary(BinOp::Mul, kdt, g);
            let den = e.binary(BinOp::Add, den, kdtg);
            let q = e.binary(BinOp::Div, num, den);
            let pre = e.var(dv.pre);
            let q = e.binary(BinOp::Mul, pre, q);
            let value = e.binary(BinOp::Sub, s_now, q);
            breakpoint.push(assign(dv.s, value, span));
        }
    }
    let writes_s = kept.is_some() || (point && !currents.is_empty());
    let net_receive = events::net_receive(&mut m, dirs, &dvs, &prefixes)?;

    let initial = print::hoist_selects(&mut m, initial);
    let breakpoint = print::hoist_selects(&mut m, breakpoint);
    let derivative = derivative.map(|(n, s, l)| (n, print::hoist_selects(&mut m, s), l));
    let steady = steady.map(|(n, s, l)| (n, print::hoist_selects(&mut m, s), l));
    for stmts in [&initial, &breakpoint] {
        print::check_exprs(&m, stmts)?;
    }
    let blocks = derivative.iter().map(|d| &d.1);
    for s in blocks.chain(steady.iter().map(|d| &d.1)) {
        print::check_exprs(&m, s)?;
    }

    let reads_s = |s: VarId| {
        let mut used = false;
        let mut look = |stmts: &[Stmt]| {
            for st in stmts {
                st.for_each_expr(&mut |e| used |= crate::sym::free_vars(&m.exprs, e).contains(&s));
            }
        };
        look(&breakpoint);
        if let Some((_, d, _)) = &derivative {
            look(d);
        }
        used
    };
    let note = rewrite::header_note(&m, &copies, summed.as_ref());
    let mut out = header(&m, dirs, source, method, &note);
    out.push_str(&neuron_block(&m, dirs, &dvs, writes_s, &reads_s));
    let mut declared = primal_integrated.clone();
    declared.extend(kept.iter().flat_map(|k| k.probe.iter().copied()));
    declared.extend(one);
    out.push_str(&declarations(&m, &dvs, &declared));
    if !initial.is_empty() {
        out.push('\n');
        out.push_str(&print::block(&m, "INITIAL", &[], &initial));
    }
    out.push('\n');
    let solve = derivative
        .as_ref()
        .map(|(n, _, l)| {
            let method = if l.is_some() { "sparse" } else { "cnexp" };
            vec![format!("SOLVE {n} METHOD {method}")]
        })
        .unwrap_or_default();
    out.push_str(&print::block(&m, "BREAKPOINT", &solve, &breakpoint));
    if let Some((name, stmts, lines)) = &derivative {
        out.push('\n');
        match lines {
            Some(lines) => out.push_str(&kinetic::print_block(&m, name, stmts, lines)),
            None => out.push_str(&print::block(&m, &format!("DERIVATIVE {name}"), &[], stmts)),
        }
    }
    if let Some((name, stmts, lines)) = &steady {
        out.push('\n');
        out.push_str(&kinetic::print_block(&m, name, stmts, lines));
    }
    if let Some(text) = net_receive {
        out.push('\n');
        out.push_str(&text);
    }
    Ok(out)
}

/// The STATE `gm_one` that stays 1, when BREAKPOINT solves a kinetic scheme (`sparse`) or
/// INITIAL solves one for its steady state.
fn kinetic_one(m: &mut Module, sparse: bool) -> Option<VarId> {
    let steady = m.initial.is_some_and(|i| {
        m.block(i).body.iter().any(|s| {
            matches!(
                s.kind,
                StmtKind::Solve {
                    method: SolveMethod::SteadyStateSparse,
                    ..
                }
            )
        })
    });
    (sparse || steady).then(|| {
        let name = m.fresh_var_name("gm_one");
        m.add_var(Variable::new(name, VarKind::State, Scope::Range, m.span))
    })
}

/// The builtin `b` of `m` (Arbor's `dt` or `area`), added if the source does not use it.
fn builtin_var(m: &mut Module, b: Builtin) -> VarId {
    m.builtin(b).unwrap_or_else(|| {
        m.add_var(Variable::new(
            b.name(),
            VarKind::Builtin(b),
            Scope::Range,
            m.span,
        ))
    })
}

/// The current variables the mechanism writes: NONSPECIFIC_CURRENTs and ion currents.
fn currents(m: &Module) -> Vec<VarId> {
    let mut out = m.nonspecific.clone();
    for ion in &m.ions {
        for &w in &ion.write {
            if matches!(
                m.var(w).kind,
                VarKind::Ion {
                    role: IonRole::Current,
                    ..
                }
            ) {
                out.push(w);
            }
        }
    }
    out
}

fn assign(var: VarId, value: ExprId, span: crate::diag::Span) -> Stmt {
    Stmt {
        kind: StmtKind::Assign { var, value },
        span,
    }
}

fn ode(state: VarId, rhs: ExprId, span: crate::diag::Span) -> Stmt {
    Stmt {
        kind: StmtKind::Ode { state, rhs },
        span,
    }
}

/// The comment that opens the file: what it computes, what is exact and what is not.
fn header(
    m: &Module,
    dirs: &[Direction],
    source: &str,
    method: Option<SolveMethod>,
    note: &str,
) -> String {
    let along: Vec<String> = dirs
        .iter()
        .map(|d| format!("{}.{}", d.mech, d.param))
        .collect();
    let method_note = match method {
        Some(SolveMethod::Derivimplicit) | Some(SolveMethod::Euler) => format!(
            "\nThe source solves its states with METHOD {}; Arbor has no such method, so they are\n\
             solved with cnexp here (a different integrator of the same equations).\n",
            match method {
                Some(SolveMethod::Euler) => "euler",
                _ => "derivimplicit",
            }
        ),
        Some(SolveMethod::Sparse) => {
            "\nThe states are a kinetic scheme that modcc's sparse solves (one backward Euler\n\
             step); the state tangents are further equations of the same KINETIC block, so that\n\
             one solve gives the states and the exact derivative of their step (not the cnexp\n\
             form above).\n"
                .to_string()
        }
        Some(SolveMethod::Direct) => {
            "\nThe source updates its states by explicit assignments in a PROCEDURE that BREAKPOINT\n\
             SOLVEs, which NEURON runs once a step after the voltage solve (with v at the end of\n\
             the step); here they are a DERIVATIVE block without equations, which Arbor runs at\n\
             the same point of its step, and the state tangents are the exact derivatives of\n\
             those assignments (not the cnexp form above).\n"
                .to_string()
        }
        _ => String::new(),
    };
    format!(
        "COMMENT\n\
         Generated by gradmod from {source} for Arbor 0.12: the mechanism `{name}` and its\n\
         tangents along {along}.\n\
         \n\
         Exact: the currents, rates and ODEs are the source's, and their derivatives (the\n\
         tangent currents dI/dθ, the conductance dI/dv) are exact symbolic derivatives of them.\n\
         The state tangents are the exact derivative of the step that Arbor's cnexp takes\n\
         for the states (modcc's (1,1) Padé form of the exponential), given v and dv/dθ at the\n\
         end of the step.\n\
         \n\
         dv/dθ is the diffusive concentration of the ion species dv_<mech>_<param> divided by\n\
         {PRE_PARAM}. BREAKPOINT adds this mechanism's share of the membrane term of the derivative\n\
         of Arbor's voltage step, S <- S - 1000 dt dI/({CM_PARAM} + 1000 dt g); Arbor's ion\n\
         diffusion adds the axial term, which {POST_PARAM} times the species is exactly, given the\n\
         CV scales {PRE_PARAM}, {POST_PARAM} and the diffusivities of docs/arbor.md; where {AXIAL_PARAM} = 1\n\
         DERIVATIVE divides that axial increment by 1 + 1000 dt g/{CM_PARAM}, and every mechanism\n\
         adds its term in dg/dθ (v' - v) once v' is known (dt is Arbor's time step). The recipe\n\
         sets {CM_PARAM} (uF/cm2), {PRE_PARAM}, {POST_PARAM}, {AXIAL_PARAM} and the diffusivities.\n\
         \n\
         Exact, then: on one compartment with one mechanism, dv/dθ and the state tangents are the\n\
         derivative of Arbor's step (equal to its finite differences), and on a passive cable of\n\
         any CV lengths and diameters the axial term is. Approximate: across CVs the axial term\n\
         is split from the membrane term (one diffusion solve with a fixed matrix cannot take\n\
         the membrane conductance), and several current-carrying mechanisms on one CV take\n\
         their shares one after another. Every mechanism on the cell must be emitted with the\n\
         same directions, or its share of dI/dθ is missing. Ion variables this mechanism reads\n\
         (reversal potentials, concentrations) are taken as independent of θ. STATE\n\
         gm_dv_<mech>_<param> holds dv/dθ at the start of the step, for probes.\n\
         {method_note}{note}\
         ENDCOMMENT\n\n",
        name = m.name,
        along = if along.is_empty() {
            "nothing".to_string()
        } else {
            along.join(", ")
        },
    )
}

/// The METHOD of the SOLVE in BREAKPOINT.
fn solve_method(m: &Module) -> Option<SolveMethod> {
    let bp = m.breakpoint?;
    m.block(bp).body.iter().find_map(|s| match s.kind {
        StmtKind::Solve { method, .. } => Some(method),
        _ => None,
    })
}

/// The NEURON block.
fn neuron_block(
    m: &Module,
    dirs: &[Direction],
    dvs: &[derive::DirVars],
    writes_s: bool,
    reads_s: &dyn Fn(VarId) -> bool,
) -> String {
    let kw = if m.kind == MechKind::Point {
        "POINT_PROCESS"
    } else {
        "SUFFIX"
    };
    let mut out = format!("NEURON {{\n    {kw} {}\n", m.name);
    for ion in &m.ions {
        let mut text = format!("    USEION {}", ion.species);
        let read: Vec<&str> = ion
            .read
            .iter()
            .filter(|r| !ion.write.contains(r))
            .map(|&r| m.var(r).name.as_str())
            .collect();
        if !read.is_empty() {
            text.push_str(&format!(" READ {}", read.join(", ")));
        }
        if !ion.write.is_empty() {
            let w: Vec<&str> = ion.write.iter().map(|&r| m.var(r).name.as_str()).collect();
            text.push_str(&format!(" WRITE {}", w.join(", ")));
        }
        if let Some(z) = ion.valence {
            text.push_str(&format!(" VALENCE {}", fmt_num(z)));
        }
        out.push_str(&text);
        out.push('\n');
    }
    for (d, dv) in dirs.iter().zip(dvs) {
        let name = &m.var(dv.s).name;
        if writes_s {
            out.push_str(&format!("    USEION {} WRITE {name} VALENCE 1\n", d.ion()));
        } else if reads_s(dv.s) {
            out.push_str(&format!("    USEION {} READ {name} VALENCE 1\n", d.ion()));
        }
    }
    if !m.nonspecific.is_empty() {
        let names: Vec<&str> = m
            .nonspecific
            .iter()
            .map(|&v| m.var(v).name.as_str())
            .collect();
        out.push_str(&format!("    NONSPECIFIC_CURRENT {}\n", names.join(", ")));
    }
    let range: Vec<&str> = m
        .vars
        .iter()
        .filter(|v| {
            (v.kind == VarKind::Parameter && v.scope == Scope::Range) || v.kind == VarKind::Assigned
        })
        .filter(|v| !dvs.iter().any(|d| m.var(d.s).name == v.name))
        .filter(|v| !m.nonspecific.iter().any(|&n| m.var(n).name == v.name))
        .map(|v| v.name.as_str())
        .collect();
    if !range.is_empty() {
        out.push_str(&format!("    RANGE {}\n", range.join(", ")));
    }
    let global: Vec<&str> = m
        .vars
        .iter()
        .filter(|v| v.kind == VarKind::Parameter && v.scope == Scope::Global)
        .map(|v| v.name.as_str())
        .collect();
    if !global.is_empty() {
        out.push_str(&format!("    GLOBAL {}\n", global.join(", ")));
    }
    out.push_str("}\n");
    out
}

/// The PARAMETER, CONSTANT, STATE and ASSIGNED blocks.
fn declarations(m: &Module, dvs: &[derive::DirVars], integrated: &[VarId]) -> String {
    let is_s = |v: &Variable| dvs.iter().any(|d| m.var(d.s).name == v.name);
    let mut params = vec![];
    let mut constants = vec![];
    let mut assigned = vec![];
    for v in &m.vars {
        match v.kind {
            VarKind::Parameter => params.push(match v.value {
                Some(x) => format!("{} = {}", v.name, fmt_num(x)),
                None => v.name.clone(),
            }),
            VarKind::Builtin(Builtin::Celsius | Builtin::Diam) => params.push(v.name.clone()),
            VarKind::Constant => {
                if let Some(x) = v.value {
                    constants.push(format!("{} = {}", v.name, fmt_num(x)));
                }
            }
            VarKind::Assigned
                if !is_s(v) && !m.nonspecific.iter().any(|&n| m.var(n).name == v.name) =>
            {
                assigned.push(v.name.clone())
            }
            _ => {}
        }
    }
    let mut states: Vec<String> = integrated.iter().map(|&s| m.var(s).name.clone()).collect();
    for d in dvs {
        states.extend(d.sigma.iter().map(|&(_, s)| m.var(s).name.clone()));
    }
    let mut out = String::new();
    for (kw, items) in [
        ("PARAMETER", params),
        ("CONSTANT", constants),
        ("STATE", states),
        ("ASSIGNED", assigned),
    ] {
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{kw} {{\n"));
        for i in items {
            out.push_str(&format!("    {i}\n"));
        }
        out.push_str("}\n");
    }
    out
}
