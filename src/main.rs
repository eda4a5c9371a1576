//! The `gradmod` command: the command line of the `gradmod` library over the built-in mechanisms.

use std::process::ExitCode;

fn main() -> ExitCode {
    gradmod::cli::main_with(gradmod::Library::builtin())
}
