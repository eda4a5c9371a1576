//! Every .mod file the tests can see is accepted, or rejected with named unsupported constructs
//! at their locations; nothing panics. Fetch the wheel corpus with `tests/corpus/fetch.sh`.

use std::path::{Path, PathBuf};

use gradmod_compiler::driver::load_source;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "mod") {
            out.push(p);
        }
    }
}

#[test]
fn every_file_is_accepted_or_rejected_by_name() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in [
        "mod_files",
        "compiler/tests/parse_extra",
        "tests/corpus/files",
    ] {
        collect(&root.join(dir), &mut files);
    }
    files.sort();
    if !root.join("tests/corpus/files").is_dir() {
        eprintln!("note: the wheel corpus is absent; run tests/corpus/fetch.sh to include it");
    }
    let mut summary = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(path).unwrap();
        // The full path lets INCLUDEs resolve relative to the file.
        let front = load_source(&path.display().to_string(), &text);
        if front.module.is_some() {
            summary.push(format!("accepted  {name}"));
            continue;
        }
        let errors: Vec<_> = front.diags.0.iter().filter(|d| d.is_error()).collect();
        assert!(!errors.is_empty(), "{name}: rejected without an error");
        for d in &errors {
            assert!(
                d.message.starts_with("unsupported construct: "),
                "{name}: rejected for a reason other than a named unsupported construct:\n{}",
                front.render()
            );
            // The location is real: it points into the file, at the construct.
            let file = front.sources.get(d.span.file);
            assert!(
                d.span.end as usize <= file.text.len() && d.span.start < d.span.end,
                "{name}: empty span"
            );
        }
        let names: Vec<_> = errors
            .iter()
            .map(|d| d.message.trim_start_matches("unsupported construct: "))
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
