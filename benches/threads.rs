//! Speed-up on two threads (issue 15's thread targets): a network of model-A cells (MODELS.md:
//! the HH axon, each with an `ExpSyn` at its soma, a spike detector at the axon's end and five
//! random presynaptic partners with delays of 1 to 5 ms; every tenth cell stimulated), and one
//! cell of 10 000 CVs (model B(10000)), each simulated with the `hh.gnabar` tangent on a thread
//! pool of one and of two threads (the model's construction is not timed). The same process runs
//! both pool sizes alternately (the machine is shared: one interleaved run), and prints the best
//! wall time of the rounds for each, how many threads were busy on average in the best
//! two-thread run (CPU time over wall time), the ratio, the load average before and after, and
//! whether the two results are bit for bit the same (they must be: a difference fails the bench).
//!
//! Run with `cargo bench --bench threads` (`-- rounds=N`, default 3; `cells=N`, default 1000;
//! `tstop=MS`, default 100; `only=network` or `only=B` for one of the two; `threads=1` or
//! `threads=2` for one pool size, for a profiler).

use std::path::{Path, PathBuf};
use std::time::Instant;

use gradmod::library::Library;
use gradmod::model::Model;
use gradmod::output::Traces;
use gradmod::run::simulate;

/// A small deterministic generator (xorshift) for the network's wiring.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Writes the network's files into `dir` and returns the network file's path.
fn write_network(dir: &Path, cells: usize, tstop: f64) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let a = std::fs::read_to_string(root.join("models/A_hh_axon.toml")).expect("model A");
    // Model A's cell keys, its [[parameter]] entries replaced by gnabar alone.
    let body = a.split("[[parameter]]").next().expect("model A's cell");
    let cell = format!(
        "{body}\n[[detector]]\nname = \"spike\"\nat = \"axon(1)\"\nthreshold = 0.0\n\n\
         [[point_process]]\nname = \"ExpSyn\"\nat = \"soma(0.5)\"\nlabel = \"syn\"\n\
         parameters = {{ tau = 2.0, e = 0.0 }}\n\n[[parameter]]\ntarget = \"hh.gnabar\"\n"
    );
    std::fs::write(dir.join("cell.toml"), cell).expect("write cell.toml");
    let mut net = format!("[simulation]\ntstop = {tstop}\n\n");
    for i in 0..cells {
        let amp = if i % 10 == 0 { 0.5 } else { 0.0 };
        net.push_str(&format!(
            "[[cell]]\nname = \"c{i}\"\nmodel = \"cell.toml\"\nset = {{ \"IClamp.amp\" = {amp} }}\n\n"
        ));
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..cells {
        for _ in 0..5 {
            let s = rng.below(cells);
            let delay = rng.uniform(1.0, 5.0);
            net.push_str(&format!(
                "[[connection]]\nfrom = \"c{s}.spike\"\nto = \"c{i}.syn\"\nweight = 0.01\n\
                 delay = {delay:.3}\n\n"
            ));
        }
    }
    let path = dir.join("network.toml");
    std::fs::write(&path, net).expect("write network.toml");
    path
}

/// Writes model B(10000) (B100's file with 10 000 CVs over 100 mm) and returns its path.
fn write_long_cable(dir: &Path, tstop: f64) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let b = std::fs::read_to_string(root.join("models/B100_hh_cable.toml")).expect("model B");
    let b = b
        .replace("length = 1000.0", "length = 100000.0")
        .replace("nseg = 100", "nseg = 10000")
        .replace("tstop = 100.0", &format!("tstop = {tstop}"));
    assert!(
        b.contains("nseg = 10000"),
        "B100_hh_cable.toml changed: update the bench"
    );
    let path = dir.join("b10000.toml");
    std::fs::write(&path, b).expect("write b10000.toml");
    path
}

/// The load average over the last minute.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// The CPU time of the process so far (s).
fn process_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Simulates `model` on a pool of `threads` threads; returns the wall time and the process's CPU
/// time of the simulation (s), and the traces.
fn timed(model: &Model, library: &Library, threads: usize) -> (f64, f64, Vec<(String, Traces)>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        // The model is built on the pool too, but only the simulation is timed.
        let built = gradmod::model::build(model, library, &[]).expect("model");
        let cpu0 = process_cpu();
        let start = Instant::now();
        let (traces, _spikes) = simulate(built, false).expect("simulation");
        let wall = start.elapsed().as_secs_f64();
        let cpu = process_cpu() - cpu0;
        (wall, cpu, traces)
    })
}

/// Whether two runs recorded the same numbers, bit for bit.
fn identical(a: &[(String, Traces)], b: &[(String, Traces)]) -> bool {
    let bits = |t: &Traces| -> Vec<u64> {
        let mut v: Vec<u64> = t.times.iter().map(|x| x.to_bits()).collect();
        for c in &t.values {
            v.extend(c.iter().map(|x| x.to_bits()));
        }
        for probe in &t.tangents {
            for c in probe {
                v.extend(c.iter().map(|x| x.to_bits()));
            }
        }
        v
    };
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((na, ta), (nb, tb))| na == nb && bits(ta) == bits(tb))
}

fn main() {
    let arg = |key: &str, default: f64| -> f64 {
        std::env::args()
            .find_map(|a| a.strip_prefix(&format!("{key}=")).map(str::to_string))
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{key}= takes a number"))
            })
            .unwrap_or(default)
    };
    let rounds = arg("rounds", 3.0) as usize;
    let cells = arg("cells", 1000.0) as usize;
    let tstop = arg("tstop", 100.0);
    let dir = std::env::temp_dir().join(format!("gradmod-bench-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let library = Library::builtin();
    let jobs = [
        (
            format!("network of {cells} model-A cells"),
            write_network(&dir, cells, tstop),
        ),
        (
            "B(10000), one cell".to_string(),
            write_long_cable(&dir, tstop),
        ),
    ];
    println!(
        "{tstop} ms, dt 0.025 ms, hh.gnabar tangents; wall time, best of {rounds} interleaved \
         rounds; load {} at the start",
        load()
    );
    let mut failed = false;
    let only: Option<String> =
        std::env::args().find_map(|a| a.strip_prefix("only=").map(str::to_string));
    let pools: Vec<usize> =
        match std::env::args().find_map(|a| a.strip_prefix("threads=").map(str::to_string)) {
            Some(t) => vec![t.parse().expect("threads=1 or threads=2")],
            None => vec![1, 2],
        };
    for (name, path) in &jobs {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let model = Model::load(path).expect("model");
        let mut best = [f64::INFINITY; 2];
        // CPU time over wall time of the best run: how many threads were busy on average.
        let mut busy = [0.0; 2];
        let mut results: [Option<Vec<(String, Traces)>>; 2] = [None, None];
        for round in 0..rounds {
            // The order alternates, so that neither pool size always runs second.
            let mut order = pools.clone();
            if round % 2 == 1 {
                order.reverse();
            }
            for threads in order {
                let (secs, cpu, traces) = timed(&model, &library, threads);
                if secs < best[threads - 1] {
                    best[threads - 1] = secs;
                    busy[threads - 1] = cpu / secs;
                }
                results[threads - 1] = Some(traces);
            }
        }
        let same = identical(
            results[0].as_deref().unwrap_or_default(),
            results[1].as_deref().unwrap_or_default(),
        );
        failed |= !same;
        println!(
            "{name}: 1 thread {:.3} s, 2 threads {:.3} s ({:.2} threads busy), speed-up {:.2}x, \
             results {}",
            best[0],
            best[1],
            busy[1],
            best[0] / best[1],
            if same { "bit-identical" } else { "DIFFERENT" }
        );
    }
    println!("load {} at the end", load());
    let _ = std::fs::remove_dir_all(&dir);
    if failed {
        eprintln!("the results on one and two threads differ");
        std::process::exit(1);
    }
}
