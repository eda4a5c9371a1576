//! A compact CMA-ES (Hansen's covariance matrix adaptation evolution strategy, with the default
//! constants of Hansen's tutorial, arXiv 1604.00772), the derivative-free baseline the fitting
//! example compares Adam with.
//!
//! Ask for a population, evaluate it, tell the fitness values back:
//!
//! ```
//! use gradmod::fit::cmaes::CmaEs;
//! let mut es = CmaEs::new(vec![1.0, -1.0], 0.5, Some(10), 1);
//! for _ in 0..100 {
//!     let xs = es.ask();
//!     let f: Vec<f64> = xs.iter().map(|x| x.iter().map(|v| v * v).sum()).collect();
//!     es.tell(&xs, &f).unwrap();
//! }
//! assert!(es.best().1 < 1e-8);
//! ```

/// CMA-ES state.
#[derive(Clone, Debug)]
pub struct CmaEs {
    n: usize,
    lambda: usize,
    weights: Vec<f64>,
    mueff: f64,
    cc: f64,
    cs: f64,
    c1: f64,
    cmu: f64,
    damps: f64,
    chi_n: f64,
    mean: Vec<f64>,
    sigma: f64,
    /// Covariance C, row-major n × n.
    c: Vec<f64>,
    /// Eigenvectors of C (columns), row-major.
    b: Vec<f64>,
    /// Square roots of C's eigenvalues.
    d: Vec<f64>,
    pc: Vec<f64>,
    ps: Vec<f64>,
    rng: u64,
    generation: usize,
    best: (Vec<f64>, f64),
}

impl CmaEs {
    /// A strategy around `mean` with step size `sigma`, population `lambda` (default
    /// 4 + ⌊3 ln n⌋) and a random seed.
    pub fn new(mean: Vec<f64>, sigma: f64, lambda: Option<usize>, seed: u64) -> Self {
        let n = mean.len().max(1);
        let nf = n as f64;
        let lambda = lambda
            .unwrap_or(4 + (3.0 * nf.ln()).floor() as usize)
            .max(2);
        let mu = lambda / 2;
        let raw: Vec<f64> = (0..mu)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - ((i + 1) as f64).ln())
            .collect();
        let sum: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / sum).collect();
        let mueff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let cc = (4.0 + mueff / nf) / (nf + 4.0 + 2.0 * mueff / nf);
        let cs = (mueff + 2.0) / (nf + mueff + 5.0);
        let c1 = 2.0 / ((nf + 1.3).powi(2) + mueff);
        let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((nf + 2.0).powi(2) + mueff));
        let damps = 1.0 + 2.0 * (0.0f64).max(((mueff - 1.0) / (nf + 1.0)).sqrt() - 1.0) + cs;
        let chi_n = nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf));
        let mut eye = vec![0.0; n * n];
        (0..n).for_each(|i| eye[i * n + i] = 1.0);
        Self {
            n,
            lambda,
            weights,
            mueff,
            cc,
            cs,
            c1,
            cmu,
            damps,
            chi_n,
            best: (mean.clone(), f64::INFINITY),
            mean,
            sigma,
            c: eye.clone(),
            b: eye,
            d: vec![1.0; n],
            pc: vec![0.0; n],
            ps: vec![0.0; n],
            rng: seed ^ 0x9E37_79B9_7F4A_7C15,
            generation: 0,
        }
    }

    /// Population size λ.
    pub fn population(&self) -> usize {
        self.lambda
    }

    /// Current mean of the search distribution.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Current step size σ.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// Generations told so far.
    pub fn generation(&self) -> usize {
        self.generation
    }

    /// The best point told so far and its fitness.
    pub fn best(&self) -> (&[f64], f64) {
        (&self.best.0, self.best.1)
    }

    fn uniform(&mut self) -> f64 {
        // SplitMix64.
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        // Box–Muller; one of the pair is enough here.
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Samples a population: x = mean + σ B D z with z standard normal.
    pub fn ask(&mut self) -> Vec<Vec<f64>> {
        let n = self.n;
        (0..self.lambda)
            .map(|_| {
                let z: Vec<f64> = (0..n).map(|_| self.normal()).collect();
                (0..n)
                    .map(|i| {
                        let y: f64 = (0..n).map(|j| self.b[i * n + j] * self.d[j] * z[j]).sum();
                        self.mean[i] + self.sigma * y
                    })
                    .collect()
            })
            .collect()
    }

    /// Updates the distribution from a population and its fitness values (lower is better;
    /// non-finite values rank last).
    pub fn tell(&mut self, xs: &[Vec<f64>], fitness: &[f64]) -> Result<(), String> {
        let n = self.n;
        if xs.len() != fitness.len()
            || xs.len() < self.weights.len()
            || xs.iter().any(|x| x.len() != n)
        {
            return Err(format!(
                "CMA-ES: expected at least {} points of dimension {n} with one fitness each",
                self.weights.len()
            ));
        }
        let mut order: Vec<usize> = (0..xs.len()).collect();
        let key = |i: usize| {
            if fitness[i].is_finite() {
                fitness[i]
            } else {
                f64::INFINITY
            }
        };
        order.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
        if key(order[0]) < self.best.1 {
            self.best = (xs[order[0]].clone(), key(order[0]));
        }
        let old = self.mean.clone();
        let ys: Vec<Vec<f64>> = order[..self.weights.len()]
            .iter()
            .map(|&i| (0..n).map(|j| (xs[i][j] - old[j]) / self.sigma).collect())
            .collect();
        let mut yw = vec![0.0; n];
        for (w, y) in self.weights.iter().zip(&ys) {
            (0..n).for_each(|j| yw[j] += w * y[j]);
        }
        (0..n).for_each(|j| self.mean[j] = old[j] + self.sigma * yw[j]);
        // C^(-1/2) yw = B D^-1 Bᵀ yw.
        let bt: Vec<f64> = (0..n)
            .map(|j| (0..n).map(|i| self.b[i * n + j] * yw[i]).sum::<f64>() / self.d[j])
            .collect();
        let cinv_yw: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| self.b[i * n + j] * bt[j]).sum())
            .collect();
        let a = (self.cs * (2.0 - self.cs) * self.mueff).sqrt();
        (0..n).for_each(|j| self.ps[j] = (1.0 - self.cs) * self.ps[j] + a * cinv_yw[j]);
        let norm_ps = self.ps.iter().map(|p| p * p).sum::<f64>().sqrt();
        self.generation += 1;
        let decay = 1.0 - (1.0 - self.cs).powi(2 * self.generation as i32);
        let hsig = norm_ps / decay.sqrt() / self.chi_n < 1.4 + 2.0 / (n as f64 + 1.0);
        let hs = if hsig { 1.0 } else { 0.0 };
        let ac = (self.cc * (2.0 - self.cc) * self.mueff).sqrt();
        (0..n).for_each(|j| self.pc[j] = (1.0 - self.cc) * self.pc[j] + hs * ac * yw[j]);
        let delta = (1.0 - hs) * self.cc * (2.0 - self.cc);
        for i in 0..n {
            for j in 0..n {
                let rank_mu: f64 = self
                    .weights
                    .iter()
                    .zip(&ys)
                    .map(|(w, y)| w * y[i] * y[j])
                    .sum();
                let cij = self.c[i * n + j];
                self.c[i * n + j] = (1.0 - self.c1 - self.cmu) * cij
                    + self.c1 * (self.pc[i] * self.pc[j] + delta * cij)
                    + self.cmu * rank_mu;
            }
        }
        self.sigma *= ((self.cs / self.damps) * (norm_ps / self.chi_n - 1.0)).exp();
        let (vals, vecs) = jacobi_eigen(&self.c, n);
        self.d = vals.iter().map(|&l| l.max(1e-20).sqrt()).collect();
        self.b = vecs;
        Ok(())
    }
}

/// Eigenvalues and eigenvectors (columns of a row-major matrix) of a symmetric n × n matrix by
/// cyclic Jacobi rotations.
fn jacobi_eigen(m: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = m.to_vec();
    let mut v = vec![0.0; n * n];
    (0..n).for_each(|i| v[i * n + i] = 1.0);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j].powi(2))
            .sum();
        let diag: f64 = (0..n).map(|i| a[i * n + i].powi(2)).sum();
        if off <= 1e-30 * diag.max(1e-300) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_decomposition_reconstructs_the_matrix() {
        let m = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
        let (l, v) = jacobi_eigen(&m, 3);
        for i in 0..3 {
            for j in 0..3 {
                let r: f64 = (0..3).map(|k| v[i * 3 + k] * l[k] * v[j * 3 + k]).sum();
                assert!((r - m[i * 3 + j]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn minimises_a_rotated_ellipsoid() {
        let f = |x: &[f64]| {
            let (a, b) = (x[0] + x[1], x[0] - x[1] - 1.0);
            a * a + 100.0 * b * b + x[2] * x[2]
        };
        let mut es = CmaEs::new(vec![2.0, 2.0, 2.0], 0.5, None, 7);
        for _ in 0..300 {
            let xs = es.ask();
            let fs: Vec<f64> = xs.iter().map(|x| f(x)).collect();
            es.tell(&xs, &fs).unwrap();
        }
        assert!(es.best().1 < 1e-10, "{}", es.best().1);
    }
}
