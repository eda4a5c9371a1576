//! Throughput of the generated mechanisms (the built-in catalogue) on model B(1000) and on model
//! C (C4A, one CV per SWC segment), forward only and with K = 1, 3 and 12 tangent columns, beside
//! the runtime's hand-written hh on B(1000). Prints CV-steps per second of thread CPU time, so
//! that other load on the machine does not distort the figures, and the ratio to forward.
//!
//! Run with `cargo bench --bench generated`; `cargo bench --bench generated -- forward` runs
//! the forward simulations only (for a profiler).

#[path = "../tests/models/mod.rs"]
mod models;

#[allow(dead_code)]
#[path = "../runtime/tests/common/dual.rs"]
mod dual;
#[allow(clippy::needless_range_loop, dead_code)]
#[path = "../runtime/tests/common/hh.rs"]
mod hh;

use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, ParamSpec, Region, SectionId, Settings, read_swc};
use models::{generated, model_b};

/// Tangent columns: the parameters of `mech`, repeated until there are `k` (each repeat is still
/// a full column of work).
fn add_params(cell: &mut Cell, mech: &str, params: &[&str], k: usize) {
    for j in 0..k {
        cell.add_parameter(ParamSpec::mechanism(mech, params[j % params.len()]))
            .unwrap();
    }
}

/// CPU time of this thread (ns), where the system reports it.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// CV-steps per CPU-second over `steps` steps (wall time where CPU time is unavailable).
fn throughput(mut cell: Cell, steps: usize) -> f64 {
    cell.init().unwrap();
    let ncv = cell.layout().area.len();
    let (c0, w0) = (thread_cpu_ns(), std::time::Instant::now());
    for _ in 0..steps {
        cell.step().unwrap();
    }
    let secs = match (c0, thread_cpu_ns()) {
        (Some(a), Some(b)) => (b - a) as f64 * 1e-9,
        _ => w0.elapsed().as_secs_f64(),
    };
    (ncv * steps) as f64 / secs
}

fn c4a(mech: Box<dyn Mechanism>) -> Cell {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/data/C4A.swc");
    let mut m = read_swc(&std::fs::read_to_string(path).unwrap()).unwrap();
    for i in 0..m.sections().len() {
        let n = m.sections()[i].points.len() - 1;
        m.section_mut(SectionId(i)).nseg = n;
    }
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(mech, &Region::All).unwrap();
    cell.add_iclamp("soma[0]", 0.5, 10.0, 50.0, 0.2).unwrap();
    cell
}

fn main() {
    let hh_params = ["gnabar", "gkbar", "gl", "el"];
    let forward_only = std::env::args().skip(1).any(|a| a == "forward");
    println!("CV-steps per second of thread CPU time (ratio to forward):");
    let row = |label: &str, make: &dyn Fn(usize) -> Cell, steps: usize| {
        let forward = throughput(make(0), steps);
        let mut line = format!("  {label:<34} forward {forward:.2e}");
        let ks: &[usize] = if forward_only { &[] } else { &[1, 3, 12] };
        for &k in ks {
            let with = throughput(make(k), steps);
            line += &format!("  K={k} {with:.2e} ({:.2}x)", forward / with);
        }
        println!("{line}");
    };
    row(
        "B(1000) generated hh",
        &|k| {
            let mut cell = model_b(1000, generated("hh"));
            add_params(&mut cell, "hh", &hh_params, k);
            cell
        },
        2000,
    );
    row(
        "B(1000) hand-written hh",
        &|k| {
            let mut cell = model_b(1000, Box::new(hh::Hh::new()));
            add_params(&mut cell, "hh", &hh_params, k);
            cell
        },
        2000,
    );
    row(
        "C (C4A) generated hh",
        &|k| {
            let mut cell = c4a(generated("hh"));
            add_params(&mut cell, "hh", &hh_params, k);
            cell
        },
        1000,
    );
    row(
        "C (C4A) generated pas",
        &|k| {
            let mut cell = c4a(generated("pas"));
            add_params(&mut cell, "pas", &["g", "e"], k);
            cell
        },
        1000,
    );
}
