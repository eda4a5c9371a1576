//! Run time of the generated `hh` against the runtime's hand-written one on model B(1000), with
//! and without tangents. Not a test of correctness: run with
//! `cargo test --release --test speed -- --ignored --nocapture`.

mod models;

#[allow(dead_code)]
#[path = "../runtime/tests/common/dual.rs"]
mod dual;
#[allow(clippy::needless_range_loop, dead_code)]
#[path = "../runtime/tests/common/hh.rs"]
mod hh;

use std::time::Instant;

use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{ClampId, ParamSpec};
use models::{generated, model_b};

fn time(hh: Box<dyn Mechanism>, tangents: bool) -> f64 {
    let mut cell = model_b(1000, hh);
    if tangents {
        for p in ["gnabar", "gkbar", "gl"] {
            cell.add_parameter(ParamSpec::mechanism("hh", p)).unwrap();
        }
        cell.add_parameter(ParamSpec::iclamp_amp(ClampId(0)))
            .unwrap();
    }
    let start = Instant::now();
    cell.run(100.0, None).unwrap();
    start.elapsed().as_secs_f64()
}

#[test]
#[ignore = "a timing, not a check; run with --ignored"]
fn generated_hh_speed() {
    for tangents in [false, true] {
        let ours = time(generated("hh"), tangents);
        let theirs = time(Box::new(hh::Hh::new()), tangents);
        println!(
            "B(1000), 100 ms, {} tangents: generated hh {ours:.3} s, hand-written {theirs:.3} s",
            if tangents { 4 } else { 0 }
        );
    }
}
