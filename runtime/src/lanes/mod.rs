//! Numbers over lanes of instances, for generated kernels.
//!
//! A generated kernel is written once over a type `L: Real` and compiled for each width: over `f64`
//! (one instance at a time, every function from libm); where the CPU has AVX2 and FMA, over
//! [`F64x4`] (four instances at a time, in a function compiled for those features); where it also
//! has AVX-512, over [`F64x8`] (eight at a time, in a function compiled for AVX-512), the instances
//! a wide loop leaves over done by the narrower versions. Every operation of the wide types is the
//! `f64` operation lane by lane, in the same order, and their `exp` equals glibc's to the bit (see
//! `exp.rs`), so every version gives the same numbers, and so does the run-time engine.
//!
//! Loads and stores go through the instance index `j` (fields, σ) or through the node index
//! (arrays per CV: a gather, a scatter, or an accumulation in instance order).

mod exp;
mod wide;

use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

pub use exp::exp_lanes;
pub use wide::{Block4, Block8, F64x4, F64x8};

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

/// Whether kernels may run eight lanes at a time: [`wide`], and a CPU with AVX-512 (F, VL, DQ).
/// `GRADMOD_NO_AVX512=1` keeps them at four lanes, for comparison. Detected once.
pub fn wide8() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    {
        use std::sync::OnceLock;
        static WIDE8: OnceLock<bool> = OnceLock::new();
        *WIDE8.get_or_init(|| {
            wide()
                && std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512vl")
                && std::is_x86_feature_detected!("avx512dq")
                && std::env::var_os("GRADMOD_NO_AVX512").is_none()
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
    /// Where the instances `j..j + W` sit: their CVs, and whether those are consecutive. Computed
    /// once per block of instances, so that the block's many per-CV accesses (one per tangent
    /// direction and array) neither reload the node index nor test it again.
    type Block: Copy;
    /// The [`Real::Block`] of instances `j..j + W`.
    fn block(node: &[usize], j: usize) -> Self::Block;
    /// [`Real::gather`] through a block.
    fn gather_at(array: &[f64], b: &Self::Block, offset: usize) -> Self;
    /// [`Real::scatter`] through a block.
    fn scatter_at(self, array: &mut [f64], b: &Self::Block, offset: usize);
    /// [`Real::accumulate`] through a block, with the block's weights `w` (loaded once).
    fn accumulate_at(
        self,
        array: &mut [f64],
        b: &Self::Block,
        w: Self,
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
    type Block = usize;
    #[inline(always)]
    fn block(node: &[usize], j: usize) -> usize {
        node[j]
    }
    #[inline(always)]
    fn gather_at(array: &[f64], b: &usize, offset: usize) -> Self {
        array[offset + b]
    }
    #[inline(always)]
    fn scatter_at(self, array: &mut [f64], b: &usize, offset: usize) {
        array[offset + b] = self;
    }
    #[inline(always)]
    fn accumulate_at(self, array: &mut [f64], b: &usize, w: Self, offset: usize, negate: bool) {
        let at = offset + b;
        if negate {
            array[at] -= w * self;
        } else {
            array[at] += w * self;
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
    fn eight_lanes_follow_f64_lane_by_lane() {
        let a = F64x8([1.0, -2.0, 0.5, 3.0, -0.25, 7.0, 1e-3, -9.0]);
        let b = F64x8([3.0, 0.25, -0.5, 1.0, 2.0, -7.0, 1e3, 4.0]);
        let s = F64x8::select(a.cmp(b, |x, y| x < y), a / b, a * b - a);
        for l in 0..8 {
            let want = if a.0[l] < b.0[l] {
                a.0[l] / b.0[l]
            } else {
                a.0[l] * b.0[l] - a.0[l]
            };
            assert_eq!(s.0[l].to_bits(), want.to_bits());
        }
        // A block whose lanes share CVs accumulates in instance order; a run of eight consecutive
        // CVs takes the contiguous path, with the same sums.
        let node = [0, 2, 2, 1, 0, 3, 3, 3];
        let w = F64x8([1.0, 0.5, 2.0, 1.0, 3.0, 0.25, 0.5, 1.5]);
        let mut acc = vec![0.0; 4];
        a.accumulate_at(&mut acc, &F64x8::block(&node, 0), w, 0, false);
        let mut want = vec![0.0; 4];
        for l in 0..8 {
            want[node[l]] += w.0[l] * a.0[l];
        }
        assert_eq!(acc, want);
        let run: Vec<usize> = (5..13).collect();
        let mut fast = vec![1.0; 14];
        a.accumulate_at(&mut fast, &F64x8::block(&run, 0), w, 1, true);
        let mut want = vec![1.0; 14];
        for l in 0..8 {
            want[6 + l] -= w.0[l] * a.0[l];
        }
        assert_eq!(fast, want);
        assert_eq!(
            F64x8::gather_at(&want, &F64x8::block(&run, 0), 1).0,
            want[6..14]
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
