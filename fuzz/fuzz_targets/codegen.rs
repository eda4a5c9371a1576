//! Fuzzes the whole compiler: parse, lower, validate, the passes, the kernel plans and the Rust
//! back end. Any input must either be rejected with diagnostics that render, or produce Rust code;
//! nothing may panic. With `GRADMOD_FUZZ_SAVE=DIR` in the environment, every generated file is
//! also written to DIR, so that a sample can be compiled with rustc afterwards.

#![no_main]

use gradmod_compiler::back::rust::{Options, generate};
use gradmod_compiler::driver::load_source;
use gradmod_compiler::passes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let front = load_source("fuzz.mod", &text);
    let _ = front.render();
    let Some(m) = front.module else {
        return;
    };
    let m = match passes::run_all(m) {
        Ok(m) => m,
        Err(d) => {
            let _ = d.render(&front.sources);
            return;
        }
    };
    match generate(&m, "fuzz.mod", &text, &Options { parameters: None }) {
        Ok(g) => {
            if let Ok(dir) = std::env::var("GRADMOD_FUZZ_SAVE") {
                let name = format!("{:016x}.rs", gradmod_compiler::back::rust::fingerprint(&text));
                let _ = std::fs::write(std::path::Path::new(&dir).join(name), g.code);
            }
        }
        Err(d) => {
            let _ = d.render(&front.sources);
        }
    }
});
