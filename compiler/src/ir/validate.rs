//! The IR validator: checks the invariants every stage may rely on. Back ends and passes run only
//! on modules it accepts.

use super::{BlockKind, Expr, Module, SolveMethod, Stmt, StmtKind, VarKind};
use crate::diag::{Diagnostic, Diagnostics};

/// Checks that every id is in range, that every assignment targets a variable that may be
/// assigned, that ODEs name states, that an ion's states are STATEs it reads or writes, and that SOLVE statements name blocks their method can solve.
pub fn validate(m: &Module) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    for id in 0..m.exprs.len() {
        let node = m.exprs.get(super::ExprId(id as u32));
        let mut check_child = |c: super::ExprId| {
            if c.index() >= id {
                diags.push(Diagnostic::error(
                    m.span,
                    format!("internal: expression {id} refers forward to {}", c.0),
                ));
            }
        };
        match node {
            Expr::Num(_) => {}
            Expr::Var(v) => {
                if v.index() >= m.vars.len() {
                    diags.push(Diagnostic::error(
                        m.span,
                        format!(
                            "internal: expression {id} names variable {} of {}",
                            v.0,
                            m.vars.len()
                        ),
                    ));
                }
            }
            Expr::Temp(t) => diags.push(Diagnostic::error(
                m.span,
                format!(
                    "internal: expression {id} names temporary {} (temporaries belong to kernel \
                     plans, not to a module)",
                    t.0
                ),
            )),
            Expr::Unary(_, a) | Expr::Call(_, a) => check_child(a),
            Expr::Binary(_, a, b) => {
                check_child(a);
                check_child(b);
            }
            Expr::Select {
                cond,
                then,
                otherwise,
            } => {
                check_child(cond);
                check_child(then);
                check_child(otherwise);
            }
        }
    }
    for block in &m.blocks {
        check_stmts(m, block.kind, &block.body, &mut diags);
    }
    for (name, id) in [("INITIAL", m.initial), ("BREAKPOINT", m.breakpoint)] {
        if let Some(id) = id
            && id.index() >= m.blocks.len()
        {
            diags.push(Diagnostic::error(
                m.span,
                format!("internal: the {name} block id is out of range"),
            ));
        }
    }
    if let Some(nr) = &m.net_receive {
        for &a in &nr.args {
            if m.vars
                .get(a.index())
                .is_none_or(|v| v.kind != VarKind::Local)
            {
                diags.push(Diagnostic::error(
                    nr.span,
                    "internal: a NET_RECEIVE argument is not a local",
                ));
            }
        }
    }
    for ion in &m.ions {
        for &(v, _) in &ion.states {
            let kept = m
                .vars
                .get(v.index())
                .is_some_and(|x| x.kind == VarKind::State)
                && (ion.read.contains(&v) || ion.write.contains(&v));
            if !kept {
                diags.push(Diagnostic::error(
                    ion.span,
                    format!(
                        "internal: a state of the ion {} is not a STATE it reads or writes",
                        ion.species
                    ),
                ));
            }
        }
    }
    diags.into_result()
}

fn check_stmts(m: &Module, kind: BlockKind, stmts: &[Stmt], diags: &mut Diagnostics) {
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { var, .. } => {
                let v = m.var(*var);
                let ok = match v.kind {
                    VarKind::Constant => false,
                    VarKind::Builtin(_) => false,
                    VarKind::Ion { .. } => true,
                    _ => true,
                };
                if !ok {
                    diags.push(Diagnostic::error(
                        s.span,
                        format!("`{}` cannot be assigned", v.name),
                    ));
                }
            }
            StmtKind::Ode { state, .. } => {
                if m.var(*state).kind != VarKind::State {
                    diags.push(Diagnostic::error(
                        s.span,
                        format!(
                            "`{}'` names `{}`, which is not a STATE",
                            m.var(*state).name,
                            m.var(*state).name
                        ),
                    ));
                }
                if kind != BlockKind::Derivative {
                    diags.push(Diagnostic::error(
                        s.span,
                        "a differential equation outside a DERIVATIVE block",
                    ));
                }
            }
            StmtKind::Reaction { lhs, rhs, .. } => {
                for t in lhs.iter().chain(rhs) {
                    if matches!(m.var(t.var).kind, VarKind::Local | VarKind::Builtin(_)) {
                        diags.push(Diagnostic::error(
                            s.span,
                            format!(
                                "the reaction species `{}` is not a module variable",
                                m.var(t.var).name
                            ),
                        ));
                    }
                }
            }
            StmtKind::If {
                then, otherwise, ..
            } => {
                check_stmts(m, kind, then, diags);
                check_stmts(m, kind, otherwise, diags);
            }
            StmtKind::While { body, .. } => check_stmts(m, kind, body, diags),
            StmtKind::Loop { var, body, .. } => {
                if m.var(*var).kind != VarKind::Local {
                    diags.push(Diagnostic::error(
                        s.span,
                        format!(
                            "internal: the loop variable `{}` is not a LOCAL",
                            m.var(*var).name
                        ),
                    ));
                }
                check_stmts(m, kind, body, diags);
            }
            StmtKind::GetElement { array, .. } | StmtKind::SetElement { array, .. } => {
                if m.arrays.get(array.index()).is_none() {
                    diags.push(Diagnostic::error(
                        s.span,
                        "internal: a statement names an array out of range",
                    ));
                }
            }
            StmtKind::TableRead { var, table, .. } => {
                if m.var(*var).kind != VarKind::Local || *table >= m.function_tables.len() {
                    diags.push(Diagnostic::error(
                        s.span,
                        "internal: a FUNCTION_TABLE read of a table out of range or into a \
                         variable that is not a LOCAL",
                    ));
                }
            }
            StmtKind::VectorRead { var, .. } => {
                if m.var(*var).kind != VarKind::Local {
                    diags.push(Diagnostic::error(
                        s.span,
                        "internal: a vector read assigns a variable that is not a LOCAL",
                    ));
                }
            }
            StmtKind::Solve { block, method } => {
                let Some(target) = m.blocks.get(block.index()) else {
                    diags.push(Diagnostic::error(
                        s.span,
                        "internal: SOLVE names a block out of range",
                    ));
                    continue;
                };
                let ok = match method {
                    SolveMethod::Cnexp
                    | SolveMethod::Euler
                    | SolveMethod::Runge
                    | SolveMethod::Derivimplicit => target.kind == BlockKind::Derivative,
                    // Arbor (not NEURON) accepts METHOD sparse on a DERIVATIVE block: backward Euler.
                    SolveMethod::Sparse => {
                        matches!(target.kind, BlockKind::Kinetic | BlockKind::Derivative)
                    }
                    SolveMethod::Direct => matches!(
                        target.kind,
                        BlockKind::Procedure | BlockKind::Linear | BlockKind::NonLinear
                    ),
                    SolveMethod::SteadyStateSparse => target.kind == BlockKind::Kinetic,
                    SolveMethod::SteadyStateDerivimplicit => target.kind == BlockKind::Derivative,
                };
                if !ok {
                    diags.push(Diagnostic::error(
                        s.span,
                        format!(
                            "SOLVE {} {} cannot solve a {} block",
                            target.name,
                            method.nmodl(),
                            target.kind.keyword()
                        ),
                    ));
                }
            }
            StmtKind::Flux { .. }
            | StmtKind::Conserve { .. }
            | StmtKind::Compartment { .. }
            | StmtKind::Equation { .. }
            | StmtKind::NetSend { .. }
            | StmtKind::NetEvent { .. }
            | StmtKind::NetMove { .. }
            | StmtKind::Watch { .. } => {}
            // In NET_RECEIVE, or in its tangent, which keeps the statement.
            StmtKind::ForNetcons { block } => {
                let ok = m
                    .net_receive
                    .as_ref()
                    .is_some_and(|nr| nr.for_netcons == Some(*block));
                if !ok {
                    diags.push(Diagnostic::error(
                        s.span,
                        "internal: FOR_NETCONS naming a block that is not NET_RECEIVE's loop body",
                    ));
                }
            }
        }
    }
}
