//! Compiles every mechanism in `mod_files/` into the built-in catalogue (`src/catalogue.rs`).

fn main() {
    gradmod_compiler::builder::Builder::new()
        .dir("mod_files")
        .build();
}
