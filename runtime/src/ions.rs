//! Ion physics: the constants, Nernst and GHK, and NEURON's defaults of each species. A cell's
//! ion species and their values per CV are its ion store (`ion_store.rs`).
//!
//! Defaults follow NEURON (docs/NEURON_SCHEME.md): na 10/140 mM and 50 mV, k 54.4/2.5 mM and −77 mV,
//! ca 5e-5/2 mM and 132.4579341637009 mV, any other species 1/1 mM and 0 mV. Where a mechanism reads a
//! concentration the reversal potential is set by Nernst at initialisation; where one writes a
//! concentration, also at the start of every step.

/// Faraday constant (C/mol), CODATA 2018 as in NEURON 9.
pub const FARADAY: f64 = 96_485.332_123_310_01;
/// Gas constant (J/(mol·K)), CODATA 2018 as in NEURON 9.
pub const GAS_CONSTANT: f64 = 8.314_462_618_153_241;

/// RT/F in mV at `celsius`.
pub fn ktf(celsius: f64) -> f64 {
    1000.0 * GAS_CONSTANT * (celsius + 273.15) / FARADAY
}

/// Nernst potential (mV) of an ion of valence z with concentrations ci, co (mM) at `celsius`.
pub fn nernst(ci: f64, co: f64, z: f64, celsius: f64) -> f64 {
    if ci <= 0.0 {
        1e6
    } else if co <= 0.0 {
        -1e6
    } else {
        ktf(celsius) / z * (co / ci).ln()
    }
}

/// Goldman–Hodgkin–Katz flux factor as in NEURON's `cal`/`cachan` models:
/// `1e-3 · z · F · (ci·efun(−x) − co·efun(x))` with x = z·v/(RT/F) and efun(x) = x/(eˣ − 1)
/// (coulomb/cm³ per mM; multiply by a permeability in cm/s for mA/cm²).
pub fn ghk(v: f64, ci: f64, co: f64, z: f64, celsius: f64) -> f64 {
    let x = z * v / ktf(celsius);
    let efun = |x: f64| {
        if x.abs() < 1e-4 {
            1.0 - x / 2.0
        } else {
            x / (x.exp() - 1.0)
        }
    };
    1e-3 * z * FARADAY * (ci * efun(-x) - co * efun(x))
}

/// Default (inside mM, outside mM, reversal mV, valence) of a species.
pub fn defaults(name: &str) -> (f64, f64, f64, i32) {
    match name {
        "na" => (10.0, 140.0, 50.0, 1),
        "k" => (54.4, 2.5, -77.0, 1),
        "ca" => (5e-5, 2.0, 132.457_934_163_700_9, 2),
        _ => (1.0, 1.0, 0.0, 1),
    }
}
