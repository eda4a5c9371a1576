//! Exponentials of one kernel body computed from one another.
//!
//! Rate functions take several exponentials of the same voltage: hh's `exp(-(v + 40)/10)`,
//! `exp(-(v + 35)/10)` and `exp(-(v + 55)/10)` differ by constant factors, and its
//! `exp(-(v + 65)/20)` is the fourth power of `exp(-(v + 65)/80)`. An exponential costs about ten
//! products and two table loads per lane, so before the body's subexpressions are named, each
//! `exp(s·x + o)` of the body's outputs (with `x` the same non-constant subexpression and `s`, `o`
//! constants, as [`affine`] reads them) is rewritten from an earlier one, its base `exp(s_b·x + o_b)`:
//!
//! 1. the same scale (`s = s_b`) and an offset within [`MAX_SHIFT`] of the base's: the base times
//!    the constant `exp(o - o_b)`;
//! 2. a scale `s = n·s_b` for n = 2, 3 or 4 exactly: the base's n-th power (by products), times
//!    `exp(o - n·o_b)` unless that is 1.
//!
//! Candidates are taken from the primal outputs first (the stores that are not per tangent
//! direction) and then from the rest, each part in order of increasing |s|, each becoming a base
//! unless an earlier base relates to it; so a state kernel and the fused tangent kernel that also advances the states rewrite their
//! common primal outputs alike and advance the states by the same bits. Values change by a few
//! ulp: the rounding of the base's argument scaled by n, and of the products. The rewrite is of
//! values, before any back end reads the plan, so every back end computes the same and the
//! tangent outputs stay the derivative of what the primal outputs compute. Exponentials whose
//! argument is the same for every instance are left alone (they are computed once per call).

use std::collections::HashMap;

use super::reduce::rebuild;
use crate::ir::{BinOp, Expr, ExprArena, ExprId, Func, UnOp, VarId};
use crate::sym::free_vars;

/// The largest offset between an exponential and its base, `|o - o_b|`: the factor `exp(o - o_b)`
/// stays between about 2e-9 and 5e8, so a base that overflows or vanishes where the exponential
/// itself would not needs an argument beyond ±690, far outside any rate function's range.
const MAX_SHIFT: f64 = 20.0;

/// `e` as `scale · leaf + offset` with constants `scale` and `offset` and the largest
/// non-constant `leaf` that sums, differences, negations and products or quotients by constants
/// reach; `None` for a constant.
fn affine(ar: &ExprArena, e: ExprId) -> Option<(ExprId, f64, f64)> {
    let num = |id| ar.as_num(id);
    match ar.get(e) {
        Expr::Num(_) => None,
        Expr::Unary(UnOp::Neg, a) => affine(ar, a).map(|(x, s, o)| (x, -s, -o)),
        Expr::Binary(BinOp::Mul, a, b) => match (num(a), num(b)) {
            (Some(c), None) => affine(ar, b).map(|(x, s, o)| (x, c * s, c * o)),
            (None, Some(c)) => affine(ar, a).map(|(x, s, o)| (x, c * s, c * o)),
            _ => Some((e, 1.0, 0.0)),
        },
        Expr::Binary(BinOp::Div, a, b) => match num(b) {
            Some(c) if c != 0.0 => affine(ar, a).map(|(x, s, o)| (x, s / c, o / c)),
            _ => Some((e, 1.0, 0.0)),
        },
        Expr::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
            let sign = if op == BinOp::Add { 1.0 } else { -1.0 };
            match (num(a), num(b)) {
                (None, Some(c)) => affine(ar, a).map(|(x, s, o)| (x, s, o + sign * c)),
                (Some(c), None) => affine(ar, b).map(|(x, s, o)| (x, sign * s, c + sign * o)),
                _ => Some((e, 1.0, 0.0)),
            }
        }
        _ => Some((e, 1.0, 0.0)),
    }
}

/// An exponential kept as a base: its node and its argument's affine form.
struct Base {
    node: ExprId,
    scale: f64,
    offset: f64,
}

/// The value of `exp(s·x + o)` from a base of the same `x`, if one relates to it.
fn from_base(ar: &mut ExprArena, bases: &[Base], scale: f64, offset: f64) -> Option<ExprId> {
    for b in bases {
        for n in 1..=4u32 {
            if scale != f64::from(n) * b.scale {
                continue;
            }
            let shift = offset - f64::from(n) * b.offset;
            if !shift.is_finite() || shift.abs() > MAX_SHIFT {
                continue;
            }
            let power = match n {
                1 => b.node,
                2 => ar.binary(BinOp::Mul, b.node, b.node),
                3 => {
                    let sq = ar.binary(BinOp::Mul, b.node, b.node);
                    ar.binary(BinOp::Mul, sq, b.node)
                }
                _ => {
                    let sq = ar.binary(BinOp::Mul, b.node, b.node);
                    ar.binary(BinOp::Mul, sq, sq)
                }
            };
            if shift == 0.0 {
                return Some(power);
            }
            let factor = ar.num(shift.exp());
            return Some(ar.binary(BinOp::Mul, power, factor));
        }
    }
    None
}

/// The roots with each exponential that a base relates to computed from it. `primal[i]` tells
/// whether root i is a primal output; `uniform` whether a variable is the same for every instance.
pub(super) fn share(
    ar: &mut ExprArena,
    roots: &[ExprId],
    primal: &[bool],
    uniform: &dyn Fn(VarId) -> bool,
) -> Vec<ExprId> {
    let primal_roots: Vec<ExprId> = roots
        .iter()
        .zip(primal)
        .filter_map(|(&r, &p)| p.then_some(r))
        .collect();
    let first = ar.reachable(&primal_roots);
    let seen: std::collections::HashSet<ExprId> = first.iter().copied().collect();
    let rest: Vec<ExprId> = ar
        .reachable(roots)
        .into_iter()
        .filter(|id| !seen.contains(id))
        .collect();

    // Which exponentials are computed from which bases: the primal outputs' first, then the
    // rest, each in order of increasing |scale| (so that a power's base is met before it).
    let mut bases: HashMap<ExprId, Vec<Base>> = HashMap::new();
    let mut replaced: HashMap<ExprId, ExprId> = HashMap::new();
    for part in [first, rest] {
        let mut candidates: Vec<(ExprId, ExprId, f64, f64)> = Vec::new();
        for id in part {
            let Expr::Call(Func::Exp, arg) = ar.get(id) else {
                continue;
            };
            if free_vars(ar, arg).into_iter().all(uniform) {
                continue;
            }
            let Some((leaf, scale, offset)) = affine(ar, arg) else {
                continue;
            };
            if scale.is_finite() && offset.is_finite() && scale != 0.0 {
                candidates.push((id, leaf, scale, offset));
            }
        }
        candidates.sort_by(|a, b| a.2.abs().total_cmp(&b.2.abs()));
        for (id, leaf, scale, offset) in candidates {
            let group = bases.entry(leaf).or_default();
            match from_base(ar, group, scale, offset) {
                Some(value) => {
                    replaced.insert(id, value);
                }
                None => group.push(Base {
                    node: id,
                    scale,
                    offset,
                }),
            }
        }
    }
    if replaced.is_empty() {
        return roots.to_vec();
    }

    // The roots rebuilt with the replacements (a replacement reads bases only, which are kept).
    let mut map: HashMap<ExprId, ExprId> = HashMap::new();
    for id in ar.reachable(roots) {
        let value = match replaced.get(&id) {
            Some(&v) => v,
            None => {
                let node = ar.get(id);
                rebuild(ar, node, &map)
            }
        };
        map.insert(id, value);
    }
    roots.iter().map(|r| map[r]).collect()
}
