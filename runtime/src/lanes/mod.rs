//! Numbers over lanes of instances, for generated kernels.
//!
//! A generated kernel is written once over a type `L: Real` and compiled twice: over `f64` (one
//! instance at a time, every function from libm) and, where the CPU has AVX2 and FMA, over
//! [`F64x4`] (four instances at a time, in a function compiled for those features), with the
//! instances the four-lane loop leaves over done by the `f64` version. Every operation of [`F64x4`]
//! is the `f64` operation lane by lane, in the same order, and its `exp` equals glibc's to the bit
//! (see `exp.rs`), so both versions give the same numbers, and so does the run-time engine.
//!
//! Loads and stores go through the instance index `j` (fields, σ) or through the node index
//! (arrays per CV: a gather, a scatter, or an accumulation in instance order).

mod exp;

use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

pub use exp::exp_lanes;

/// Whether kernels may run four lanes at a time: an x86-64 CPU with AVX2 and FMA under glibc,
/// whose `exp` the lanes reproduce. Detected once.
pub fn wide() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    {
        use std::sync::OnceLock;
        static WIDE: OnceLock<bool> = OnceLock::new();
        *WIDE.get_or_init(|| {
            std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("fma")
                && std::env::var_os("GRADMOD_NO_LANES").is_none()
        })
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// A number per lane with the arithmetic of `f64` lane by lane.
pub trait Real:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Rem<Output = Self>
    + Neg<Output = Self>
{
    /// A truth value per lane.
    type Mask: Copy;
    /// The number of lanes.
    const W: usize;
    /// `x` in every lane.
    fn splat(x: f64) -> Self;
    /// `f` of every lane.
    fn map(self, f: impl Fn(f64) -> f64) -> Self;
    /// `f` of every pair of lanes.
    fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self;
    /// `exp` of every lane.
    fn exp(self) -> Self;
    /// `powi` of every lane.
    fn powi(self, n: i32) -> Self {
        self.map(|x| x.powi(n))
    }
    /// `a op b` per lane.
    fn cmp(self, o: Self, op: impl Fn(f64, f64) -> bool) -> Self::Mask;
    /// `a && b` per lane.
    fn and(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    /// `a || b` per lane.
    fn or(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    /// `!a` per lane.
    fn not(a: Self::Mask) -> Self::Mask;
    /// `if c { a } else { b }` per lane.
    fn select(c: Self::Mask, a: Self, b: Self) -> Self;
    /// `array[j..j + W]`.
    fn load(array: &[f64], j: usize) -> Self;
    /// `f(j + l)` in every lane l (a random draw of each lane's instance).
    fn from_instances(j: usize, f: impl Fn(usize) -> f64) -> Self;
    /// `array[j..j + W] = self`.
    fn store(self, array: &mut [f64], j: usize);
    /// `array[offset + node[j + l]]` for every lane l.
    fn gather(array: &[f64], node: &[usize], j: usize, offset: usize) -> Self;
    /// `array[offset + node[j + l]] = self[l]` for every lane l, in order.
    fn scatter(self, array: &mut [f64], node: &[usize], j: usize, offset: usize);
    /// `array[offset + node[j + l]] += weight[j + l] * self[l]` (or `-=`) for every lane, in order.
    fn accumulate(
        self,
        array: &mut [f64],
        node: &[usize],
        weight: &[f64],
        j: usize,
        offset: usize,
        negate: bool,
    );
}

impl Real for f64 {
    type Mask = bool;
    const W: usize = 1;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn map(self, f: impl Fn(f64) -> f64) -> Self {
        f(self)
    }
    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        f(self, o)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        f64::exp(self)
    }
    #[inline(always)]
    fn cmp(self, o: Self, op: impl Fn(f64, f64) -> bool) -> bool {
        op(self, o)
    }
    #[inline(always)]
    fn and(a: bool, b: bool) -> bool {
        a && b
    }
    #[inline(always)]
    fn or(a: bool, b: bool) -> bool {
        a || b
    }
    #[inline(always)]
    fn not(a: bool) -> bool {
        !a
    }
    #[inline(always)]
    fn select(c: bool, a: Self, b: Self) -> Self {
        if c { a } else { b }
    }
    #[inline(always)]
    fn load(array: &[f64], j: usize) -> Self {
        array[j]
    }
    #[inline(always)]
    fn from_instances(j: usize, f: impl Fn(usize) -> f64) -> Self {
        f(j)
    }
    #[inline(always)]
    fn store(self, array: &mut [f64], j: usize) {
        array[j] = self;
    }
    #[inline(always)]
    fn gather(array: &[f64], node: &[usize], j: usize, offset: usize) -> Self {
        array[offset + node[j]]
    }
    #[inline(always)]
    fn scatter(self, array: &mut [f64], node: &[usize], j: usize, offset: usize) {
        array[offset + node[j]] = self;
    }
    #[inline(always)]
    fn accumulate(
        self,
        array: &mut [f64],
        node: &[usize],
        weight: &[f64],
        j: usize,
        offset: usize,
        negate: bool,
    ) {
        let at = offset + node[j];
        if negate {
            array[at] -= weight[j] * self;
        } else {
            array[at] += weight[j] * self;
        }
    }
}

/// The first of four consecutive CVs when instances `j..j + 4` sit on them (as the instances of a
/// density mechanism on a cable do), so that their per-CV values are contiguous.
#[inline(always)]
fn run_of_four(node: &[usize], j: usize) -> Option<usize> {
    let n = &node[j..j + 4];
    let cv = n[0];
    (n[1] == cv.wrapping_add(1) && n[2] == cv.wrapping_add(2) && n[3] == cv.wrapping_add(3))
        .then_some(cv)
}

/// Four lanes of `f64`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct F64x4(pub [f64; 4]);

macro_rules! lanewise {
    ($trait:ident, $f:ident, $op:tt) => {
        impl $trait for F64x4 {
            type Output = F64x4;
            #[inline(always)]
            fn $f(self, o: F64x4) -> F64x4 {
                let (a, b) = (self.0, o.0);
                F64x4([a[0] $op b[0], a[1] $op b[1], a[2] $op b[2], a[3] $op b[3]])
            }
        }
    };
}
lanewise!(Add, add, +);
lanewise!(Sub, sub, -);
lanewise!(Mul, mul, *);
lanewise!(Div, div, /);
lanewise!(Rem, rem, %);

impl Neg for F64x4 {
    type Output = F64x4;
    #[inline(always)]
    fn neg(self) -> F64x4 {
        let a = self.0;
        F64x4([-a[0], -a[1], -a[2], -a[3]])
    }
}

impl Real for F64x4 {
    type Mask = [bool; 4];
    const W: usize = 4;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        F64x4([x; 4])
    }
    #[inline(always)]
    fn map(self, f: impl Fn(f64) -> f64) -> Self {
        F64x4(self.0.map(f))
    }
    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        let (a, b) = (self.0, o.0);
        F64x4([f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])])
    }
    #[inline(always)]
    fn exp(self) -> Self {
        F64x4(exp_lanes(self.0))
    }
    #[inline(always)]
    fn cmp(self, o: Self, op: impl Fn(f64, f64) -> bool) -> [bool; 4] {
        let (a, b) = (self.0, o.0);
        [
            op(a[0], b[0]),
            op(a[1], b[1]),
            op(a[2], b[2]),
            op(a[3], b[3]),
        ]
    }
    #[inline(always)]
    fn and(a: [bool; 4], b: [bool; 4]) -> [bool; 4] {
        [a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]]
    }
    #[inline(always)]
    fn or(a: [bool; 4], b: [bool; 4]) -> [bool; 4] {
        [a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3]]
    }
    #[inline(always)]
    fn not(a: [bool; 4]) -> [bool; 4] {
        a.map(|x| !x)
    }
    #[inline(always)]
    fn select(c: [bool; 4], a: Self, b: Self) -> Self {
        let (a, b) = (a.0, b.0);
        F64x4([
            if c[0] { a[0] } else { b[0] },
            if c[1] { a[1] } else { b[1] },
            if c[2] { a[2] } else { b[2] },
            if c[3] { a[3] } else { b[3] },
        ])
    }
    #[inline(always)]
    fn load(array: &[f64], j: usize) -> Self {
        F64x4(array[j..j + 4].try_into().unwrap())
    }
    #[inline(always)]
    fn from_instances(j: usize, f: impl Fn(usize) -> f64) -> Self {
        F64x4([f(j), f(j + 1), f(j + 2), f(j + 3)])
    }
    #[inline(always)]
    fn store(self, array: &mut [f64], j: usize) {
        array[j..j + 4].copy_from_slice(&self.0);
    }
    #[inline(always)]
    fn gather(array: &[f64], node: &[usize], j: usize, offset: usize) -> Self {
        if let Some(cv) = run_of_four(node, j) {
            return Self::load(array, offset + cv);
        }
        let n = &node[j..j + 4];
        F64x4([
            array[offset + n[0]],
            array[offset + n[1]],
            array[offset + n[2]],
            array[offset + n[3]],
        ])
    }
    #[inline(always)]
    fn scatter(self, array: &mut [f64], node: &[usize], j: usize, offset: usize) {
        if let Some(cv) = run_of_four(node, j) {
            return self.store(array, offset + cv);
        }
        for (l, &cv) in node[j..j + 4].iter().enumerate() {
            array[offset + cv] = self.0[l];
        }
    }
    #[inline(always)]
    fn accumulate(
        self,
        array: &mut [f64],
        node: &[usize],
        weight: &[f64],
        j: usize,
        offset: usize,
        negate: bool,
    ) {
        let w = &weight[j..j + 4];
        if let Some(cv) = run_of_four(node, j) {
            // Four distinct CVs: the lanes' additions are independent, and their order does not
            // matter.
            let a = &mut array[offset + cv..offset + cv + 4];
            for l in 0..4 {
                if negate {
                    a[l] -= w[l] * self.0[l];
                } else {
                    a[l] += w[l] * self.0[l];
                }
            }
            return;
        }
        for (l, &cv) in node[j..j + 4].iter().enumerate() {
            if negate {
                array[offset + cv] -= w[l] * self.0[l];
            } else {
                array[offset + cv] += w[l] * self.0[l];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` compiled with AVX2 and FMA, as generated kernels run the lanes.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn exp4_fma(x: [f64; 4]) -> [f64; 4] {
        exp_lanes(x)
    }

    /// A simple deterministic generator (xorshift).
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn lanes_exp_equals_libm_to_the_bit() {
        if !wide() {
            return;
        }
        let mut s = 0x9e3779b97f4a7c15u64;
        let mut bad = Vec::new();
        let specials = [
            0.0,
            -0.0,
            1e-300,
            -1e-17,
            1e-16,
            511.9,
            512.0,
            -600.0,
            709.7,
            710.0,
            -745.0,
            -746.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut inputs: Vec<f64> = specials.to_vec();
        for i in 0..2_000_000u64 {
            let u = (next(&mut s) >> 11) as f64 / (1u64 << 53) as f64;
            // Mostly the range of rate functions, some of the whole range of exp.
            let x = match i % 4 {
                0 => (u - 0.5) * 20.0,
                1 => (u - 0.5) * 200.0,
                2 => (u - 0.5) * 1500.0,
                _ => (u - 0.5) * 1e-3,
            };
            inputs.push(x);
        }
        while !inputs.len().is_multiple_of(4) {
            inputs.push(1.0);
        }
        for c in inputs.chunks(4) {
            let x: [f64; 4] = c.try_into().unwrap();
            // Safety: `wide()` checked that the CPU has AVX2 and FMA.
            let y = unsafe { exp4_fma(x) };
            for l in 0..4 {
                let want = f64::exp(x[l]);
                if y[l].to_bits() != want.to_bits() && !(y[l].is_nan() && want.is_nan()) {
                    bad.push((x[l], y[l], want));
                }
            }
        }
        assert!(
            bad.is_empty(),
            "{} differ, e.g. {:?}",
            bad.len(),
            &bad[..bad.len().min(5)]
        );
    }

    #[test]
    fn lanes_follow_f64_lane_by_lane() {
        let a = F64x4([1.0, -2.0, 0.5, f64::NAN]);
        let b = F64x4([3.0, 0.25, -0.5, 1.0]);
        let s = F64x4::select(a.cmp(b, |x, y| x < y), a / b, a % b);
        for l in 0..3 {
            let want = if a.0[l] < b.0[l] {
                a.0[l] / b.0[l]
            } else {
                a.0[l] % b.0[l]
            };
            assert_eq!(s.0[l].to_bits(), want.to_bits());
        }
        assert!(s.0[3].is_nan());
        let mut acc = vec![0.0; 3];
        F64x4([1.0, 2.0, 3.0, 4.0]).accumulate(
            &mut acc,
            &[0, 2, 2, 1],
            &[1.0, 0.5, 2.0, 1.0],
            0,
            0,
            false,
        );
        assert_eq!(acc, vec![1.0, 4.0, 7.0]);
        // Consecutive CVs take the contiguous path; the same sums as lane by lane.
        let (x, w) = (F64x4([0.1, 0.2, 0.3, 0.4]), [0.5, 1.5, 2.5, 3.5]);
        let mut fast = vec![1.0; 6];
        x.accumulate(&mut fast, &[1, 2, 3, 4], &w, 0, 1, true);
        let mut want = vec![1.0; 6];
        for l in 0..4 {
            want[2 + l] -= w[l] * x.0[l];
        }
        assert_eq!(fast, want);
        let g = F64x4::gather(&want, &[2, 3, 4, 5], 0, 0);
        assert_eq!(g.0, [want[2], want[3], want[4], want[5]]);
    }
}
