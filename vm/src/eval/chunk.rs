//! The evaluator's operations on the lanes of a chunk: registers split into a destination and
//! operands, elementwise maps, library calls and `exp` four lanes at a time, short copies, and
//! the ion arrays by role.

use gradmod_compiler::ir::IonRole;
use gradmod_runtime::mechanism::{IonArrays, IonTangents};

use crate::program::{LANES, Reg};

/// One register: a value per lane.
pub type Lanes = [f64; LANES];

/// The destination register and an operand register, which is distinct from it.
#[inline(always)]
pub(super) fn split1(regs: &mut [Lanes], d: Reg, a: Reg) -> (&mut Lanes, &Lanes) {
    let (d, a) = (d as usize, a as usize);
    if a < d {
        let (lo, hi) = regs.split_at_mut(d);
        (&mut hi[0], &lo[a])
    } else {
        let (lo, hi) = regs.split_at_mut(a);
        (&mut lo[d], &hi[0])
    }
}

/// The destination register and two operand registers, both distinct from it.
#[inline(always)]
pub(super) fn split2(regs: &mut [Lanes], d: Reg, a: Reg, b: Reg) -> (&mut Lanes, &Lanes, &Lanes) {
    let d = d as usize;
    let (lo, rest) = regs.split_at_mut(d);
    let (out, hi) = rest.split_at_mut(1);
    let (lo, hi) = (&*lo, &*hi);
    let pick = |r: Reg| {
        let r = r as usize;
        if r < d { &lo[r] } else { &hi[r - d - 1] }
    };
    (&mut out[0], pick(a), pick(b))
}

/// The destination register and three operand registers, all distinct from it.
#[inline(always)]
pub(super) fn split3(
    regs: &mut [Lanes],
    d: Reg,
    a: Reg,
    b: Reg,
    c: Reg,
) -> (&mut Lanes, &Lanes, &Lanes, &Lanes) {
    let d = d as usize;
    let (lo, rest) = regs.split_at_mut(d);
    let (out, hi) = rest.split_at_mut(1);
    let (lo, hi) = (&*lo, &*hi);
    let pick = |r: Reg| {
        let r = r as usize;
        if r < d { &lo[r] } else { &hi[r - d - 1] }
    };
    (&mut out[0], pick(a), pick(b), pick(c))
}

/// `x^n` by repeated squaring, exactly as compiler-rt's `__powidf2` (which `f64::powi` calls)
/// and LLVM's expansion of a constant `powi` compute it.
#[inline(always)]
pub(super) fn powi(mut a: f64, n: i32) -> f64 {
    let mut b = n.unsigned_abs();
    let mut r = 1.0;
    loop {
        if b & 1 != 0 {
            r *= a;
        }
        b /= 2;
        if b == 0 {
            break;
        }
        a *= a;
    }
    if n < 0 { 1.0 / r } else { r }
}

/// The array of `role` in an ion's per-CV values.
pub(super) fn ion_array(ion: &IonArrays, role: IonRole) -> &[f64] {
    match role {
        IonRole::Current => &ion.current,
        IonRole::Reversal => &ion.rev,
        IonRole::ConcIn => &ion.inside,
        IonRole::ConcOut => &ion.outside,
        IonRole::ConcDiff => &ion.diffusive,
        IonRole::Conductance => &ion.current_dv,
    }
}

pub(super) fn ion_array_mut(ion: &mut IonArrays, role: IonRole) -> &mut [f64] {
    match role {
        IonRole::Current => &mut ion.current,
        IonRole::Reversal => &mut ion.rev,
        IonRole::ConcIn => &mut ion.inside,
        IonRole::ConcOut => &mut ion.outside,
        IonRole::ConcDiff => &mut ion.diffusive,
        IonRole::Conductance => &mut ion.current_dv,
    }
}

/// The array of `role` in an ion's tangents (`[k][cv]`).
pub(super) fn tan_array(ion: &IonTangents, role: IonRole) -> &[f64] {
    match role {
        IonRole::Current | IonRole::Conductance => &ion.current,
        IonRole::Reversal => &ion.rev,
        IonRole::ConcIn => &ion.inside,
        IonRole::ConcOut => &ion.outside,
        IonRole::ConcDiff => &ion.diffusive,
    }
}

pub(super) fn tan_array_mut(ion: &mut IonTangents, role: IonRole) -> &mut [f64] {
    match role {
        IonRole::Current | IonRole::Conductance => &mut ion.current,
        IonRole::Reversal => &mut ion.rev,
        IonRole::ConcIn => &mut ion.inside,
        IonRole::ConcOut => &mut ion.outside,
        IonRole::ConcDiff => &mut ion.diffusive,
    }
}

/// `d[l] = f(a[l])` for the first `w` lanes (a multiple of 4): whole chunks in one loop of
/// constant length, others four lanes at a time.
#[inline(always)]
pub(super) fn map1(w: usize, d: &mut Lanes, a: &Lanes, f: impl Fn(f64) -> f64) {
    if w == LANES {
        for l in 0..LANES {
            d[l] = f(a[l]);
        }
    } else {
        let d = d[..w].as_chunks_mut::<4>().0;
        let a = a[..w].as_chunks::<4>().0;
        for (d, a) in d.iter_mut().zip(a) {
            for l in 0..4 {
                d[l] = f(a[l]);
            }
        }
    }
}

/// `d[l] = f(a[l], b[l])` for the first `w` lanes (a multiple of 4), as [`map1`].
#[inline(always)]
pub(super) fn map2(w: usize, d: &mut Lanes, a: &Lanes, b: &Lanes, f: impl Fn(f64, f64) -> f64) {
    if w == LANES {
        for l in 0..LANES {
            d[l] = f(a[l], b[l]);
        }
    } else {
        let d = d[..w].as_chunks_mut::<4>().0;
        let a = a[..w].as_chunks::<4>().0;
        let b = b[..w].as_chunks::<4>().0;
        for ((d, a), b) in d.iter_mut().zip(a).zip(b) {
            for l in 0..4 {
                d[l] = f(a[l], b[l]);
            }
        }
    }
}

/// `d[l] = f(a[l])` for the first `n` lanes exactly (for library calls).
#[inline(always)]
pub(super) fn call(n: usize, d: &mut Lanes, a: &Lanes, f: impl Fn(f64) -> f64) {
    for (d, &a) in d[..n].iter_mut().zip(&a[..n]) {
        *d = f(a);
    }
}

/// `exp` of the chunk's first `n` instances, four at a time by the lanes' exp, then one by one.
#[inline(always)]
pub(super) fn exp4(n: usize, d: &mut Lanes, a: &Lanes) {
    let (d4, dr) = d[..n].as_chunks_mut::<4>();
    let (a4, ar) = a[..n].as_chunks::<4>();
    for (d, a) in d4.iter_mut().zip(a4) {
        *d = gradmod_runtime::lanes::exp_lanes(*a);
    }
    for (d, &a) in dr.iter_mut().zip(ar) {
        *d = a.exp();
    }
}

/// `dst.copy_from_slice(src)` for the short slices of a chunk, inline: four values at a time,
/// then the rest one by one (a call to `memmove` costs more than the copy).
#[inline(always)]
pub(super) fn copy(dst: &mut [f64], src: &[f64]) {
    let n = dst.len().min(src.len());
    let (d4, dr) = dst[..n].as_chunks_mut::<4>();
    let (s4, sr) = src[..n].as_chunks::<4>();
    for (d, s) in d4.iter_mut().zip(s4) {
        *d = *s;
    }
    for (d, s) in dr.iter_mut().zip(sr) {
        *d = *s;
    }
}

pub(super) fn truth(x: bool) -> f64 {
    if x { 1.0 } else { 0.0 }
}
