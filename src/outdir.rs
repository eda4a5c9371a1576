//! The output folder of `gradmod run`, checked before the simulation and filled all at once.
//!
//! [`OutputDir::prepare`] creates the folder (if needed) and a temporary folder inside it before
//! anything is simulated, so an unusable `--out` is reported at once. The run writes into the
//! temporary folder; [`OutputDir::commit`] then moves every file into place and removes the files
//! an earlier run left there that this run did not write (such as `tangents.*` of a model with
//! tangents, or the folder of a network's cell), so that the folder never mixes two runs. A run
//! that fails before the commit leaves the folder as it was (and removes it if it made it).

use std::io;
use std::path::{Path, PathBuf};

/// The files `gradmod run` writes into a folder (one per cell of a network).
pub const OUTPUT_FILES: [&str; 6] = [
    "traces.csv",
    "t.npy",
    "traces.npy",
    "tangents.csv",
    "tangents.npy",
    "plot.png",
];

/// An I/O error that names its path.
pub fn io_error(path: &Path, action: &str, e: &io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("cannot {action} {}: {e}", path.display()))
}

/// An output folder being filled: its final place and the temporary folder written first.
#[derive(Debug)]
pub struct OutputDir {
    out: PathBuf,
    tmp: PathBuf,
    /// Whether `prepare` created `out` (it is removed again when the run fails).
    created: bool,
    committed: bool,
}

impl OutputDir {
    /// Checks `out` and makes the temporary folder inside it.
    pub fn prepare(out: &Path) -> io::Result<Self> {
        if out.exists() && !out.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "cannot write the results to {}: it exists and is not a folder",
                    out.display()
                ),
            ));
        }
        let created = !out.exists();
        std::fs::create_dir_all(out).map_err(|e| io_error(out, "create the folder", &e))?;
        let tmp = out.join(format!(".gradmod-tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| io_error(&tmp, "remove", &e))?;
        }
        if let Err(e) = std::fs::create_dir(&tmp) {
            if created {
                let _ = std::fs::remove_dir(out);
            }
            return Err(io_error(&tmp, "create the folder", &e));
        }
        Ok(Self {
            out: out.to_path_buf(),
            tmp,
            created,
            committed: false,
        })
    }

    /// Where to write `relative` now (inside the temporary folder).
    pub fn staging(&self, relative: &Path) -> PathBuf {
        self.tmp.join(relative)
    }

    /// Moves the files written (paths inside the temporary folder) into place, after removing the
    /// outputs of an earlier run that this run did not write; returns their final paths.
    pub fn commit(mut self, written: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
        let relative: Vec<PathBuf> = written
            .iter()
            .map(|p| p.strip_prefix(&self.tmp).unwrap_or(p).to_path_buf())
            .collect();
        self.remove_stale(&relative)?;
        let mut done = Vec::new();
        for rel in &relative {
            let (from, to) = (self.tmp.join(rel), self.out.join(rel));
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| io_error(parent, "create the folder", &e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| io_error(&to, "write", &e))?;
            done.push(to);
        }
        self.committed = true;
        std::fs::remove_dir_all(&self.tmp).map_err(|e| io_error(&self.tmp, "remove", &e))?;
        Ok(done)
    }

    /// Removes from the folder the outputs of `gradmod run` that are not among `keep`: known file
    /// names at the top, and in every sub-folder that holds a `traces.csv` (a network's cell).
    fn remove_stale(&self, keep: &[PathBuf]) -> io::Result<()> {
        let mut folders = vec![PathBuf::new()];
        let entries =
            std::fs::read_dir(&self.out).map_err(|e| io_error(&self.out, "read the folder", &e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path != self.tmp && path.is_dir() && path.join("traces.csv").is_file() {
                folders.push(PathBuf::from(entry.file_name()));
            }
        }
        for folder in folders {
            for name in OUTPUT_FILES {
                let rel = folder.join(name);
                let path = self.out.join(&rel);
                if path.is_file() && !keep.contains(&rel) {
                    std::fs::remove_file(&path).map_err(|e| io_error(&path, "remove", &e))?;
                }
            }
            if !folder.as_os_str().is_empty() {
                // A cell folder left empty goes too; one with other files stays.
                let _ = std::fs::remove_dir(self.out.join(&folder));
            }
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    /// A run that did not commit removes its temporary folder, and the output folder if it made it
    /// and nothing else is in it.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
            if self.created {
                let _ = std::fs::remove_dir(&self.out);
            }
        }
    }
}
