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
pub struct HinesMatrix {
    /// Parent of each row; `parent[i] < i`, [`NO_PARENT`] for the root.
    pub parent: Vec<usize>,
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
}

impl HinesMatrix {
    /// A matrix for the given tree with zero coefficients.
    pub fn new(parent: Vec<usize>) -> Self {
        let n = parent.len();
        Self {
            parent,
            a: vec![0.0; n],
            b: vec![0.0; n],
            d: vec![0.0; n],
            mult: vec![0.0; n],
            inv_d: vec![0.0; n],
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Whether the matrix has no rows.
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// Eliminates the matrix (overwriting `d`) and solves `M x = rhs` in place.
    pub fn solve(&mut self, rhs: &mut [f64]) {
        let n = self.len();
        for i in (0..n).rev() {
            let p = self.parent[i];
            if p == NO_PARENT {
                continue;
            }
            let inv = 1.0 / self.d[i];
            self.inv_d[i] = inv;
            let m = self.a[i] * inv;
            self.mult[i] = m;
            self.d[p] -= m * self.b[i];
            rhs[p] -= m * rhs[i];
        }
        self.back_substitute(rhs);
    }

    /// Solves `M x = rhs` in place with the factorisation of the last [`HinesMatrix::solve`].
    pub fn solve_again(&self, rhs: &mut [f64]) {
        for i in (0..self.len()).rev() {
            let p = self.parent[i];
            if p != NO_PARENT {
                rhs[p] -= self.mult[i] * rhs[i];
            }
        }
        self.back_substitute(rhs);
    }

    /// Solves `M X = R` in place for `cols` right-hand sides stored one after another (`[col][row]`),
    /// with the factorisation of the last [`HinesMatrix::solve`]. The columns are swept together, so
    /// the sweeps' dependency chains overlap.
    pub fn solve_again_many(&self, rhs: &mut [f64], cols: usize) {
        let n = self.len();
        debug_assert_eq!(rhs.len(), cols * n);
        for i in (0..n).rev() {
            let p = self.parent[i];
            if p != NO_PARENT {
                let m = self.mult[i];
                for c in 0..cols {
                    let o = c * n;
                    rhs[o + p] -= m * rhs[o + i];
                }
            }
        }
        for i in 0..n {
            let p = self.parent[i];
            if p == NO_PARENT {
                for c in 0..cols {
                    rhs[c * n + i] /= self.d[i];
                }
            } else {
                let (b, inv) = (self.b[i], self.inv_d[i]);
                for c in 0..cols {
                    let o = c * n;
                    rhs[o + i] = (rhs[o + i] - b * rhs[o + p]) * inv;
                }
            }
        }
    }

    fn back_substitute(&self, rhs: &mut [f64]) {
        for i in 0..self.len() {
            let p = self.parent[i];
            if p == NO_PARENT {
                rhs[i] /= self.d[i];
            } else {
                rhs[i] = (rhs[i] - self.b[i] * rhs[p]) * self.inv_d[i];
            }
        }
    }
}
