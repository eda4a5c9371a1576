//! Passive cable against cable theory: steady state with sealed and killed far ends, and the decay of
//! a cosine eigenmode. The error must shrink at second order in the segment length.

use gradmod_runtime::{Cell, Morphology, Region, Settings};
use gradmod_testkit::pas::Pas;
use gradmod_testkit::point::Shunt;

const LEN: f64 = 500.0; // µm
const DIAM: f64 = 2.0; // µm
const RA: f64 = 100.0; // Ω·cm
const GPAS: f64 = 1e-3; // S/cm²
const EPAS: f64 = -65.0; // mV
const I0: f64 = 0.1; // nA

/// λ in µm: sqrt(d Rm / (4 Ra)) with d in cm, Rm = 1/g in Ω·cm².
fn lambda() -> f64 {
    (DIAM * 1e-4 / GPAS / (4.0 * RA)).sqrt() * 1e4
}

/// Axial resistance per length (MΩ/µm): 4 Ra / (π d²).
fn r_axial() -> f64 {
    4.0 * RA * 1e4 / (std::f64::consts::PI * DIAM * DIAM) * 1e-6
}

fn cable(nseg: usize, killed: bool, settings: Settings) -> Cell {
    let mut m = Morphology::new();
    m.add_cylinder("cable", 3, LEN, DIAM, None, nseg).unwrap();
    let mut cell = Cell::new(m, settings).unwrap();
    let pas = cell.insert(Box::new(Pas::new()), &Region::All).unwrap();
    cell.set_field(pas, "g", &Region::All, GPAS).unwrap();
    cell.set_field(pas, "e", &Region::All, EPAS).unwrap();
    if killed {
        let s = cell
            .place(Box::new(Shunt::default()), &[("cable", 1.0)])
            .unwrap();
        cell.set_field(s, "g", &Region::All, 1e9).unwrap();
        cell.set_field(s, "e", &Region::All, EPAS).unwrap();
    }
    cell
}

/// Steady-state error (max over segment centres, relative to the peak deflection).
fn steady_error(nseg: usize, killed: bool) -> f64 {
    let settings = Settings {
        v_init: EPAS,
        dt: 0.05,
        ..Settings::default()
    };
    let mut cell = cable(nseg, killed, settings);
    cell.add_iclamp("cable", 0.0, 0.0, 1e9, I0).unwrap();
    cell.run(40.0, None).unwrap();
    let (lam, ra) = (lambda(), r_axial());
    let exact = |x: f64| {
        let a = I0 * ra * lam;
        if killed {
            a * ((LEN - x) / lam).sinh() / (LEN / lam).cosh()
        } else {
            a * ((LEN - x) / lam).cosh() / (LEN / lam).sinh()
        }
    };
    let peak = exact(0.0);
    let l = cell.layout();
    l.segments(gradmod_runtime::SectionId(0))
        .map(|cv| ((cell.v()[cv] - EPAS) - exact(l.x[cv] * LEN)).abs() / peak)
        .fold(0.0, f64::max)
}

/// Observed orders log2(e(n)/e(2n)) for consecutive refinements.
fn orders(errors: &[f64]) -> Vec<f64> {
    errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect()
}

#[test]
fn sealed_end_steady_state_is_second_order() {
    let errors: Vec<f64> = [5, 10, 20, 40]
        .iter()
        .map(|&n| steady_error(n, false))
        .collect();
    let ord = orders(&errors);
    println!("sealed: errors {errors:.3?}, orders {ord:.3?}");
    assert!(errors[3] < 1e-3);
    assert!(ord.iter().all(|o| (o - 2.0).abs() < 0.15), "orders {ord:?}");
}

#[test]
fn killed_end_steady_state_is_second_order() {
    let errors: Vec<f64> = [5, 10, 20, 40]
        .iter()
        .map(|&n| steady_error(n, true))
        .collect();
    let ord = orders(&errors);
    println!("killed: errors {errors:.3?}, orders {ord:.3?}");
    assert!(errors[3] < 1e-3);
    assert!(ord.iter().all(|o| (o - 2.0).abs() < 0.15), "orders {ord:?}");
}

/// A cosine mode cos(πx/L) on a sealed cable decays as exp(−t (1 + (πλ/L)²)/τ), τ = cm/g.
#[test]
fn cosine_mode_decay_is_second_order_in_space() {
    let dt = 1e-4;
    let tstop = 0.5;
    let mut errors = Vec::new();
    for nseg in [5, 10, 20] {
        let settings = Settings {
            v_init: EPAS,
            dt,
            ..Settings::default()
        };
        let mut cell = cable(nseg, false, settings);
        for cv in 0..cell.cv_count() {
            let x = cell.layout().x[cv] * LEN;
            let v = EPAS + (std::f64::consts::PI * x / LEN).cos();
            cell.set_v_init_cv(cv, v).unwrap();
        }
        cell.run(tstop, None).unwrap();
        let tau = 1e-3 / GPAS; // ms, with cm = 1 µF/cm²
        let rate = (1.0 + (std::f64::consts::PI * lambda() / LEN).powi(2)) / tau;
        // Backward Euler's own decay factor per step, so that only the spatial error remains.
        let steps = (tstop / dt).round() as i32;
        let amp = (1.0 / (1.0 + rate * dt)).powi(steps);
        let l = cell.layout();
        let err = l
            .segments(gradmod_runtime::SectionId(0))
            .map(|cv| {
                let exact = amp * (std::f64::consts::PI * l.x[cv]).cos();
                ((cell.v()[cv] - EPAS) - exact).abs() / amp
            })
            .fold(0.0, f64::max);
        errors.push(err);
    }
    let ord = orders(&errors);
    println!("cosine mode: errors {errors:.3?}, orders {ord:.3?}");
    assert!(ord.iter().all(|o| (o - 2.0).abs() < 0.2), "orders {ord:?}");
}
