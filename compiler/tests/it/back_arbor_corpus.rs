//! The Arbor back end over the corpus of published files: for every file `gradmod check` accepts
//! (`tests/corpus/expected.tsv`), whether `emit arbor` (no directions) accepts it too, or the
//! message of its first error, held to the record `tests/corpus/arbor_expected.tsv`, so that a
//! regression, and an improvement nobody recorded, both fail. Skipped, with a note, when the
//! corpus has not been fetched (`tests/corpus/fetch.sh`).

use std::path::Path;

use crate::common::{Recorded, corpus_dir, corpus_record};
use gradmod_compiler::back::arbor::emit;
use gradmod_compiler::driver::load_file;

/// The verdict of the Arbor back end on one corpus file: "accepted", or the first error's
/// message; a panic is an error of the test.
fn verdict(path: &Path) -> String {
    let name = path.display().to_string();
    let run = || {
        let front = load_file(path).expect("a readable corpus file");
        let m = front.module.as_ref().expect("accepted by the front end");
        let source = path.file_name().unwrap().to_string_lossy().into_owned();
        match emit(m, &[], &source) {
            Ok(_) => "accepted".to_string(),
            Err(d) => {
                d.0.first()
                    .map(|d| d.message.clone())
                    .unwrap_or_else(|| "rejected without a message".into())
            }
        }
    };
    std::panic::catch_unwind(run).unwrap_or_else(|_| panic!("{name}: the Arbor back end panicked"))
}

#[test]
fn corpus_files_are_emitted_or_rejected_as_recorded() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!("note: tests/corpus/files is absent (run tests/corpus/fetch.sh); not checked");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let record_path = root.join("tests/corpus/arbor_expected.tsv");
    let text = std::fs::read_to_string(&record_path).unwrap_or_default();
    let record: std::collections::BTreeMap<String, String> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.splitn(2, '\t');
            Some((cols.next()?.to_string(), cols.next()?.to_string()))
        })
        .collect();
    let mut now = std::collections::BTreeMap::new();
    for (file, verdict_of_check) in corpus_record() {
        if verdict_of_check != Recorded::Accepted {
            continue;
        }
        let path = dir.join(&file);
        if path.is_file() {
            now.insert(file, verdict(&path));
        }
    }
    let accepted = now.values().filter(|v| *v == "accepted").count();
    eprintln!(
        "emit arbor accepts {accepted} of the {} corpus files `gradmod check` accepts",
        now.len()
    );
    let mut changed = vec![];
    for (file, v) in &now {
        match record.get(file) {
            Some(r) if r == v => {}
            Some(r) => changed.push(format!("{file}: recorded {r:?}, now {v:?}")),
            None => changed.push(format!("{file}: not recorded, now {v:?}")),
        }
    }
    if std::env::var_os("GRADMOD_RECORD_ARBOR").is_some() {
        let mut out = String::from(
            "# Written by compiler/tests/it/back_arbor_corpus.rs (GRADMOD_RECORD_ARBOR=1): for each \
             corpus file `gradmod check` accepts, `accepted` or the first error of `gradmod emit \
             arbor`.\n# file\tverdict or first error\n",
        );
        for (file, v) in &now {
            out.push_str(&format!("{file}\t{v}\n"));
        }
        std::fs::write(&record_path, out).expect("the record is writable");
        return;
    }
    assert!(
        changed.is_empty(),
        "{} corpus files changed verdict under `emit arbor`:\n{}\nIf intended, record them: \
         GRADMOD_RECORD_ARBOR=1 cargo test -p gradmod-compiler --test it back_arbor_corpus",
        changed.len(),
        changed.join("\n")
    );
}
