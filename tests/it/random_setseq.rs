//! NetStim's use of NEURON 9's RANDOM streams: `random_setseq(r, 0)` in INITIAL restarts the
//! stream, so two runs from one seed draw the same numbers, and `random_negexp` has the mean and
//! variance of the exponential distribution. NetStim's own spike times cannot equal NEURON's:
//! NEURON draws from Random123 (Philox4x32) streams keyed by per-instance ids, gradmod from its
//! own counter-based streams (docs/DESIGN.md, "Random numbers"), so the statistics are the test.

use crate::models::generated;
use gradmod_runtime::{Cell, Morphology, Probe, Recorder, Region, Settings};

/// x of `negexp_draw` at every step of `tstop` ms on a soma.
fn draws(tstop: f64) -> Vec<f64> {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let settings = Settings {
        seed: 7,
        ..Settings::default()
    };
    let mut cell = Cell::new(m, settings).unwrap();
    let id = cell.insert(generated("negexp_draw"), &Region::All).unwrap();
    let probe = Probe::field(&cell, id, "x", 0).unwrap();
    let mut rec = Recorder::new(vec![probe], 1);
    cell.run(tstop, Some(&mut rec)).unwrap();
    rec.traces.remove(0)
}

#[test]
fn restarted_streams_repeat_and_draw_exponentials() {
    let a = draws(1000.0);
    let b = draws(1000.0);
    assert_eq!(a, b, "two runs from one seed draw the same numbers");
    // Every step's draw (the first sample is INITIAL's x = 0 before any draw).
    let x = &a[1..];
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    println!("random_negexp: {n} draws, mean {mean:.4}, variance {var:.4}");
    // Exponential(1): sd of the mean 1/sqrt(n), of the variance sqrt(20/n); 5 sd.
    assert!((mean - 1.0).abs() < 5.0 / n.sqrt(), "{mean}");
    assert!((var - 1.0).abs() < 5.0 * (20.0 / n).sqrt(), "{var}");
    assert!(x.iter().all(|&v| v >= 0.0));
}
