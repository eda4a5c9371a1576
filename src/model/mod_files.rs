//! A model's own mechanisms: the .mod files and folders its `[mechanisms]` table names, compiled
//! when the model is built and added to the library it is built with.

use std::path::PathBuf;

use crate::library::Library;

use super::{Model, ModelError};

/// `library` with the mechanisms of the files `model`'s `[mechanisms]` table names (relative to
/// the model file). A file the library already holds is not loaded twice, so this may be applied
/// again to its own result.
pub fn library_for(model: &Model, library: &Library) -> Result<Library, ModelError> {
    let Some(table) = &model.file.mod_files else {
        return Ok(library.clone());
    };
    let src = &model.source;
    let mut paths: Vec<PathBuf> = Vec::new();
    for (i, p) in table.get_ref().paths.iter().enumerate() {
        let path = src.dir.join(p.get_ref());
        if !path.exists() {
            return Err(src.error_at(
                p.span(),
                format!("mechanisms.paths[{i}]"),
                format!("there is no file or folder {}", path.display()),
            ));
        }
        paths.push(path);
    }
    library
        .clone()
        .with_mod_files(&paths, table.get_ref().replace_builtins)
        .map_err(|e| {
            src.error_at(
                table.span(),
                "mechanisms",
                format!("the model's mechanism files do not compile:\n{e}"),
            )
        })
}
