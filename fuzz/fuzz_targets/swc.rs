//! Fuzzes SWC reading: any text must become a morphology or an error naming the line; a morphology
//! that reads must discretise and make a cell, without panicking.

#![no_main]

use gradmod_runtime::morphology::swc::read_swc;
use gradmod_runtime::{Cell, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match read_swc(&text) {
        Ok(morph) => {
            if let Ok(mut cell) = Cell::new(morph, Settings::default()) {
                let _ = cell.init();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
