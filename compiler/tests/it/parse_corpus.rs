//! Every .mod file we can find parses, or fails to parse with located errors, never a panic:
//! the built-in library `mod_files/` and the hard-syntax files of `compiler/tests/parse_extra/`
//! parse without errors; so does every file of the corpus of published files
//! (`tests/corpus/fetch.sh`) that `tests/corpus/expected.tsv` records as accepted, and a corpus
//! file that does not parse must be recorded as rejected with its first parse error. Rejecting
//! unsupported constructs is lowering's job, so the grammar aims to accept all of NEURON's
//! NMODL; the record shows the syntax it does not accept yet (and the corpus files that are not
//! NEURON's NMODL, such as Arbor's dialect).

use gradmod_compiler::diag::{SourceFile, SourceMap};
use gradmod_compiler::parse::parse;
use std::path::{Path, PathBuf};

/// The `.mod` files directly inside `dir`, sorted; empty if the folder is absent.
fn mod_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mod"))
        .collect();
    files.sort();
    files
}

/// Parses every file, returning the rendered errors of those that fail and the number parsed.
fn parse_all(files: &[PathBuf]) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    for path in files {
        let text =
            String::from_utf8_lossy(&std::fs::read(path).expect("readable file")).into_owned();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut map = SourceMap::new();
        let id = map.add(SourceFile::new(name.clone(), text));
        let result = std::panic::catch_unwind(|| parse(&map, id));
        match result {
            Ok((file, diags)) if diags.is_empty() => {
                assert!(!file.items.is_empty(), "{name}: no items");
            }
            Ok((_, diags)) => failures.push(diags.render(&map)),
            Err(_) => failures.push(format!("{name}: the parser panicked")),
        }
    }
    (failures, files.len())
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn fetched_corpus_parses_or_is_recorded() {
    let files = crate::common::corpus_files();
    if files.is_empty() {
        println!(
            "note: tests/corpus/files is absent or empty; run tests/corpus/fetch.sh to test it"
        );
        return;
    }
    let record = crate::common::corpus_record();
    let mut failures = Vec::new();
    let mut unparsed = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text =
            String::from_utf8_lossy(&std::fs::read(path).expect("readable file")).into_owned();
        let mut map = SourceMap::new();
        let id = map.add(SourceFile::new(name.clone(), text));
        let (file, diags) = match std::panic::catch_unwind(|| parse(&map, id)) {
            Ok(r) => r,
            Err(_) => {
                failures.push(format!("{name}: the parser panicked"));
                continue;
            }
        };
        let errors: Vec<_> = diags.0.iter().filter(|d| d.is_error()).collect();
        if errors.is_empty() {
            if file.items.is_empty() {
                failures.push(format!("{name}: no items"));
            }
            continue;
        }
        unparsed += 1;
        let text = &map.get(id).text;
        if errors.iter().any(|d| {
            d.message.trim().is_empty()
                || d.span.end as usize > text.len()
                || d.span.start > d.span.end
        }) {
            failures.push(format!(
                "{name}: a parse error without a message or a real location:\n{}",
                diags.render(&map)
            ));
        }
        let first = errors[0].message.clone();
        match record.get(&name) {
            Some(crate::common::Recorded::Rejected(m)) if *m == first => {}
            Some(r) => failures.push(format!(
                "{name}: recorded {r:?}, but it does not parse: {first}"
            )),
            None => failures.push(format!(
                "{name}: not in tests/corpus/expected.tsv, and it does not parse: {first}"
            )),
        }
    }
    println!(
        "parsed {} corpus files: {unparsed} do not parse (as recorded unless listed below), {} \
         unexpected",
        files.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{}\n{}",
        failures.join("\n"),
        crate::common::RERECORD
    );
}

#[test]
fn builtin_mod_files_parse() {
    let files = mod_files(&root().join("mod_files"));
    let (failures, n) = parse_all(&files);
    println!("parsed {n} built-in files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hard_syntax_files_parse() {
    let files = mod_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse_extra"));
    assert!(
        files.len() >= 6,
        "expected the parse_extra files, found {}",
        files.len()
    );
    let (failures, n) = parse_all(&files);
    println!("parsed {n} hard-syntax files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
