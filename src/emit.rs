//! `gradmod emit arbor`: .mod files (or a whole model's mechanisms) written as Arbor mechanisms
//! that compute their own tangents, for `arbor-build-catalogue`.

use std::path::{Path, PathBuf};

use gradmod_compiler::back::arbor;
pub use gradmod_compiler::back::arbor::Direction;
use gradmod_compiler::driver;
use gradmod_compiler::ir::Module;

/// The directions `MECH.PARAM,...` parsed, in order.
pub fn parse_wrt(wrt: &[String]) -> Result<Vec<Direction>, String> {
    wrt.iter()
        .filter(|w| !w.trim().is_empty())
        .map(|w| {
            let (mech, param) = w
                .trim()
                .split_once('.')
                .ok_or_else(|| format!("`{w}` is not MECH.PARAM (for example hh.gnabar)"))?;
            Ok(Direction {
                mech: mech.to_string(),
                param: param.to_string(),
            })
        })
        .collect()
}

/// Loads each file through the front end; an error holds every file's rendered diagnostics.
pub fn load(files: &[PathBuf]) -> Result<Vec<(PathBuf, Module, driver::Frontend)>, String> {
    let mut out = Vec::new();
    for f in files {
        let front =
            driver::load_file(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let Some(m) = front.module.clone() else {
            return Err(front.render());
        };
        out.push((f.clone(), m, front));
    }
    Ok(out)
}

/// Writes one Arbor mechanism per file into `dir` (named after the mechanism), each computing
/// its tangents along every direction of `dirs`. Returns the files written.
pub fn emit_files(
    files: &[PathBuf],
    dirs: &[Direction],
    dir: &Path,
) -> Result<Vec<PathBuf>, String> {
    let loaded = load(files)?;
    for d in dirs {
        if !loaded.iter().any(|(_, m, _)| m.name == d.mech) {
            let names: Vec<&str> = loaded.iter().map(|(_, m, _)| m.name.as_str()).collect();
            return Err(format!(
                "--wrt {}.{}: no file given defines mechanism `{}` (the files define: {})",
                d.mech,
                d.param,
                d.mech,
                names.join(", ")
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (path, m, front) in &loaded {
        let source = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = arbor::emit(m, dirs, &source).map_err(|d| d.render(&front.sources))?;
        let out = dir.join(format!("{}.mod", m.name));
        std::fs::write(&out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        written.push(out);
    }
    Ok(written)
}
