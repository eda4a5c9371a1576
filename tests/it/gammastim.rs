//! pyNN's GammaStim (corpus), whose FUNCTION `rand_gamma` calls itself once for a shape below 1
//! (docs/DESIGN.md, "Recursion"), drives an event counter: the number of events in 2990 ms
//! agrees with the intervals its formulas give when sampled in Python
//! (tests/reference/gammastim_intervals.py), within five standard deviations, for a shape that
//! takes the recursive branch (0.5) and one that does not (3), on both engines.

use std::path::{Path, PathBuf};

use crate::models::{csv_column, run_model_text_on};

fn corpus_file() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/files/pynn__pyNN_neuron_nmodl_gammastim.mod");
    if p.exists() {
        Some(p)
    } else {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
        None
    }
}

const MODEL: &str = r#"
[simulation]
tstop = 3000.0
sample_every = 120000
[mechanisms]
paths = ["GAMMASTIM", "COUNTER"]
[[section]]
name = "soma"
length = 20.0
diameter = 20.0
[[mechanism]]
name = "pas"
[[point_process]]
name = "GammaStim"
at = "soma(0.5)"
label = "stim"
parameters = { alpha = ALPHA, beta = 0.1, start = 1.0, duration = 2990.0 }
[[point_process]]
name = "EventCounter"
at = "soma(0.5)"
label = "count"
netcons = [{ from = "stim", delay = 1.0, weight = 1.0 }]
[[probe]]
name = "n"
at = "soma(0.5)"
variable = "count.n"
"#;

#[test]
fn gammastim_draws_its_intervals_through_a_recursive_function() {
    let Some(file) = corpus_file() else { return };
    let counter = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mechanisms/counter.mod");
    // (shape, mean interval, sd of the interval) from tests/reference/gammastim_intervals.py.
    for (alpha, mean, sd) in [("0.5", 1.6841, 3.5281), ("3.0", 30.045, 17.3474)] {
        let span: f64 = 2990.0;
        let expected = span / mean;
        let spread = (span * sd * sd / (mean * mean * mean)).sqrt();
        for engine in ["jit", "evaluator"] {
            let text = MODEL.replace("ALPHA", alpha);
            let out = run_model_text_on(
                &text,
                &[("GAMMASTIM", &file), ("COUNTER", &counter)],
                &format!("gammastim-{alpha}-{engine}"),
                Some(engine),
            );
            let n = *csv_column(&out.join("traces.csv"), 1).last().unwrap();
            println!("alpha {alpha} ({engine}): {n} events, expected {expected:.0} ± {spread:.0}");
            assert!(
                (n - expected).abs() < 5.0 * spread,
                "alpha {alpha} ({engine}): {n} events, expected {expected:.0} ± {spread:.0}"
            );
        }
    }
}
