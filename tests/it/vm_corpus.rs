//! Every accepted file of the corpus of published .mod files (tests/corpus/), compiled when the
//! test runs and run by the default engine (the JIT, or the evaluator for the few files whose
//! kernels are too large for it) on the single-compartment protocol of `vm_equivalence`
//! (density mechanisms with a current step; point processes with events where they receive
//! them): no value of the voltage, its tangents, the states or their tangents may be NaN or
//! infinite, except for the files listed under `vm_corpus` in tests/corpus/known_failures.tsv
//! with the reason. (ASSIGNED variables may be: a published file may compute a time constant as
//! infinite in INITIAL, before what it divides by is set, and recompute it before it is used, as
//! NEURON does.) Where the JIT runs a file, the evaluator runs it too and every value of the
//! protocol must be the same to the bit. Files the slow lists (`*`, `vm_corpus_slow`) name are
//! skipped.

use std::collections::BTreeMap;
use std::path::Path;

use gradmod_runtime::mechanism::FieldRole;
use gradmod_vm::{Catalogue, Engine, EngineChoice};

use crate::vm_equivalence::protocol;

/// The files listed under `test` (or `*`) in tests/corpus/known_failures.tsv, with the reasons.
fn listed(test: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/known_failures.tsv");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut cols = l.splitn(3, '\t');
            let (t, f, why) = (cols.next()?, cols.next()?, cols.next()?);
            (t == test).then(|| (f.to_string(), why.to_string()))
        })
        .collect()
}

#[test]
fn every_accepted_corpus_file_runs_through_the_run_time_path() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/files");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
        return;
    };
    let mut files: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mod"))
        .collect();
    files.sort();
    let (mut slow, known) = (listed("*"), listed("vm_corpus"));
    // Files too slow for the evaluator in the debug profile (`vm_corpus_slow`), checked elsewhere.
    slow.extend(listed("vm_corpus_slow"));
    files.retain(|f| !slow.contains_key(f));
    // The files are independent: two threads share them.
    let outcomes: Vec<(String, Option<Outcome>)> = std::thread::scope(|s| {
        let half = files.len().div_ceil(2);
        let workers: Vec<_> = files
            .chunks(half.max(1))
            .map(|part| {
                s.spawn(|| {
                    part.iter()
                        .map(|f| (f.clone(), outcome(&dir, f)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let (mut ran, mut rejected, mut jit) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut seen_known = Vec::new();
    let mut fallbacks = Vec::new();
    for (file, outcome) in outcomes {
        let Some(outcome) = outcome else {
            rejected += 1;
            continue;
        };
        ran += 1;
        match outcome.engine {
            Engine::Jit => jit += 1,
            Engine::Evaluator => {
                fallbacks.push(format!("{file}: {}", outcome.fallback.unwrap_or_default()))
            }
        }
        if let Some(d) = outcome.engines_differ {
            failures.push(format!("{file}: {d}"));
        }
        match (outcome.problem, known.get(&file)) {
            (Some(_), Some(_)) => seen_known.push(file.clone()),
            (Some(why), None) => failures.push(format!("{file}: {why}")),
            (None, Some(reason)) => failures.push(format!(
                "{file} is listed as failing ({reason}) but runs: take it off the list"
            )),
            (None, None) => {}
        }
    }
    println!(
        "{ran} corpus files ran through the run-time path ({rejected} rejected by the compiler, \
         {} slow ones skipped); {} known failures; {jit} on the JIT, bit-identical to the \
         evaluator, {} on the evaluator:",
        slow.len(),
        seen_known.len(),
        fallbacks.len()
    );
    for f in &fallbacks {
        println!("  {f}");
    }
    for f in &seen_known {
        println!("  known: {f}: {}", known[f]);
    }
    assert!(ran > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What one corpus file does on the run-time path.
struct Outcome {
    /// What is wrong with its run on the default engine, if anything.
    problem: Option<String>,
    /// The default engine.
    engine: Engine,
    /// Why the default engine is the evaluator, where it is.
    fallback: Option<String>,
    /// Where the JIT runs it: how the evaluator's run differs, if it does.
    engines_differ: Option<String>,
}

/// Runs one corpus file through the run-time path: `None` when the compiler rejects it.
fn outcome(dir: &Path, file: &str) -> Option<Outcome> {
    let vm = Catalogue::load(&[dir.join(file)]).ok()?;
    let loaded = &vm.mechanisms()[0];
    let mech = loaded.make();
    let info = mech.info();
    let name = info.name;
    // The traces: v, its tangents, every field, the state tangents; all but the fields that are
    // not states must stay finite.
    let kk = info
        .fields
        .iter()
        .filter(|f| f.role == FieldRole::Parameter)
        .count();
    let checked = |i: usize| {
        i <= kk || i > kk + info.fields.len() || info.fields[i - kk - 1].role == FieldRole::State
    };
    let traces = protocol(mech, 6.3);
    let problem = match &traces {
        Err(e) => Some(format!("`{name}` does not run: {e}")),
        Ok(traces) => traces
            .iter()
            .enumerate()
            .filter(|(i, _)| checked(*i))
            .find_map(|(i, t)| t.iter().find(|x| !x.is_finite()).map(|x| (i, *x)))
            .map(|(i, x)| format!("`{name}` gives {x} in trace {i}")),
    };
    let engines_differ = (loaded.engine() == Engine::Jit).then(|| {
        let evaluator = Catalogue::load_with(&[dir.join(file)], EngineChoice::Evaluator)
            .map_err(|e| e.to_string())
            .and_then(|c| protocol(c.mechanisms()[0].make(), 6.3));
        let bits = |t: &Result<Vec<Vec<f64>>, String>| -> Result<Vec<u64>, String> {
            t.clone()
                .map(|t| t.iter().flatten().map(|x| x.to_bits()).collect())
        };
        match (bits(&traces), bits(&evaluator)) {
            (Ok(a), Ok(b)) if a == b => None,
            (Err(a), Err(b)) if a == b => None,
            (Ok(a), Ok(b)) if a.len() == b.len() => {
                let n = a.iter().zip(&b).filter(|(x, y)| x != y).count();
                Some(format!(
                    "{n} of {} values differ between the JIT and the evaluator",
                    a.len()
                ))
            }
            (a, b) => Some(format!(
                "the JIT gives {:?}, the evaluator {:?}",
                a.map(|a| a.len()),
                b.map(|b| b.len())
            )),
        }
    });
    Some(Outcome {
        problem,
        engine: loaded.engine(),
        fallback: loaded.fallback().map(String::from),
        engines_differ: engines_differ.flatten(),
    })
}
