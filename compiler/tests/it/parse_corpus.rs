//! Every .mod file we can find parses without errors: the corpus fetched from the NEURON and
//! NMODL wheels (`tests/corpus/fetch.sh`), the built-in library `mod_files/`, and the hard-syntax
//! files of `compiler/tests/parse_extra/`. Rejecting unsupported constructs is lowering's job,
//! so the grammar must accept all of them.

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
fn fetched_corpus_parses() {
    let dir = root().join("tests/corpus/files");
    let files = mod_files(&dir);
    if files.is_empty() {
        println!(
            "note: tests/corpus/files is absent or empty; run tests/corpus/fetch.sh to test it"
        );
        return;
    }
    let (failures, n) = parse_all(&files);
    println!("parsed {n} corpus files, {} failed", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
