//! The `gradmod` command line: check and inspect NMODL mechanisms, and run and fit model
//! descriptions with a mechanism [`Library`].
//!
//! The `gradmod` binary is [`main_with`] over [`Library::builtin`]. A program with mechanisms of
//! its own offers the same commands over its own library:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     let library = gradmod::Library::builtin().with(my_catalogue::by_name, my_catalogue::NAMES);
//!     gradmod::cli::main_with(library)
//! }
//! ```
//!
//! (`examples/own_mechanisms.rs` is such a program.)

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gradmod_compiler::back::nmodl;
use gradmod_compiler::driver;
use gradmod_compiler::ir::{MechKind, Module};

use crate::library::Library;
use crate::{fit, model, run};

/// gradmod compiles NEURON-style NMODL (.mod) mechanisms and derives their exact parameter
/// gradients.
///
/// Start with `gradmod check FILE.mod` to see whether a file is accepted, and `gradmod dump
/// FILE.mod` to read what the compiler made of it. `gradmod run MODEL.toml` simulates a model
/// description and writes its traces and gradients; `gradmod fit MODEL.toml --target
/// TRACE.csv --params P1,P2` fits parameters of it to a trace with Adam. With no command, gradmod
/// runs its bundled model (the HH axon, model A) and writes to `out/`.
#[derive(Parser)]
#[command(name = "gradmod", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// Where mechanisms beyond the built-in ones come from, on the command line.
#[derive(clap::Args, Clone, Debug, Default)]
struct ModArgs {
    /// A .mod file, or a folder whose .mod files are all taken (as `nrnivmodl` takes a model's
    /// folder), compiled now: its mechanisms can be named like built-in ones. Repeatable; a
    /// model file names its own in [mechanisms] paths.
    #[arg(long = "mods", value_name = "DIR_OR_FILE")]
    mods: Vec<PathBuf>,
    /// Let the mechanisms of --mods and [mechanisms] files replace built-in mechanisms of the
    /// same name (otherwise such a clash is an error).
    #[arg(long)]
    replace_builtins: bool,
    /// How currents' slopes dI/dv are computed: `symbolic` (exact, the default) or `neuron`
    /// (NEURON's 0.001 mV finite difference, to compare with NEURON to rounding; the built-in
    /// mechanisms are then compiled again when the program starts).
    #[arg(long, value_name = "symbolic|neuron", default_value = "symbolic")]
    slope: String,
}

impl ModArgs {
    /// `library` with this slope and these files' mechanisms.
    fn library(&self, library: &Library) -> Result<Library, String> {
        for p in &self.mods {
            if !p.exists() {
                return Err(format!(
                    "--mods {}: there is no such file or folder",
                    p.display()
                ));
            }
        }
        let slope = match self.slope.as_str() {
            "symbolic" => crate::library::Slope::Symbolic,
            "neuron" => crate::library::Slope::Neuron,
            other => return Err(format!("--slope {other}: expected `symbolic` or `neuron`")),
        };
        library
            .clone()
            .with_slope(slope)?
            .with_mod_files(&self.mods, self.replace_builtins)
    }
}

/// Guards that a run may lift, on the command line.
#[derive(clap::Args, Clone, Debug, Default)]
struct Allow {
    /// Let values become NaN or infinite without stopping the run (turns the numerical sentinel
    /// off; the same as allow_nonfinite = true in [simulation]).
    #[arg(long)]
    allow_nonfinite: bool,
    /// Allow work beyond the size limits: 10^8 steps, 10^6 CVs per cell, 2·10^8 recorded values
    /// (the same as allow_large = true in [simulation]).
    #[arg(long)]
    allow_large: bool,
}

impl Allow {
    /// Applies the flags to a loaded model.
    fn apply(&self, m: &mut model::Model) {
        let sim = &mut m.file.simulation;
        sim.allow_nonfinite |= self.allow_nonfinite;
        sim.allow_large |= self.allow_large;
    }
}

/// A message with a hint where the error is one a flag lifts.
fn with_hint(e: String) -> String {
    if e.contains("became non-finite") {
        format!(
            "{e}\n(--allow-nonfinite, or allow_nonfinite = true in [simulation], lets the run go \
             on with such values)"
        )
    } else {
        e
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run .mod files through every stage `compile` and `run` run (parse, lower, the passes
    /// and the kernel plans); print one summary line per file and every diagnostic.
    ///
    /// Exits with status 0 when every file is accepted and 1 otherwise. Without files, checks the
    /// built-in mechanism library.
    Check {
        /// The .mod files to check; a folder stands for its .mod files.
        files: Vec<PathBuf>,
    },
    /// Simulate a model description (TOML) and write its traces, tangents dV/dθ (CSV and .npy)
    /// and a plot. Mechanisms are the built-in ones, those of the model's [mechanisms] files and
    /// those of --mods.
    Run {
        /// The model file; without it, the bundled model A (HH axon).
        model: Option<PathBuf>,
        /// Override a value: MECH.PARAM=VALUE (everywhere the mechanism is), CLAMP.amp=VALUE,
        /// cm=, Ra=, or a [simulation] key such as tstop=50. Repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Output directory.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Do not draw plot.png.
        #[arg(long)]
        no_plot: bool,
        /// Threads for the cells of a network (and for writing their files): default one per
        /// core. Results are the same, bit for bit, for any number.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        #[command(flatten)]
        mods: ModArgs,
        #[command(flatten)]
        allow: Allow,
    },
    /// List every mechanism a model can name: the built-in ones and those of --mods files (and
    /// of a model file's [mechanisms]), with their kind, parameters (default and unit), states
    /// and ions.
    Mechanisms {
        /// A model file whose [mechanisms] files to include.
        model: Option<PathBuf>,
        #[command(flatten)]
        mods: ModArgs,
    },
    /// Fit [[parameter]] entries of a model to a target voltage trace with Adam (exact gradients),
    /// writing the loss curve, parameter trajectories and fitted trace (CSV and PNG) and a
    /// checkpoint to resume from.
    ///
    /// Each fitted parameter is a log-scaled multiplier of its model value, within the entry's
    /// `bounds` (default [0.05, 20]). The target is a CSV file with a `t` column and a column named
    /// after the probe, such as the traces.csv of `gradmod run`, sampled at every step.
    Fit {
        /// The model file.
        model: PathBuf,
        /// The target traces (CSV with a `t` column, such as `gradmod run`'s traces.csv).
        #[arg(long, value_name = "TRACE.csv")]
        target: PathBuf,
        /// Names of the model's [[parameter]] entries to fit, comma-separated (`all`: every one).
        #[arg(long, value_delimiter = ',', value_name = "P1,P2", required = true)]
        params: Vec<String>,
        /// Adam iterations to run (that many more when resuming).
        #[arg(long, default_value_t = 100)]
        iterations: usize,
        /// Adam's learning rate on the log-multipliers (default 0.05, or the checkpoint's).
        #[arg(long)]
        rate: Option<f64>,
        /// Loss window T0,T1 in ms (default the whole run).
        #[arg(long, value_name = "T0,T1", allow_hyphen_values = true)]
        window: Option<String>,
        /// What the loss compares: `trace` (mean squared difference), `mean` (mean voltage), or
        /// `rate[:THRESHOLD[:WIDTH[:DURATION]]]` (a smoothed firing rate; default rate:-20:2:2).
        #[arg(long, default_value = "trace", allow_hyphen_values = true)]
        loss: String,
        /// The voltage [[probe]] compared with the target's column of the same name (default the
        /// first voltage probe).
        #[arg(long)]
        probe: Option<String>,
        /// Output directory.
        #[arg(long, default_value = "out/fit")]
        out: PathBuf,
        /// Resume from a checkpoint.json written by an earlier fit.
        #[arg(long, value_name = "CHECKPOINT.json")]
        resume: Option<PathBuf>,
        /// Override a model value, as for `gradmod run`. Repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Start a parameter at this multiplier of its model value (default 1). Repeatable.
        #[arg(long = "start", value_name = "NAME=X")]
        start: Vec<String>,
        /// Do not draw the PNG figures.
        #[arg(long)]
        no_plot: bool,
        /// Threads for the cells of a network (and for writing their files): default one per
        /// core. Results are the same, bit for bit, for any number.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        #[command(flatten)]
        mods: ModArgs,
        #[command(flatten)]
        allow: Allow,
    },
    /// Print a mechanism's update maps and their tangents as readable NMODL, for checking.
    ///
    /// Each tangent map is specialised to one parameter and each tangent is commented with what
    /// it is, e.g. `: d(m_next)/d(gnabar)`.
    Audit {
        /// The .mod file.
        file: PathBuf,
        /// The parameters to differentiate with respect to, comma-separated (default: all).
        #[arg(long, value_delimiter = ',', value_name = "P1,P2")]
        wrt: Option<Vec<String>>,
        /// Also write the augmented model (mechanism and tangent maps) as a .mod file.
        #[arg(long, value_name = "OUT")]
        emit_mod: Option<PathBuf>,
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
    /// Write mechanisms for another simulator: `emit arbor FILES... --wrt MECH.PARAM,... -o DIR`
    /// writes each .mod file as an Arbor mechanism that also computes its tangents dv/dθ and
    /// dstate/dθ; with `--model MODEL.toml` also DIR/model.py, which runs the model on Arbor
    /// (see docs/arbor.md).
    Emit {
        /// The target simulator (only `arbor`).
        #[arg(value_parser = ["arbor"])]
        target: String,
        /// The .mod files.
        files: Vec<PathBuf>,
        /// The parameters to differentiate, MECH.PARAM, comma-separated.
        #[arg(long, value_delimiter = ',', value_name = "MECH.PARAM,...")]
        wrt: Vec<String>,
        /// A model whose mechanisms (defined by FILES) to write, with a Python script that runs
        /// it on Arbor (model.py); its [[parameter]] entries are the directions.
        #[arg(long, value_name = "MODEL.toml", conflicts_with = "wrt")]
        model: Option<PathBuf>,
        /// The directory to write to.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Compile a .mod file to Rust: the mechanism struct, its metadata and its forward and
    /// tangent kernels (the code the build-time Builder writes).
    Compile {
        /// The .mod file.
        file: PathBuf,
        /// The Rust file to write.
        #[arg(short, long, value_name = "FILE.rs")]
        output: PathBuf,
        /// The parameters to differentiate, comma-separated (default: all).
        #[arg(long, value_delimiter = ',', value_name = "P1,P2")]
        wrt: Option<Vec<String>>,
    },
}

/// The built-in mechanism library: every file of `mod_files/` (name and text), embedded by the
/// build script so that `gradmod check` needs no files.
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_sources.rs"));

/// The bundled default model: model A of docs/MODELS.md with tangents for gnabar, gkbar, gl and the
/// IClamp amplitude.
const DEFAULT_MODEL: (&str, &str) = (
    "models/A_hh_axon.toml",
    include_str!("../models/A_hh_axon.toml"),
);

/// Runs `f` on a pool of `threads` threads (`--threads`), or on the default pool (one thread
/// per core) without it.
fn with_threads(threads: Option<u16>, f: impl FnOnce() -> ExitCode + Send) -> ExitCode {
    let Some(n) = threads else {
        return f();
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(usize::from(n))
        .build()
    {
        Ok(pool) => pool.install(f),
        Err(e) => {
            eprintln!("error: cannot start {n} threads: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command line of the process's arguments with the mechanisms of `library`, and returns
/// the process's exit status: a program's whole `main`.
pub fn main_with(library: Library) -> ExitCode {
    run_from(std::env::args_os(), &library)
}

/// Runs the command line `args` (the program's name first, as in [`std::env::args_os`]) with the
/// mechanisms of `library`, and returns the exit status. Help and usage errors are printed as
/// clap prints them (status 0 for `--help` and `--version`, 2 for a usage error).
pub fn run_from<I, T>(args: I, library: &Library) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // What `Cli::parse` does on an error, returning the status instead of exiting.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    match cli.command {
        None => run_model(
            None,
            &[],
            Path::new("out"),
            true,
            library,
            &Allow::default(),
        ),
        Some(Command::Run {
            model,
            set,
            out,
            no_plot,
            threads,
            mods,
            allow,
        }) => match mods.library(library) {
            Ok(library) => with_threads(threads, || {
                run_model(model.as_deref(), &set, &out, !no_plot, &library, &allow)
            }),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Some(Command::Mechanisms { model, mods }) => {
            match list_mechanisms(model.as_deref(), &mods, library) {
                Ok(text) => {
                    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Fit {
            model,
            target,
            params,
            iterations,
            rate,
            window,
            loss,
            probe,
            out,
            resume,
            set,
            start,
            no_plot,
            threads,
            mods,
            allow,
        }) => {
            let args = FitArgs {
                window,
                loss,
                set,
                start,
                allow,
            };
            let mut opts = fit::command::FitOptions::new(target, &[], out);
            opts.params = params;
            opts.iterations = iterations;
            opts.rate = rate;
            opts.probe = probe;
            opts.resume = resume;
            opts.progress = true;
            opts.plot = !no_plot;
            let library = match mods.library(library) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            with_threads(threads, || match fit_model(&model, args, opts, &library) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {}", with_hint(e));
                    ExitCode::FAILURE
                }
            })
        }
        Some(Command::Check { files }) if files.is_empty() => {
            println!(
                "gradmod: checking the built-in mechanism library ({} files)",
                BUILTIN.len()
            );
            let mut ok = true;
            for (name, text) in BUILTIN {
                ok &= report(&driver::check_source(name, text), name);
            }
            exit(ok)
        }
        Some(Command::Check { files }) => {
            let mut ok = true;
            // A folder stands for its .mod files, in name order, as `nrnivmodl` takes a folder.
            let mut expanded = Vec::new();
            for path in files {
                if !path.is_dir() {
                    expanded.push(path);
                    continue;
                }
                match gradmod_vm::mod_files(&path) {
                    Ok(found) => expanded.extend(found),
                    Err(e) => {
                        let message = e.message.trim_end();
                        println!("error  {}", message.trim_start_matches("error: "));
                        ok = false;
                    }
                }
            }
            for path in &expanded {
                let name = path.display().to_string();
                match driver::check_file(path) {
                    Ok(checked) => ok &= report(&checked, &name),
                    Err(e) => {
                        println!("error  {name}: cannot read: {e}");
                        ok = false;
                    }
                }
            }
            exit(ok)
        }
        Some(Command::Audit {
            file,
            wrt,
            emit_mod,
        }) => {
            let front = match driver::load_file(&file) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", file.display());
                    return ExitCode::FAILURE;
                }
            };
            eprint!("{}", front.render());
            let Some(m) = &front.module else {
                return ExitCode::FAILURE;
            };
            if let Err(e) = check_wrt(m, wrt.as_deref()) {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
            let name = file.display().to_string();
            match gradmod_compiler::audit::audit(m, &name, wrt.as_deref()) {
                Ok(text) => print!("{text}"),
                Err(d) => {
                    eprint!("{}", d.render(&front.sources));
                    return ExitCode::FAILURE;
                }
            }
            if let Some(out) = emit_mod {
                let text = match gradmod_compiler::audit::emit_mod(m, &name) {
                    Ok(t) => t,
                    Err(d) => {
                        eprint!("{}", d.render(&front.sources));
                        return ExitCode::FAILURE;
                    }
                };
                if let Err(e) = std::fs::write(&out, text) {
                    eprintln!("error: cannot write {}: {e}", out.display());
                    return ExitCode::FAILURE;
                }
                eprintln!("wrote the augmented model to {}", out.display());
            }
            ExitCode::SUCCESS
        }
        Some(Command::Dump {
            file,
            ast,
            ir: _,
            after,
        }) => {
            if let Some(pass) = &after
                && !gradmod_compiler::passes::PIPELINE
                    .iter()
                    .any(|(n, _)| n == pass)
            {
                let names: Vec<&str> = gradmod_compiler::passes::PIPELINE
                    .iter()
                    .map(|(n, _)| *n)
                    .collect();
                eprintln!(
                    "error: --after {pass}: there is no such pass; the passes are: {}",
                    names.join(", ")
                );
                return ExitCode::FAILURE;
            }
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
            // Conditional expressions the passes build (`select`) become if/else statements,
            // so that what is printed is NMODL that reads back.
            if let Err(d) = gradmod_compiler::passes::deselect::run(&mut m) {
                eprint!("{}", d.render(&front.sources));
                return ExitCode::FAILURE;
            }
            print!("{}", nmodl::print_module(&m));
            ExitCode::SUCCESS
        }
        Some(Command::Emit {
            target: _,
            files,
            wrt,
            model,
            output,
        }) => {
            let written = match model {
                Some(model) => crate::emit_model::emit_model(&model, &files, &output),
                None => crate::emit::parse_wrt(&wrt)
                    .and_then(|dirs| crate::emit::emit_files(&files, &dirs, &output)),
            };
            match written {
                Ok(paths) => {
                    for p in paths {
                        println!("wrote {}", p.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    // Rendered diagnostics carry their own "Error:" heading.
                    let e = e.trim_end();
                    if e.starts_with("Error:") {
                        eprintln!("{e}");
                    } else {
                        eprintln!("error: {e}");
                    }
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Compile { file, output, wrt }) => {
            // Names on the command line are checked here, so that their errors point at the
            // option rather than into the file.
            if let Ok(front) = driver::load_file(&file)
                && let Some(m) = &front.module
                && let Err(e) = check_wrt(m, wrt.as_deref())
            {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
            let code = match gradmod_compiler::builder::compile_file(&file, &|_| wrt.clone()) {
                Ok(g) => g.code,
                Err(e) => {
                    eprint!("{e}");
                    return ExitCode::FAILURE;
                }
            };
            if let Err(e) = std::fs::write(&output, code) {
                eprintln!("error: cannot write {}: {e}", output.display());
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
    }
}

/// `gradmod run`: loads a model (or the bundled one), simulates it with the library's mechanisms
/// and writes the results to `out`.
fn run_model(
    path: Option<&Path>,
    set: &[String],
    out: &Path,
    plot: bool,
    library: &Library,
    allow: &Allow,
) -> ExitCode {
    let loaded = match path {
        Some(p) => model::Model::load(p),
        None => {
            println!(
                "gradmod: running the bundled model {} (HH axon)",
                DEFAULT_MODEL.0
            );
            model::Model::parse(DEFAULT_MODEL.0, DEFAULT_MODEL.1, Path::new("."))
        }
    };
    let mut m = match loaded {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    allow.apply(&mut m);
    let mut overrides = Vec::new();
    for s in set {
        match model::Override::parse(s) {
            Ok(o) => overrides.push(o),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let options = run::RunOptions {
        out: out.to_path_buf(),
        overrides,
        plot,
        progress: true,
    };
    match run::run(&m, library, &options) {
        Ok(report) => {
            run::print_report(&report, out);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", with_hint(e.to_string()));
            ExitCode::FAILURE
        }
    }
}

/// `gradmod mechanisms`: the listing of every mechanism of the library, with those of `mods`
/// and of the model file's [mechanisms].
fn list_mechanisms(
    model: Option<&Path>,
    mods: &ModArgs,
    library: &Library,
) -> Result<String, String> {
    let mut library = mods.library(library)?;
    if let Some(path) = model {
        let m = model::Model::load(path).map_err(|e| e.to_string())?;
        library = model::library_for(&m, &library).map_err(|e| e.to_string())?;
    }
    Ok(library.listing())
}

/// The arguments of `gradmod fit` that are parsed from text.
struct FitArgs {
    window: Option<String>,
    loss: String,
    set: Vec<String>,
    start: Vec<String>,
    allow: Allow,
}

/// `gradmod fit`: loads the model, parses the remaining arguments, fits with the library's
/// mechanisms and reports.
fn fit_model(
    path: &Path,
    args: FitArgs,
    mut opts: fit::command::FitOptions,
    library: &Library,
) -> Result<(), String> {
    let mut m = model::Model::load(path).map_err(|e| e.to_string())?;
    args.allow.apply(&mut m);
    opts.window = args
        .window
        .as_deref()
        .map(fit::command::parse_window)
        .transpose()?;
    opts.loss = fit::Loss::parse(&args.loss)?;
    opts.overrides = args
        .set
        .iter()
        .map(|s| model::Override::parse(s))
        .collect::<Result<_, _>>()?;
    opts.start = args
        .start
        .iter()
        .map(|s| fit::command::parse_start(s))
        .collect::<Result<_, _>>()?;
    let report = fit::command::fit(&m, library, &opts)?;
    // A closed stdout (such as `| head`) loses the report but is not an error of the fit.
    let mut text = report.summary.clone();
    text += &format!(
        "wrote {} files to {}:\n",
        report.files.len(),
        opts.out.display()
    );
    for f in &report.files {
        text += &format!("  {}\n", f.display());
    }
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
    Ok(())
}

/// Checks that every name of `--wrt` is a PARAMETER of the mechanism.
fn check_wrt(m: &Module, wrt: Option<&[String]>) -> Result<(), String> {
    let params: Vec<&str> = m
        .parameters()
        .iter()
        .map(|&v| m.var(v).name.as_str())
        .collect();
    for name in wrt.unwrap_or_default() {
        if !params.contains(&name.as_str()) {
            return Err(format!(
                "--wrt {name}: `{name}` is not a PARAMETER of `{}` (its parameters: {})",
                m.name,
                if params.is_empty() {
                    "none".to_string()
                } else {
                    params.join(", ")
                }
            ));
        }
    }
    Ok(())
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints a file's diagnostics and its summary line; returns whether it was accepted.
fn report(front: &driver::Checked, name: &str) -> bool {
    eprint!("{}", front.render());
    match &front.module {
        Some(m) if front.accepted() => {
            println!("ok     {name}: {}", summary(m));
            true
        }
        _ => {
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
        MechKind::Density if m.voltage_process => "VOLTAGE_PROCESS",
        MechKind::Density => "SUFFIX",
        MechKind::Point => "POINT_PROCESS",
        MechKind::Artificial => "ARTIFICIAL_CELL",
    };
    let ions: Vec<&str> = m.ions.iter().map(|i| i.species.as_str()).collect();
    format!(
        "{kind} {}, {} parameters, {} states, ions [{}]",
        m.name,
        m.parameters().len(),
        // The copy of v a NET_RECEIVE sets is a STATE of the module, not one of the file.
        m.states().iter().filter(|&&s| Some(s) != m.voltage).count(),
        ions.join(", ")
    )
}
