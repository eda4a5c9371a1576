//! Fuzzes the model-file loader: TOML text through the schema, then the build of its cells with the
//! built-in mechanisms (morphology, regions, discretisation, mechanisms, parameters, probes). Any
//! input must be accepted or rejected with a message; nothing may panic. The model's folder is an
//! empty temporary one, so an SWC file or a .mod folder it names is missing.

#![no_main]

use std::sync::OnceLock;

use gradmod::Library;
use gradmod::model::{Model, build};
use libfuzzer_sys::fuzz_target;

fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(Library::builtin)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let dir = std::env::temp_dir().join("gradmod-fuzz-model");
    match Model::parse("fuzz.toml", &text, &dir) {
        Ok(m) => {
            if let Err(e) = build(&m, library(), &[]) {
                let _ = e.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
