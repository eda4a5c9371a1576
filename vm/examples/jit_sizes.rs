//! Measures, for every corpus file (or those whose name contains the first argument), the time
//! to load it with the evaluator and with the JIT, the number of operations of its register code
//! and of its largest kernel: the figures behind `gradmod_vm::AUTO_LIMIT`. Run from the
//! repository's root with `cargo run --release -p gradmod-vm --example jit_sizes [FILTER]`.

use gradmod_vm::{Catalogue, EngineChoice};
use std::time::Instant;
fn main() {
    let dir = std::path::Path::new("tests/corpus/files");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let filter = std::env::args().nth(1);
    for f in files {
        let skip = std::fs::read_to_string("tests/corpus/known_failures.tsv").unwrap();
        if skip.lines().any(|l| {
            l.starts_with("*\t") && l.split('\t').nth(1) == f.file_name().unwrap().to_str()
        }) {
            continue;
        }
        if let Some(ref s) = filter
            && !f.to_string_lossy().contains(s.as_str())
        {
            continue;
        }
        let t0 = Instant::now();
        let Ok(c) = Catalogue::load_with(&[&f], EngineChoice::Evaluator) else {
            continue;
        };
        let te = t0.elapsed().as_secs_f64();
        let sizes = c.mechanisms()[0].code.kernel_sizes();
        let ops: usize = sizes.iter().map(|(_, s)| s.iter().sum::<usize>()).sum();
        let big = sizes
            .iter()
            .map(|(_, s)| s.iter().sum::<usize>())
            .max()
            .unwrap_or(0);
        let t1 = Instant::now();
        let j = Catalogue::load_with(&[&f], EngineChoice::Jit);
        let tj = t1.elapsed().as_secs_f64();
        println!(
            "{:8.3} s jit {:8.3} s eval {:8} ops {:8} largest {} {}",
            tj,
            te,
            ops,
            big,
            f.file_name().unwrap().to_string_lossy(),
            if j.is_ok() { "" } else { "FAILED" }
        );
    }
}
