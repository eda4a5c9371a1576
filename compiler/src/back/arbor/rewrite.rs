//! Two rewrites of the module, before its tangents are derived, for what NEURON's NMODL allows
//! and Arbor's dialect does not, written as modcc users write them by hand.
//!
//! - An assigned PARAMETER (NEURON's Exp2Syn clamps `tau1` in INITIAL; other files assign a
//!   temperature factor in a PROCEDURE or a copy of a current in BREAKPOINT) stays the PARAMETER
//!   the user sets, and a RANGE ASSIGNED working copy `gm_<name>` takes its place in every read
//!   and write. INITIAL starts by setting the copy from the PARAMETER, as NEURON's first
//!   INITIAL sees the value the user set; from there on the copy holds whatever was last
//!   assigned to it, as NEURON's PARAMETER does for the rest of the run. Its tangents are those
//!   of an ASSIGNED value: INITIAL's assignment seeds d(copy)/dθ = 1 along its own PARAMETER,
//!   and the assignments after it carry the tangent on (see [`copies_to_carry`]).
//! - Several NONSPECIFIC_CURRENTs (Arbor allows one) become plain RANGE ASSIGNED values, which
//!   can still be probed, and one NONSPECIFIC_CURRENT `gm_i`, set at the end of BREAKPOINT to
//!   their sum, is the mechanism's current: its conductance and tangents are the sums of theirs.
//! - A SOLVE of a PROCEDURE in INITIAL is a call (as in NEURON): its statements take its place.
//! - The elements of an array indexed only by constants (the front end unrolls FROM loops with
//!   constant bounds) are scalars already; they are renamed `<array>_<index>` for Arbor.

use std::collections::HashMap;

use crate::ir::{
    Block, BlockKind, ExprId, Module, Scope, Stmt, StmtKind, VarId, VarKind, Variable,
};
use crate::sym::{build, rewrite::substitute};

/// Replaces every PARAMETER that some block assigns by a working copy, set from the PARAMETER
/// at the start of INITIAL (which is made if the module has none). Returns the pairs
/// (PARAMETER, copy).
pub(super) fn working_copies(m: &mut Module) -> Vec<(VarId, VarId)> {
    let mut assigned: Vec<VarId> = vec![];
    for b in &m.blocks {
        for v in crate::ir::assigned_vars(&b.body) {
            if m.var(v).kind == VarKind::Parameter && !assigned.contains(&v) {
                assigned.push(v);
            }
        }
    }
    assigned.sort();
    if assigned.is_empty() {
        return vec![];
    }
    let mut pairs = vec![];
    let mut map: HashMap<VarId, ExprId> = HashMap::new();
    let mut target: HashMap<VarId, VarId> = HashMap::new();
    for &p in &assigned {
        let name = m.fresh_var_name(&format!("gm_{}", m.var(p).name));
        let mut copy = Variable::new(name, VarKind::Assigned, Scope::Range, m.var(p).span);
        copy.unit = m.var(p).unit.clone();
        let copy = m.add_var(copy);
        map.insert(p, m.exprs.var(copy));
        target.insert(p, copy);
        pairs.push((p, copy));
    }
    for b in 0..m.blocks.len() {
        let mut body = std::mem::take(&mut m.blocks[b].body);
        retarget(m, &mut body, &map, &target);
        m.blocks[b].body = body;
    }
    let span = m.span;
    let sets: Vec<Stmt> = pairs
        .iter()
        .map(|&(p, copy)| Stmt {
            kind: StmtKind::Assign {
                var: copy,
                value: m.exprs.var(p),
            },
            span,
        })
        .collect();
    match m.initial {
        Some(init) => {
            let body = &mut m.blocks[init.index()].body;
            body.splice(0..0, sets);
        }
        None => {
            let name = m.fresh_block_name("INITIAL");
            let init = m.add_block(Block {
                name,
                kind: BlockKind::Initial,
                body: sets,
                span,
            });
            m.initial = Some(init);
        }
    }
    pairs
}

/// Rewrites `stmts` to read `map`'s images for its keys and to assign `target`'s.
fn retarget(
    m: &mut Module,
    stmts: &mut [Stmt],
    map: &HashMap<VarId, ExprId>,
    target: &HashMap<VarId, VarId>,
) {
    for s in stmts {
        s.map_exprs(&mut |e| substitute(&mut m.exprs, e, map));
        retarget_writes(s, target);
    }
}

/// Points the assignments of `s` and of the statements nested in it at `target`'s images.
fn retarget_writes(s: &mut Stmt, target: &HashMap<VarId, VarId>) {
    match &mut s.kind {
        StmtKind::Assign { var, .. } => {
            if let Some(&c) = target.get(var) {
                *var = c;
            }
        }
        StmtKind::If {
            then, otherwise, ..
        } => then
            .iter_mut()
            .chain(otherwise)
            .for_each(|x| retarget_writes(x, target)),
        StmtKind::While { body, .. } | StmtKind::Loop { body, .. } => {
            body.iter_mut().for_each(|x| retarget_writes(x, target))
        }
        _ => {}
    }
}

/// The working copies whose tangents must be kept from block to block in a STATE: those read
/// outside INITIAL. A block may read a copy before it assigns it (or assign it only on one
/// branch), and then sees the value an earlier block left, so the tangent is kept whether or not
/// the block assigns the copy first.
pub(super) fn copies_to_carry(m: &Module, copies: &[(VarId, VarId)]) -> Vec<VarId> {
    let mut read = vec![];
    for (i, b) in m.blocks.iter().enumerate() {
        if Some(i) == m.initial.map(|x| x.index()) {
            continue;
        }
        for s in &b.body {
            s.for_each_expr(&mut |e| read.extend(crate::sym::free_vars(&m.exprs, e)));
        }
    }
    copies
        .iter()
        .map(|&(_, c)| c)
        .filter(|c| read.contains(c))
        .collect()
}

/// The NONSPECIFIC_CURRENT that sums the declared ones, and the RANGE ASSIGNED value that holds
/// v where BREAKPOINT sets it (see [`expose_conductance`]).
pub(super) struct Summed {
    /// The current `gm_i`.
    pub total: VarId,
    /// `gm_vi`, v where the sum is taken.
    pub v_at: VarId,
    /// The declared currents, now RANGE ASSIGNED values.
    pub parts: Vec<VarId>,
}

/// Fails when a COMPARTMENT volume depends on the working copy of a parameter being
/// differentiated: the volumes' tangents are not carried (as for a volume that reads the
/// parameter itself, which the kinetic scheme's check rejects).
pub(super) fn check_volumes(
    m: &Module,
    copies: &[(VarId, VarId)],
    dvs: &[super::derive::DirVars],
) -> Result<(), crate::diag::Diagnostics> {
    for &(p, c) in copies {
        if !dvs.iter().any(|d| d.own == Some(p)) {
            continue;
        }
        for b in &m.blocks {
            let mut bad = None;
            for s in &b.body {
                s.for_each_stmt(&mut |x| {
                    if let StmtKind::Compartment { volume, .. } = x.kind
                        && crate::sym::depends_on(&m.exprs, volume, c)
                        && bad.is_none()
                    {
                        bad = Some(x.span);
                    }
                });
            }
            if let Some(span) = bad {
                return Err(crate::diag::Diagnostic::error(
                    span,
                    format!(
                        "differentiating along `{}`, on which a COMPARTMENT volume depends, is \
                         not supported by the Arbor back end (mechanism `{}`)",
                        m.var(p).name,
                        m.name
                    ),
                )
                .into());
            }
        }
    }
    Ok(())
}

/// Replaces several NONSPECIFIC_CURRENTs by one, `gm_i`, which the end of BREAKPOINT sets to
/// their sum; they stay as RANGE ASSIGNED values. Returns the new current, if any.
pub(super) fn sum_nonspecific(m: &mut Module) -> Option<Summed> {
    if m.nonspecific.len() < 2 {
        return None;
    }
    let bp = match m.breakpoint {
        Some(bp) => bp,
        None => {
            let bp = m.add_block(Block {
                name: m.fresh_block_name("BREAKPOINT"),
                kind: BlockKind::Breakpoint,
                body: vec![],
                span: m.span,
            });
            m.breakpoint = Some(bp);
            bp
        }
    };
    let name = m.fresh_var_name("gm_i");
    let span = m.span;
    let mut total = Variable::new(name, VarKind::Assigned, Scope::Range, span);
    total.unit = m.var(m.nonspecific[0]).unit.clone();
    let total = m.add_var(total);
    let name = m.fresh_var_name("gm_vi");
    let v_at = m.add_var(Variable::new(name, VarKind::Assigned, Scope::Range, span));
    let parts = std::mem::replace(&mut m.nonspecific, vec![total]);
    let mut sum = m.exprs.var(parts[0]);
    for &c in &parts[1..] {
        let x = m.exprs.var(c);
        sum = build::add(&mut m.exprs, sum, x);
    }
    m.blocks[bp.index()].body.push(Stmt {
        kind: StmtKind::Assign {
            var: total,
            value: sum,
        },
        span,
    });
    Some(Summed { total, v_at, parts })
}

/// The lines of the file's header that say what the rewrites did (empty without them).
pub(super) fn header_note(m: &Module, copies: &[(VarId, VarId)], sum: Option<&Summed>) -> String {
    let mut out = String::new();
    for &(p, c) in copies {
        out.push_str(&format!(
            "\nThe source assigns its PARAMETER {p}, which Arbor's dialect does not allow: {p} is\n\
             the value the user sets, and the mechanism works on the RANGE copy {c}, set from {p}\n\
             at the start of INITIAL and holding what the source last assigned from there on, as\n\
             NEURON's PARAMETER does (its tangents follow the assignments).\n",
            p = m.var(p).name,
            c = m.var(c).name,
        ));
    }
    if let Some(sum) = sum {
        let names: Vec<&str> = sum.parts.iter().map(|&c| m.var(c).name.as_str()).collect();
        out.push_str(&format!(
            "\nThe source's NONSPECIFIC_CURRENTs {} are RANGE values here (Arbor allows one\n\
             such current); NONSPECIFIC_CURRENT {} is their sum, and its conductance and\n\
             tangents are the sums of theirs.\n",
            names.join(", "),
            m.var(sum.total).name,
        ));
    }
    out
}

/// modcc takes a current's conductance (for Arbor's implicit voltage step, which the tangents
/// differentiate) as the derivative in v of the expression assigned to it, through LOCALs but
/// not through RANGE values: of a sum of the declared currents, which are RANGE, it would be
/// zero. The sum's assignment in `stmts` (BREAKPOINT with its tangents) becomes
/// `gm_i = i1 + i2 + g (v - gm_vi)`, after `gm_vi = v`: the added term is zero, as are its
/// tangents, and its derivative in v, the conductance `g` of the sum (an expression of the
/// LOCALs BREAKPOINT's conductances are held in), is the one modcc sees.
pub(super) fn expose_conductance(m: &mut Module, stmts: &mut Vec<Stmt>, sum: &Summed, g: ExprId) {
    let Some(v) = m.builtin(crate::ir::Builtin::V) else {
        return;
    };
    let Some(pos) = stmts
        .iter()
        .rposition(|s| matches!(s.kind, StmtKind::Assign { var, .. } if var == sum.total))
    else {
        return;
    };
    let span = stmts[pos].span;
    let ar = &mut m.exprs;
    let (ve, at) = (ar.var(v), ar.var(sum.v_at));
    let gap = ar.binary(crate::ir::BinOp::Sub, ve, at);
    let term = ar.binary(crate::ir::BinOp::Mul, g, gap);
    if let StmtKind::Assign { value, .. } = &mut stmts[pos].kind {
        *value = ar.binary(crate::ir::BinOp::Add, *value, term);
    }
    let set = Stmt {
        kind: StmtKind::Assign {
            var: sum.v_at,
            value: ve,
        },
        span,
    };
    stmts.insert(pos, set);
}

/// Replaces each SOLVE of a PROCEDURE in INITIAL by the PROCEDURE's statements: NEURON calls it
/// there, and the blocks after this one then see its assignments like any others of INITIAL.
pub(super) fn inline_initial_procedures(m: &mut Module) {
    if let Some(init) = m.initial {
        // Other SOLVEs are kept (the checks before this took only those the back end writes).
        let Ok(body) = m.inline_procedure_solves(&m.block(init).body, &mut |_| {
            Ok::<(), std::convert::Infallible>(())
        });
        m.blocks[init.index()].body = body;
    }
}

/// Renames each element `x[i]` of an array (a scalar once every index is a constant) to
/// `x_i`, a name Arbor's NMODL accepts. Arrays indexed at run time are rejected before this.
pub(super) fn scalar_elements(m: &mut Module) {
    for a in 0..m.arrays.len() {
        let name = m.arrays[a].name.clone();
        for (i, e) in m.arrays[a].elems.clone().into_iter().enumerate() {
            let fresh = m.fresh_var_name(&format!("{name}_{i}"));
            m.vars[e.index()].name = fresh;
        }
    }
}
