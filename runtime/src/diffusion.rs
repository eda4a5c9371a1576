//! Axial diffusion of Arbor's diffusive concentrations `Xd`, and of their tangents.
//!
//! A species with a diffusivity D (µm²/ms) has one concentration Xd per CV, which mechanisms
//! read and write (`USEION x READ xd WRITE xd`) and which diffuses along the cable between
//! them. The runtime advances it once per step, after the voltage solve and before the states,
//! by backward Euler on the same tree as the cable:
//!
//! ```text
//! V_i (X_i' - X_i) / dt = Σ_j G_ij (X_j' - X_i'),   G_ij = D · A/L = D / (100 · ri_per_ra)
//! ```
//!
//! with V_i = area_i · diam_i / 4 (µm³, the volume of a cylinder of the segment's area and mean
//! diameter, as Arbor's injection mechanisms compute it; 0 for the zero-area end nodes, which
//! become junctions) and A/L the cross-section over the length between the two nodes
//! (∫ dx / (π d²/4) = 100 · ri_per_ra µm⁻¹). The matrix is symmetric and the same every step;
//! the tangent columns dXd/dθ_k are diffused with it (D is no parameter), so the tangent is the
//! exact derivative of the step.
//!
//! Arbor 0.12 differs in its geometry: its face coefficient does not depend on the distance
//! between the CVs (measured: G = 1e10 · D\[m²/s\] · A\[µm²\] µm²·µm/ms on every CV length), so
//! on a cable of equal CVs of length h, Arbor's diffusivity D_A (m²/s) is gradmod's
//! D = 1e10 · D_A · h (µm²/ms); `tests/reference/arbor/diffusion.py` checks that mapping.

use crate::discretization::{CvLayout, NO_PARENT};
use crate::solver::HinesMatrix;

/// The diffusion system of one species on one cell.
#[derive(Clone, Debug)]
pub struct Diffusion {
    /// The tree matrix (coefficients refilled before each elimination).
    matrix: HinesMatrix,
    /// Parent of each CV, as in the layout.
    parent: Vec<usize>,
    /// V_i (µm³) per CV.
    volume: Vec<f64>,
    /// G between each CV and its parent (µm³/ms); 0 for the root.
    face: Vec<f64>,
}

impl Diffusion {
    /// The system of a layout for diffusivity `d` (µm²/ms, positive).
    pub fn new(layout: &CvLayout, d: f64) -> Self {
        let n = layout.len();
        let volume = (0..n)
            .map(|cv| {
                if layout.is_segment[cv] {
                    layout.area[cv] * layout.diam[cv] / 4.0
                } else {
                    0.0
                }
            })
            .collect();
        let face = (0..n)
            .map(|cv| {
                let r = layout.ri_per_ra[cv];
                if layout.parent[cv] == NO_PARENT || r <= 0.0 {
                    0.0
                } else {
                    d / (100.0 * r)
                }
            })
            .collect();
        Self {
            matrix: HinesMatrix::new(layout.parent.clone()),
            parent: layout.parent.clone(),
            volume,
            face,
        }
    }

    /// Advances `x` (one value per CV) and the tangent columns `tx` (`[k][cv]`) by one step dt.
    pub fn step(&mut self, dt: f64, x: &mut [f64], tx: &mut [f64]) {
        let n = self.volume.len();
        let m = &mut self.matrix;
        let parent = &self.parent;
        for cv in 0..n {
            m.d[cv] = self.volume[cv] / dt;
        }
        for cv in 0..n {
            let p = parent[cv];
            if p == NO_PARENT {
                continue;
            }
            let g = self.face[cv];
            m.a[cv] = -g;
            m.b[cv] = -g;
            m.d[cv] += g;
            m.d[p] += g;
        }
        // A CV with neither volume nor a face (only when D = 0, which builds no system) would
        // leave a zero pivot; the diagonal is positive everywhere else.
        for (xi, v) in x.iter_mut().zip(&self.volume) {
            *xi *= v / dt;
        }
        m.solve(x);
        let k = tx.len() / n.max(1);
        if k > 0 {
            for col in tx.chunks_mut(n) {
                for (xi, v) in col.iter_mut().zip(&self.volume) {
                    *xi *= v / dt;
                }
            }
            m.solve_again_many(tx, k);
        }
    }
}
