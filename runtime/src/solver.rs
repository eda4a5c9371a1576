//! The Hines tree matrix: O(n) elimination for a tree whose parents precede their children.
//!
//! Row i of the matrix is NEURON's: diagonal `d[i]`, coefficient `b[i]` of the parent's value in row
//! i, and coefficient `a[i]` of node i's value in its parent's row (both `-100/(ri·area)` with the
//! area of the row's own node, in mA/cm² per mV). One elimination per step stores the eliminated
//! diagonal and the multipliers, so further right-hand sides (the tangent columns) cost one forward
//! and one backward sweep each.

use crate::discretization::NO_PARENT;

/// A tree matrix in NEURON's a/b/d form with its eliminated factors.
#[derive(Clone, Debug)]
pub(crate) struct HinesMatrix {
    /// Parent of each row; `parent[i] < i`, [`NO_PARENT`] for the root.
    parent: Vec<usize>,
    /// Whether the tree is one unbranched cable with parent(i) = i − 1, as for a single section.
    chain: bool,
    /// Coefficient of `v[i]` in the parent's row.
    pub a: Vec<f64>,
    /// Coefficient of `v[parent]` in row i.
    pub b: Vec<f64>,
    /// Diagonal; after [`HinesMatrix::solve`], the eliminated diagonal.
    pub d: Vec<f64>,
    /// Elimination multipliers a[i]/d[i] of the last factorisation.
    mult: Vec<f64>,
    /// Reciprocals of the eliminated diagonal.
    inv_d: Vec<f64>,
    /// For an unbranched cable, the coefficient of the unknown the back substitution comes from,
    /// over the eliminated diagonal (`b[i] / d[i]` below the middle row, `a[i + 1] / d[i]` above),
    /// so that each row of the back substitution is one product and one subtraction on its
    /// dependency chain.
    coupling: Vec<f64>,
}

impl HinesMatrix {
    /// A matrix for the given tree with zero coefficients.
    pub(crate) fn new(parent: Vec<usize>) -> Self {
        let n = parent.len();
        let chain = parent
            .iter()
            .enumerate()
            .all(|(i, &p)| p == i.wrapping_sub(1));
        Self {
            parent,
            chain,
            a: vec![0.0; n],
            b: vec![0.0; n],
            d: vec![0.0; n],
            mult: vec![0.0; n],
            inv_d: vec![0.0; n],
            coupling: vec![0.0; n],
        }
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.parent.len()
    }

    /// Eliminates the matrix (overwriting `d`) and solves `M x = rhs` in place.
    #[inline]
    pub(crate) fn solve(&mut self, rhs: &mut [f64]) {
        if self.chain {
            self.solve_chain(rhs);
            return;
        }
        let n = self.len();
        let (parent, a, b) = (&self.parent[..n], &self.a[..n], &self.b[..n]);
        let (d, mult, inv_d) = (&mut self.d[..n], &mut self.mult[..n], &mut self.inv_d[..n]);
        let rhs = &mut rhs[..n];
        for i in (0..n).rev() {
            let p = parent[i];
            if p == NO_PARENT {
                continue;
            }
            let inv = 1.0 / d[i];
            inv_d[i] = inv;
            let m = a[i] * inv;
            mult[i] = m;
            d[p] -= m * b[i];
            rhs[p] -= m * rhs[i];
        }
        self.back_substitute(rhs);
    }

    /// [`HinesMatrix::solve`] for an unbranched cable, eliminated from both ends towards the row
    /// `n / 2` (a twisted factorisation): the two halves are independent dependency chains that
    /// the processor overlaps, where one elimination from the far end is one chain of divisions
    /// twice as long. Rows above the middle store the multiplier of their elimination into the
    /// row below (`b[i + 1] / d[i]`), rows below it that into the row above (`a[i] / d[i]`).
    fn solve_chain(&mut self, rhs: &mut [f64]) {
        let n = self.len();
        if n == 0 {
            return;
        }
        let mid = n / 2;
        let (a, b) = (&self.a[..n], &self.b[..n]);
        let (d, mult, inv_d) = (&mut self.d[..n], &mut self.mult[..n], &mut self.inv_d[..n]);
        let coupling = &mut self.coupling[..n];
        let rhs = &mut rhs[..n];
        // Rows n - 1 ..= mid + 1 into the row above them, rows 0 ..= mid - 1 into the row below.
        let (mut dl, mut rl) = (d[n - 1], rhs[n - 1]);
        let (mut dr, mut rr) = (d[0], rhs[0]);
        let (lower, upper) = (n - 1 - mid, mid);
        for t in 0..lower.max(upper) {
            if t < lower {
                let i = n - 1 - t;
                let inv = 1.0 / dl;
                inv_d[i] = inv;
                coupling[i] = b[i] * inv;
                let m = a[i] * inv;
                mult[i] = m;
                if i - 1 == mid {
                    d[mid] -= m * b[i];
                    rhs[mid] -= m * rl;
                } else {
                    // The pivot chain divides by the pivot directly (a division and a
                    // subtraction per row), so that the reciprocal and the multiplier are
                    // computed beside it rather than on it.
                    dl = d[i - 1] - a[i] * b[i] / dl;
                    rl = rhs[i - 1] - m * rl;
                    d[i - 1] = dl;
                    rhs[i - 1] = rl;
                }
            }
            if t < upper {
                let i = t;
                let inv = 1.0 / dr;
                inv_d[i] = inv;
                coupling[i] = a[i + 1] * inv;
                let m = b[i + 1] * inv;
                mult[i] = m;
                if i + 1 == mid {
                    d[mid] -= m * a[i + 1];
                    rhs[mid] -= m * rr;
                } else {
                    dr = d[i + 1] - b[i + 1] * a[i + 1] / dr;
                    rr = rhs[i + 1] - m * rr;
                    d[i + 1] = dr;
                    rhs[i + 1] = rr;
                }
            }
        }
        let xm = rhs[mid] / d[mid];
        rhs[mid] = xm;
        let (mut xl, mut xr) = (xm, xm);
        for t in 0..lower.max(upper) {
            if t < lower {
                let i = mid + 1 + t;
                xl = rhs[i] * inv_d[i] - coupling[i] * xl;
                rhs[i] = xl;
            }
            if t < upper {
                let i = mid - 1 - t;
                xr = rhs[i] * inv_d[i] - coupling[i] * xr;
                rhs[i] = xr;
            }
        }
    }

    /// Solves `M X = R` in place for `cols` right-hand sides stored one after another (`[col][row]`),
    /// with the factorisation of the last [`HinesMatrix::solve`]. The columns are swept together, so
    /// the sweeps' dependency chains overlap.
    #[inline]
    pub(crate) fn solve_again_many(&self, rhs: &mut [f64], cols: usize) {
        let n = self.len();
        debug_assert_eq!(rhs.len(), cols * n);
        if n == 0 {
            return;
        }
        let rhs = &mut rhs[..cols * n];
        if self.chain {
            // Up to four columns at a time, each with its running value in a register: the
            // columns' dependency chains are independent and overlap in the processor. Every
            // column sees the same operations in the same order as alone.
            let f = Factors {
                mult: &self.mult[..n],
                coupling: &self.coupling[..n],
                d: &self.d[..n],
                inv_d: &self.inv_d[..n],
            };
            for group in rhs.chunks_mut(4 * n) {
                match group.len() / n {
                    4 => chain_sweeps::<4>(group, n, &f),
                    3 => chain_sweeps::<3>(group, n, &f),
                    2 => chain_sweeps::<2>(group, n, &f),
                    _ => chain_sweeps::<1>(group, n, &f),
                }
            }
            return;
        }
        // Up to four columns per pass, as for the cable: each column sees the operations it sees
        // alone, in their order.
        for group in rhs.chunks_mut(4 * n) {
            match group.len() / n {
                4 => self.tree_sweeps::<4>(group),
                3 => self.tree_sweeps::<3>(group),
                2 => self.tree_sweeps::<2>(group),
                _ => self.tree_sweeps::<1>(group),
            }
        }
    }

    /// The elimination and back substitution of a branched tree for `C` columns of `n` rows stored
    /// one after another in `cols`, with the factorisation of the last [`HinesMatrix::solve`].
    #[inline(always)]
    fn tree_sweeps<const C: usize>(&self, cols: &mut [f64]) {
        let n = self.len();
        let mut rest = &mut cols[..C * n];
        let mut col: [&mut [f64]; C] = std::array::from_fn(|_| {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(n);
            rest = tail;
            head
        });
        let (parent, mult, b, d, inv_d) = (
            &self.parent[..n],
            &self.mult[..n],
            &self.b[..n],
            &self.d[..n],
            &self.inv_d[..n],
        );
        for i in (0..n).rev() {
            let p = parent[i];
            if p != NO_PARENT {
                let m = mult[i];
                for x in col.iter_mut() {
                    x[p] -= m * x[i];
                }
            }
        }
        for i in 0..n {
            let p = parent[i];
            if p == NO_PARENT {
                for x in col.iter_mut() {
                    x[i] /= d[i];
                }
            } else {
                let (b, inv) = (b[i], inv_d[i]);
                for x in col.iter_mut() {
                    x[i] = (x[i] - b * x[p]) * inv;
                }
            }
        }
    }

    #[inline]
    fn back_substitute(&self, rhs: &mut [f64]) {
        let n = self.len();
        let (parent, b, d, inv_d) = (
            &self.parent[..n],
            &self.b[..n],
            &self.d[..n],
            &self.inv_d[..n],
        );
        let rhs = &mut rhs[..n];
        for i in 0..n {
            let p = parent[i];
            if p == NO_PARENT {
                rhs[i] /= d[i];
            } else {
                rhs[i] = (rhs[i] - b[i] * rhs[p]) * inv_d[i];
            }
        }
    }
}

/// The factorisation of an unbranched cable by [`HinesMatrix::solve`], with the coefficients.
struct Factors<'m> {
    mult: &'m [f64],
    coupling: &'m [f64],
    d: &'m [f64],
    inv_d: &'m [f64],
}

/// The sweeps of the twisted factorisation of an unbranched cable (see `solve_chain`) for `C`
/// columns of `n` rows stored one after another in `cols`: the same operations in the same order
/// as for the forward right-hand side, each column's chains independent of the others'.
#[inline(always)]
fn chain_sweeps<const C: usize>(cols: &mut [f64], n: usize, f: &Factors) {
    let col: [&mut [f64]; C] = {
        let mut rest = &mut cols[..C * n];
        std::array::from_fn(|_| {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(n);
            rest = tail;
            head
        })
    };
    let mid = n / 2;
    let (lower, upper) = (n - 1 - mid, mid);
    let mut rl: [f64; C] = std::array::from_fn(|c| col[c][n - 1]);
    let mut rr: [f64; C] = std::array::from_fn(|c| col[c][0]);
    for t in 0..lower.max(upper) {
        if t < lower {
            let i = n - 1 - t;
            let m = f.mult[i];
            for c in 0..C {
                if i - 1 == mid {
                    col[c][mid] -= m * rl[c];
                } else {
                    rl[c] = col[c][i - 1] - m * rl[c];
                    col[c][i - 1] = rl[c];
                }
            }
        }
        if t < upper {
            let i = t;
            let m = f.mult[i];
            for c in 0..C {
                if i + 1 == mid {
                    col[c][mid] -= m * rr[c];
                } else {
                    rr[c] = col[c][i + 1] - m * rr[c];
                    col[c][i + 1] = rr[c];
                }
            }
        }
    }
    let mut xl: [f64; C] = std::array::from_fn(|c| col[c][mid] / f.d[mid]);
    let mut xr = xl;
    for c in 0..C {
        col[c][mid] = xl[c];
    }
    for t in 0..lower.max(upper) {
        if t < lower {
            let i = mid + 1 + t;
            let (u, inv) = (f.coupling[i], f.inv_d[i]);
            for c in 0..C {
                xl[c] = col[c][i] * inv - u * xl[c];
                col[c][i] = xl[c];
            }
        }
        if t < upper {
            let i = mid - 1 - t;
            let (u, inv) = (f.coupling[i], f.inv_d[i]);
            for c in 0..C {
                xr[c] = col[c][i] * inv - u * xr[c];
                col[c][i] = xr[c];
            }
        }
    }
}
