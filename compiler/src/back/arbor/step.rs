//! The pieces of the derivative of Arbor's voltage step that the emitted mechanisms take around
//! Arbor's diffusion of the dv/dθ species: the semi-implicit membrane step in BREAKPOINT and the
//! corrections in DERIVATIVE once the species has diffused and v' is known (docs/arbor.md).

use super::{assign, derive};
use crate::ir::{BinOp, Builtin, ExprId, Module, Stmt, VarId};

/// The variables BREAKPOINT keeps for DERIVATIVE.
pub(super) struct Kept {
    pub(super) g: VarId,
    pub(super) v: VarId,
    pub(super) dg: Vec<VarId>,
    /// The value of dv/dθ that BREAKPOINT leaves to Arbor's diffusion.
    pub(super) xin: Vec<VarId>,
    /// STATEs holding dv/dθ at the start of the step, for probes: Arbor samples after
    /// BREAKPOINT, when the species already holds part of the next step's value.
    pub(super) probe: Vec<VarId>,
}

/// The variables a point process's BREAKPOINT keeps for DERIVATIVE.
pub(super) struct PointKept {
    pub(super) g: VarId,
    pub(super) v: VarId,
    pub(super) dg: Vec<VarId>,
}

/// The statements that open a point process's DERIVATIVE: its term -dg/dθ (v' - v) of the
/// derivative of Arbor's voltage step, semi-implicit in its own conductance g (µS) on the CV's
/// capacitance c_m · area, in the species' scale:
/// `X <- X - pre 1e5 dt dg (v' - v) / (c_m area + 1e5 dt g)`. `params` are dt, c_m and area.
pub(super) fn point_head(
    m: &mut Module,
    dvs: &[derive::DirVars],
    keep: &PointKept,
    params: [VarId; 3],
    span: crate::diag::Span,
) -> Vec<Stmt> {
    let [dt, cm, area] = params;
    let mut head = vec![];
    for (dv, &dg) in dvs.iter().zip(&keep.dg) {
        let v = m.builtin(Builtin::V).map(|v| m.exprs.var(v));
        let e = &mut m.exprs;
        let (x, pre, dtv, cmv, area, g, v0, dg) = (
            e.var(dv.s),
            e.var(dv.pre),
            e.var(dt),
            e.var(cm),
            e.var(area),
            e.var(keep.g),
            e.var(keep.v),
            e.var(dg),
        );
        let v = v.unwrap_or(v0);
        let k = e.num(1e5);
        let kdt = e.binary(BinOp::Mul, k, dtv);
        let step = e.binary(BinOp::Sub, v, v0);
        let di = e.binary(BinOp::Mul, dg, step);
        let num = e.binary(BinOp::Mul, kdt, di);
        let cap = e.binary(BinOp::Mul, cmv, area);
        let kdtg = e.binary(BinOp::Mul, kdt, g);
        let den = e.binary(BinOp::Add, cap, kdtg);
        let q = e.binary(BinOp::Div, num, den);
        let q = e.binary(BinOp::Mul, pre, q);
        let value = e.binary(BinOp::Sub, x, q);
        head.push(assign(dv.s, value, span));
    }
    head
}

/// The sum of the tangents `t` of the currents.
pub(super) fn sum_currents(
    m: &mut Module,
    currents: &[VarId],
    t: &crate::passes::jvp::Tangents,
) -> ExprId {
    let mut acc = m.exprs.num(0.0);
    for c in currents {
        if let Some(&e) = t.get(c) {
            acc = m.exprs.binary(BinOp::Add, acc, e);
        }
    }
    acc
}

/// The species after the semi-implicit membrane step of dv/dθ, `S - 1000 dt dI / (cm + 1000 dt
/// g)`, in the species' scale: `X - pre 1000 dt dI / (cm + 1000 dt g)`.
pub(super) fn semi_implicit(
    m: &mut Module,
    dv: &derive::DirVars,
    di: ExprId,
    g: ExprId,
    dt: VarId,
    cm: VarId,
) -> ExprId {
    let e = &mut m.exprs;
    let (x, pre, dt, cm) = (e.var(dv.s), e.var(dv.pre), e.var(dt), e.var(cm));
    let k = e.num(1000.0);
    let kdt = e.binary(BinOp::Mul, k, dt);
    let num = e.binary(BinOp::Mul, kdt, di);
    let kdtg = e.binary(BinOp::Mul, kdt, g);
    let den = e.binary(BinOp::Add, cm, kdtg);
    let q = e.binary(BinOp::Div, num, den);
    let q = e.binary(BinOp::Mul, pre, q);
    e.binary(BinOp::Sub, x, q)
}

/// The statements that open DERIVATIVE, after Arbor's diffusion has moved each species: where
/// `gm_axial` = 1, the axial part of dv/dθ becomes `post · X` (the exact solve of the axial
/// tangent equation from x, the value BREAKPOINT left, when the recipe sets the scales and
/// diffusivities of docs/arbor.md) and its increment over x is divided by 1 + 1000 dt g / c_m,
/// the membrane's share of the implicit step:
/// `X <- X + axial (pre (x + (post X - x) c_m / (c_m + 1000 dt g)) - X)`.
/// Then every mechanism adds its term -dg/dθ (v' - v) through the same semi-implicit factor,
/// now that v' is known. `params` are dt, c_m, post and axial.
pub(super) fn axial_head(
    m: &mut Module,
    dvs: &[derive::DirVars],
    keep: &Kept,
    params: [VarId; 4],
    span: crate::diag::Span,
) -> Vec<Stmt> {
    let [dt, cm, post, axial] = params;
    let mut head = vec![];
    let g = m.exprs.var(keep.g);
    for ((dv, &dg), &xin) in dvs.iter().zip(&keep.dg).zip(&keep.xin) {
        // The splitting is right only where this mechanism is the only one on the CV that
        // carries a current (x is the value after every mechanism's BREAKPOINT only then).
        let e = &mut m.exprs;
        let (x, y, cmv, dtv, pre) = (e.var(xin), e.var(dv.s), e.var(cm), e.var(dt), e.var(dv.pre));
        let k = e.num(1000.0);
        let kdt = e.binary(BinOp::Mul, k, dtv);
        let kdtg = e.binary(BinOp::Mul, kdt, g);
        let den = e.binary(BinOp::Add, cmv, kdtg);
        let post = e.var(post);
        let solved = e.binary(BinOp::Mul, post, y);
        let moved = e.binary(BinOp::Sub, solved, x);
        let factor = e.binary(BinOp::Div, cmv, den);
        let scaled = e.binary(BinOp::Mul, moved, factor);
        let s_new = e.binary(BinOp::Add, x, scaled);
        let x_new = e.binary(BinOp::Mul, pre, s_new);
        let change = e.binary(BinOp::Sub, x_new, y);
        let axial = e.var(axial);
        let change = e.binary(BinOp::Mul, axial, change);
        let value = e.binary(BinOp::Add, y, change);
        head.push(assign(dv.s, value, span));
        let (dg, v0) = (m.exprs.var(dg), m.exprs.var(keep.v));
        let v = m.builtin(Builtin::V).map(|v| m.exprs.var(v));
        let v = v.unwrap_or(v0);
        let dv_step = m.exprs.binary(BinOp::Sub, v, v0);
        let di = m.exprs.binary(BinOp::Mul, dg, dv_step);
        let step = semi_implicit(m, dv, di, g, dt, cm);
        head.push(assign(dv.s, step, span));
    }
    head
}
