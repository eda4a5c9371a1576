//! Every .mod file the tests can see is accepted, or rejected with located errors; nothing
//! panics. Files are checked as `gradmod check` checks them: through every stage before a back
//! end (front end, passes, kernel plans), the stages `gradmod compile` and the run-time engine
//! run, so that the three accept the same files.
//!
//! The project's own files (`mod_files/`, `compiler/tests/parse_extra/`) are accepted or
//! rejected only for named unsupported constructs. The corpus of published files
//! (`tests/corpus/fetch.sh`) is held to the record `tests/corpus/expected.tsv`: a file recorded
//! as accepted must still be accepted, and a rejected file must still be rejected with the
//! recorded first error, so that a regression, and an improvement nobody recorded, both fail.
//! The files `tests/corpus/known_failures.tsv` lists as slow (`*`) are not checked.

use std::path::{Path, PathBuf};

use crate::common::{Recorded, collect, corpus_files, corpus_record, known_failures};
use gradmod_compiler::driver::{Checked, check_source};

/// Checks a file as `gradmod check` does (lossily, INCLUDEs relative to it), catching panics.
fn load(path: &Path) -> Result<Checked, String> {
    let text = String::from_utf8_lossy(&std::fs::read(path).expect("readable file")).into_owned();
    let name = path.display().to_string();
    std::panic::catch_unwind(|| check_source(&name, &text))
        .map_err(|_| format!("{name}: the compiler panicked"))
}

/// Checks that every error of a rejected file points into the file, at a non-empty span, and
/// says something.
fn errors_are_located(name: &str, front: &Checked) -> Result<Vec<String>, String> {
    let errors: Vec<_> = front.diags.0.iter().filter(|d| d.is_error()).collect();
    if errors.is_empty() {
        return Err(format!("{name}: rejected without an error"));
    }
    for d in &errors {
        let file = front.sources.get(d.span.file);
        if d.message.trim().is_empty()
            || d.span.end as usize > file.text.len()
            || d.span.start >= d.span.end
        {
            return Err(format!(
                "{name}: an error without a message or a real location:\n{}",
                front.render()
            ));
        }
    }
    Ok(errors.iter().map(|d| d.message.clone()).collect())
}

/// The verdict on one corpus file, or what is wrong with how it was reached.
fn verdict(path: &Path) -> Result<Recorded, String> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let checked = load(path)?;
    if checked.accepted() {
        return Ok(Recorded::Accepted);
    }
    let messages = errors_are_located(&name, &checked)?;
    Ok(Recorded::Rejected(messages[0].clone()))
}

/// The verdicts on `files`, in order, computed by two threads.
fn verdicts(files: &[PathBuf]) -> Vec<Result<Recorded, String>> {
    std::thread::scope(|s| {
        let half = files.len().div_ceil(2).max(1);
        let workers: Vec<_> = files
            .chunks(half)
            .map(|part| s.spawn(move || part.iter().map(|p| verdict(p)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a checking thread"))
            .collect()
    })
}

#[test]
fn project_files_are_accepted_or_rejected_by_name() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["mod_files", "compiler/tests/parse_extra"] {
        collect(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(
        files.len() >= 10,
        "found only {} project files",
        files.len()
    );
    let mut summary = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let front = load(path).unwrap_or_else(|e| panic!("{e}"));
        if front.accepted() {
            summary.push(format!("accepted  {name}"));
            continue;
        }
        let messages = errors_are_located(&name, &front).unwrap_or_else(|e| panic!("{e}"));
        for m in &messages {
            assert!(
                m.starts_with("unsupported construct: "),
                "{name}: rejected for a reason other than a named unsupported construct:\n{}",
                front.render()
            );
        }
        let names: Vec<_> = messages
            .iter()
            .map(|m| m.trim_start_matches("unsupported construct: "))
            .collect();
        summary.push(format!("rejected  {name}: {}", names.join(", ")));
    }
    eprintln!("{}", summary.join("\n"));
    // The built-in library is always accepted.
    for name in ["mod_files/hh.mod", "mod_files/pas.mod"] {
        assert!(
            summary.contains(&format!("accepted  {name}")),
            "{name} is not accepted"
        );
    }
}

#[test]
fn corpus_verdicts_match_the_record() {
    let files = corpus_files();
    if files.is_empty() {
        println!(
            "note: tests/corpus/files is absent or empty; run tests/corpus/fetch.sh to test it"
        );
        return;
    }
    let record = corpus_record();
    let slow = known_failures("*");
    let (skipped, files): (Vec<PathBuf>, Vec<PathBuf>) = files
        .into_iter()
        .partition(|p| slow.contains_key(p.file_name().unwrap().to_string_lossy().as_ref()));
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    let mut seen: std::collections::BTreeSet<String> = skipped
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for (path, now) in files.iter().zip(verdicts(&files)) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        seen.insert(name.clone());
        let now = match now {
            Ok(now) => now,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        match now {
            Recorded::Accepted => accepted += 1,
            _ => rejected += 1,
        }
        match record.get(&name) {
            None => failures.push(format!("{name}: not in tests/corpus/expected.tsv")),
            Some(was) if *was != now => failures.push(format!(
                "{name}: recorded {}, now {}",
                describe(was),
                describe(&now)
            )),
            Some(_) => {}
        }
    }
    if !skipped.is_empty() {
        println!(
            "note: {} slow files are not checked (tests/corpus/known_failures.tsv)",
            skipped.len()
        );
    }
    let missing: Vec<&String> = record.keys().filter(|k| !seen.contains(*k)).collect();
    if !missing.is_empty() {
        // A package PyPI did not serve this time: its files are not tested, but that is no
        // failure of the compiler.
        println!(
            "note: {} recorded files are not in tests/corpus/files (a package was not fetched?): {}",
            missing.len(),
            missing
                .iter()
                .take(5)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!(
        "corpus: {} files, {accepted} accepted, {rejected} rejected, {} differ from the record",
        files.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} corpus files differ from tests/corpus/expected.tsv:\n{}\n{}",
        failures.len(),
        failures.join("\n"),
        crate::common::RERECORD
    );
}

fn describe(r: &Recorded) -> String {
    match r {
        Recorded::Accepted => "accepted".into(),
        Recorded::Rejected(m) => format!("rejected ({m})"),
        Recorded::TimedOut => "timed out".into(),
    }
}
