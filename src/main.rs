//! The `gradmod` command: check, inspect and (later) compile and run NMODL mechanisms.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gradmod_compiler::back::nmodl;
use gradmod_compiler::driver;
use gradmod_compiler::ir::{MechKind, Module};

/// gradmod compiles NEURON-style NMODL (.mod) mechanisms and derives their exact parameter
/// gradients.
///
/// Start with `gradmod check FILE.mod` to see whether a file is accepted, and `gradmod dump
/// FILE.mod` to read what the compiler made of it. With no command, gradmod checks its built-in
/// mechanism library.
#[derive(Parser)]
#[command(name = "gradmod", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and lower .mod files; print one summary line per file and every diagnostic.
    ///
    /// Exits with status 0 when every file is accepted and 1 otherwise.
    Check {
        /// The .mod files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print a .mod file as the compiler sees it: its syntax tree or its IR (as NMODL).
    Dump {
        /// The .mod file.
        file: PathBuf,
        /// Print the syntax tree.
        #[arg(long, conflicts_with = "ir")]
        ast: bool,
        /// Print the IR as NMODL (the default).
        #[arg(long)]
        ir: bool,
        /// Print the IR after running the passes up to and including PASS (e.g. `cnexp`).
        #[arg(long, value_name = "PASS", conflicts_with = "ast")]
        after: Option<String>,
    },
}

/// The built-in mechanism library, embedded so that the default job needs no files.
const BUILTIN: &[(&str, &str)] = &[
    ("mod_files/hh.mod", include_str!("../mod_files/hh.mod")),
    ("mod_files/pas.mod", include_str!("../mod_files/pas.mod")),
];

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => {
            println!(
                "gradmod: checking the built-in mechanism library ({} files)",
                BUILTIN.len()
            );
            let ok = BUILTIN
                .iter()
                .all(|(name, text)| report(&driver::load_source(name, text), name));
            exit(ok)
        }
        Some(Command::Check { files }) => {
            let mut ok = true;
            for path in &files {
                let name = path.display().to_string();
                match driver::load_file(path) {
                    Ok(front) => ok &= report(&front, &name),
                    Err(e) => {
                        println!("error  {name}: cannot read: {e}");
                        ok = false;
                    }
                }
            }
            exit(ok)
        }
        Some(Command::Dump {
            file,
            ast,
            ir: _,
            after,
        }) => {
            let front = match driver::load_file(&file) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", file.display());
                    return ExitCode::FAILURE;
                }
            };
            eprint!("{}", front.render());
            if ast {
                println!("{:#?}", front.ast);
                return ExitCode::SUCCESS;
            }
            let Some(mut m) = front.module.clone() else {
                return ExitCode::FAILURE;
            };
            if let Some(pass) = after
                && let Err(d) = gradmod_compiler::passes::run(&mut m, Some(&pass))
            {
                eprint!("{}", d.render(&front.sources));
                return ExitCode::FAILURE;
            }
            print!("{}", nmodl::print_module(&m));
            ExitCode::SUCCESS
        }
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints a file's diagnostics and its summary line; returns whether it was accepted.
fn report(front: &driver::Frontend, name: &str) -> bool {
    eprint!("{}", front.render());
    match &front.module {
        Some(m) => {
            println!("ok     {name}: {}", summary(m));
            true
        }
        None => {
            let errors = front.diags.0.iter().filter(|d| d.is_error()).count();
            let first = front
                .diags
                .0
                .iter()
                .find(|d| d.is_error())
                .map(|d| d.message.clone())
                .unwrap_or_default();
            println!("error  {name}: {errors} error(s); first: {first}");
            false
        }
    }
}

fn summary(m: &Module) -> String {
    let kind = match m.kind {
        MechKind::Density => "SUFFIX",
        MechKind::Point => "POINT_PROCESS",
        MechKind::Artificial => "ARTIFICIAL_CELL",
    };
    let ions: Vec<&str> = m.ions.iter().map(|i| i.species.as_str()).collect();
    format!(
        "{kind} {}, {} parameters, {} states, ions [{}]",
        m.name,
        m.parameters().len(),
        m.states().len(),
        ions.join(", ")
    )
}
