//! Lanes of four and of eight `f64`: every operation lane by lane, written so that the compiler
//! turns it into vector instructions inside the functions generated kernels compile for AVX2 (four
//! lanes) or AVX-512 (eight).

use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

use super::{Real, exp_lanes};

macro_rules! lanes {
    ($name:ident, $block:ident, $w:literal, $doc:literal, $bdoc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name(pub [f64; $w]);

        #[doc = $bdoc]
        #[derive(Clone, Copy, Debug)]
        pub struct $block {
            /// The CV of each lane's instance.
            cv: [usize; $w],
            /// Whether `cv[l] = cv[0] + l` for every lane.
            run: bool,
        }

        impl $block {
            /// The block of instances `j..j + W`.
            #[inline(always)]
            fn new(node: &[usize], j: usize) -> Self {
                let cv: [usize; $w] = node[j..j + $w].try_into().unwrap();
                let mut run = true;
                for l in 1..$w {
                    run &= cv[l] == cv[0].wrapping_add(l);
                }
                $block { cv, run }
            }
        }

        lanes!(@op $name, $w, Add, add, +);
        lanes!(@op $name, $w, Sub, sub, -);
        lanes!(@op $name, $w, Mul, mul, *);
        lanes!(@op $name, $w, Div, div, /);
        lanes!(@op $name, $w, Rem, rem, %);

        impl Neg for $name {
            type Output = $name;
            #[inline(always)]
            fn neg(self) -> $name {
                let mut out = self.0;
                for x in &mut out {
                    *x = -*x;
                }
                $name(out)
            }
        }

        impl Real for $name {
            type Mask = [bool; $w];
            const W: usize = $w;
            #[inline(always)]
            fn splat(x: f64) -> Self {
                $name([x; $w])
            }
            #[inline(always)]
            fn map(self, f: impl Fn(f64) -> f64) -> Self {
                // A loop rather than `<[f64; W]>::map`, which is not always inlined into the
                // functions compiled for the vector extensions.
                let mut out = self.0;
                for x in &mut out {
                    *x = f(*x);
                }
                $name(out)
            }
            #[inline(always)]
            fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
                let mut out = [0.0; $w];
                for l in 0..$w {
                    out[l] = f(self.0[l], o.0[l]);
                }
                $name(out)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $name(exp_lanes(self.0))
            }
            #[inline(always)]
            fn cmp(self, o: Self, op: impl Fn(f64, f64) -> bool) -> [bool; $w] {
                let mut out = [false; $w];
                for l in 0..$w {
                    out[l] = op(self.0[l], o.0[l]);
                }
                out
            }
            #[inline(always)]
            fn and(a: [bool; $w], b: [bool; $w]) -> [bool; $w] {
                let mut out = a;
                for l in 0..$w {
                    out[l] &= b[l];
                }
                out
            }
            #[inline(always)]
            fn or(a: [bool; $w], b: [bool; $w]) -> [bool; $w] {
                let mut out = a;
                for l in 0..$w {
                    out[l] |= b[l];
                }
                out
            }
            #[inline(always)]
            fn not(a: [bool; $w]) -> [bool; $w] {
                let mut out = a;
                for x in &mut out {
                    *x = !*x;
                }
                out
            }
            #[inline(always)]
            fn select(c: [bool; $w], a: Self, b: Self) -> Self {
                let mut out = b.0;
                for l in 0..$w {
                    if c[l] {
                        out[l] = a.0[l];
                    }
                }
                $name(out)
            }
            #[inline(always)]
            fn load(array: &[f64], j: usize) -> Self {
                $name(array[j..j + $w].try_into().unwrap())
            }
            #[inline(always)]
            fn from_instances(j: usize, f: impl Fn(usize) -> f64) -> Self {
                let mut out = [0.0; $w];
                for (l, x) in out.iter_mut().enumerate() {
                    *x = f(j + l);
                }
                $name(out)
            }
            #[inline(always)]
            fn store(self, array: &mut [f64], j: usize) {
                array[j..j + $w].copy_from_slice(&self.0);
            }
            #[inline(always)]
            fn gather(array: &[f64], node: &[usize], j: usize, offset: usize) -> Self {
                Self::gather_at(array, &$block::new(node, j), offset)
            }
            #[inline(always)]
            fn scatter(self, array: &mut [f64], node: &[usize], j: usize, offset: usize) {
                self.scatter_at(array, &$block::new(node, j), offset)
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
                let w = Self::load(weight, j);
                self.accumulate_at(array, &$block::new(node, j), w, offset, negate)
            }
            type Block = $block;
            #[inline(always)]
            fn block(node: &[usize], j: usize) -> $block {
                $block::new(node, j)
            }
            #[inline(always)]
            fn gather_at(array: &[f64], b: &$block, offset: usize) -> Self {
                if b.run {
                    return Self::load(array, offset + b.cv[0]);
                }
                let mut out = [0.0; $w];
                for l in 0..$w {
                    out[l] = array[offset + b.cv[l]];
                }
                $name(out)
            }
            #[inline(always)]
            fn scatter_at(self, array: &mut [f64], b: &$block, offset: usize) {
                if b.run {
                    return self.store(array, offset + b.cv[0]);
                }
                for l in 0..$w {
                    array[offset + b.cv[l]] = self.0[l];
                }
            }
            #[inline(always)]
            fn accumulate_at(
                self,
                array: &mut [f64],
                b: &$block,
                w: Self,
                offset: usize,
                negate: bool,
            ) {
                if b.run {
                    // Distinct CVs: the lanes' additions are independent, and their order does
                    // not matter.
                    let at = offset + b.cv[0];
                    let a = &mut array[at..at + $w];
                    for l in 0..$w {
                        if negate {
                            a[l] -= w.0[l] * self.0[l];
                        } else {
                            a[l] += w.0[l] * self.0[l];
                        }
                    }
                    return;
                }
                // Lanes may share a CV: their additions run in instance order.
                for l in 0..$w {
                    let at = offset + b.cv[l];
                    if negate {
                        array[at] -= w.0[l] * self.0[l];
                    } else {
                        array[at] += w.0[l] * self.0[l];
                    }
                }
            }
        }
    };
    (@op $name:ident, $w:literal, $trait:ident, $f:ident, $op:tt) => {
        impl $trait for $name {
            type Output = $name;
            #[inline(always)]
            fn $f(self, o: $name) -> $name {
                let (a, b) = (self.0, o.0);
                let mut out = [0.0; $w];
                for l in 0..$w {
                    out[l] = a[l] $op b[l];
                }
                $name(out)
            }
        }
    };
}

lanes!(
    F64x4,
    Block4,
    4,
    "Four lanes of `f64` (AVX2).",
    "The CVs of a block of four instances, and whether they are consecutive."
);
lanes!(
    F64x8,
    Block8,
    8,
    "Eight lanes of `f64` (AVX-512).",
    "The CVs of a block of eight instances, and whether they are consecutive."
);
