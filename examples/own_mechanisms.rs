//! A program with mechanisms of its own and the whole `gradmod` command line over them.
//!
//! A crate compiles its .mod files in its `build.rs` with gradmod's builder, as gradmod's own
//! build script compiles `tests/mechanisms/` into the catalogue `test_mechanisms`:
//!
//! ```ignore
//! fn main() {
//!     gradmod_compiler::builder::Builder::new().dir("mechanisms").name("my_catalogue").build();
//! }
//! ```
//!
//! Its `main` is then the three lines below: every command of `gradmod`, with models that name
//! the built-in mechanisms and its own, such as `cachan` here:
//! `cargo run --example own_mechanisms -- run MODEL.toml`.

mod test_mechanisms {
    gradmod_runtime::include_mechanisms!("test_mechanisms");
}

fn main() -> std::process::ExitCode {
    let library =
        gradmod::Library::builtin().with(test_mechanisms::by_name, test_mechanisms::NAMES);
    gradmod::cli::main_with(library)
}
