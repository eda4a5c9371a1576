//! The NMODL printer is the IR's text format: printing a module, parsing and lowering the text
//! again gives the same module (compared through its printed form and its variable table).

use std::path::{Path, PathBuf};

use gradmod_compiler::back::nmodl::print_module;
use gradmod_compiler::driver::load_source;
use gradmod_compiler::ir::{Module, VarKind};

/// Every .mod file the tests can see: the built-in library, the extra parse fixtures and the
/// wheel corpus when it has been fetched.
fn mod_files() -> Vec<PathBuf> {
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
    files
}

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

fn var_table(m: &Module) -> Vec<String> {
    m.vars
        .iter()
        // Locals are compared through the printed blocks: NMODL gives them no units, and an
        // unused LOCAL has no text form.
        .filter(|v| v.kind != VarKind::Local)
        .map(|v| {
            format!(
                "{} {:?} {:?} {:?} {:?} {:?}",
                v.name, v.kind, v.scope, v.unit, v.value, v.limits
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn ion_table(m: &Module) -> Vec<String> {
    let names = |vs: &[gradmod_compiler::ir::VarId]| {
        vs.iter()
            .map(|&v| m.var(v).name.clone())
            .collect::<Vec<_>>()
    };
    m.ions
        .iter()
        .map(|i| {
            format!(
                "{} {:?} read {:?} write {:?}",
                i.species,
                i.valence,
                names(&i.read),
                names(&i.write)
            )
        })
        .collect()
}

#[test]
fn print_parse_lower_is_a_fixed_point() {
    let files = mod_files();
    assert!(files.len() >= 2, "no .mod files found");
    let mut accepted = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.display().to_string();
        let Some(m) = load_source(&name, &text).module else {
            continue;
        };
        accepted += 1;
        let printed = print_module(&m);
        let again = load_source("printed.mod", &printed);
        let Some(m2) = again.module else {
            panic!(
                "{name}: the printed IR does not lower again:\n{}\n{printed}",
                again.render()
            );
        };
        let reprinted = print_module(&m2);
        assert_eq!(printed, reprinted, "{name}: printing is not a fixed point");
        assert_eq!(
            var_table(&m),
            var_table(&m2),
            "{name}: the variable tables differ"
        );
        assert_eq!(
            m.blocks.len(),
            m2.blocks.len(),
            "{name}: block counts differ"
        );
        assert_eq!(ion_table(&m), ion_table(&m2), "{name}: the ions differ");
        assert_eq!(m.kind, m2.kind);
        assert_eq!(m.nonspecific.len(), m2.nonspecific.len());
    }
    eprintln!(
        "round trip: {accepted} of {} files accepted and stable",
        files.len()
    );
    assert!(accepted >= 2);
}
