//! Fuzzes the whole front end and the passes: parse, lower, validate, then the pipeline that
//! turns SOLVEs into update maps and derives the tangents. Any input must either be rejected with
//! diagnostics that render, or go through; nothing may panic.

#![no_main]

use gradmod_compiler::driver::load_source;
use gradmod_compiler::passes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let front = load_source("fuzz.mod", &text);
    let _ = front.render();
    if let Some(mut m) = front.module {
        if let Err(d) = passes::run(&mut m, None) {
            let _ = d.render(&front.sources);
        }
    }
});
