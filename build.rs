//! Compiles every mechanism in `mod_files/` into the built-in catalogue (`src/catalogue.rs`), and
//! the test-only mechanisms of `tests/mechanisms/` into a catalogue of their own for the
//! end-to-end tests.

fn main() {
    gradmod_compiler::builder::Builder::new()
        .dir("mod_files")
        .build();
    gradmod_compiler::builder::Builder::new()
        .dir("tests/mechanisms")
        .name("test_mechanisms")
        .build();
}
