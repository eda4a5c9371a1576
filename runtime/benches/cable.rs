//! Throughput on model B(N) (docs/MODELS.md): an HH cable of N CVs, forward only and with K tangents.
//! Criterion reports elements/s = CV-steps/s (N CVs times steps).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use gradmod_runtime::{Cell, ParamSpec};
use gradmod_testkit::models::model_b;

const PARAMS: [(&str, &str); 4] = [
    ("hh", "gnabar"),
    ("hh", "gkbar"),
    ("hh", "gl"),
    ("hh", "el"),
];

fn setup(n: usize, k: usize) -> Cell {
    let mut cell = model_b(n);
    for j in 0..k {
        let (m, f) = PARAMS[j % PARAMS.len()];
        // Columns beyond the four hh parameters repeat them (each is still a full tangent column).
        let spec = ParamSpec::mechanism(m, f);
        cell.add_parameter(spec).unwrap();
    }
    cell.init().unwrap();
    cell
}

/// CPU time of this thread (ns) from /proc/thread-self/schedstat, so that figures do not depend on
/// other load on the machine; None where that file does not exist.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Prints CV-steps per CPU-second for every configuration (one 100 ms run each, as docs/MODELS.md's B(N)).
fn cpu_time_table() {
    println!("B(N), 4000 steps, CV-steps per second of thread CPU time:");
    for n in [100usize, 1000, 10000] {
        for k in [0usize, 1, 3, 12] {
            let mut cell = setup(n, k);
            let (Some(t0), w0) = (thread_cpu_ns(), std::time::Instant::now()) else {
                return;
            };
            for _ in 0..4000 {
                cell.step().unwrap();
            }
            let cpu = (thread_cpu_ns().unwrap() - t0) as f64 * 1e-9;
            let wall = w0.elapsed().as_secs_f64();
            let work = (n * 4000) as f64;
            println!(
                "  N={n:<6} K={k:<3} {:.3e} CV-steps/s (cpu {cpu:.3} s, wall {wall:.3} s)",
                work / cpu
            );
        }
    }
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("GRADMOD_BENCH_CPU_TABLE").is_some() {
        cpu_time_table();
    }
    let mut group = c.benchmark_group("B(N)");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(3));
    for n in [100usize, 1000, 10000] {
        let steps = (2_000_000 / n).max(200) as u64;
        for k in [0usize, 1, 3, 12] {
            group.throughput(Throughput::Elements(n as u64 * steps));
            group.bench_function(format!("N={n} K={k}"), |b| {
                b.iter_batched(
                    || setup(n, k),
                    |mut cell| {
                        for _ in 0..steps {
                            cell.step().unwrap();
                        }
                        cell
                    },
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
