//! `gradmod fit`: fits `[[parameter]]` entries of a model file to a target voltage trace with Adam
//! (exact gradients from the tangents), and writes the loss curve, the parameter trajectories, the
//! fitted trace over the target and a checkpoint to resume from.
//!
//! Every fitted parameter is a log-scaled multiplier of its model value (u = 0 is the model as
//! written, after `--set`), within the entry's `bounds`. The target is a CSV file with a `t` column
//! and one column per probe, such as the `traces.csv` that `gradmod run` writes; the column is
//! chosen by the probe's name and its times must be the model's steps.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use gradmod_runtime::Probe;

use super::checkpoint::{CheckpointFile, Origin, fnv1a, target_hash};
use super::{AdamOptions, Checkpoint, FitParam, Loss, Problem, Record, Setup};
use crate::library::Library;
use crate::model::schema::Parameter;
use crate::model::{Model, Override};

/// The multiplier bounds of a parameter without `bounds`.
pub const DEFAULT_BOUNDS: (f64, f64) = (0.05, 20.0);

/// Adam's learning rate on u when none is given (about 5 % per iteration).
pub const DEFAULT_RATE: f64 = 0.05;

/// Options of `gradmod fit`.
#[derive(Clone, Debug)]
pub struct FitOptions {
    /// The target CSV file.
    pub target: PathBuf,
    /// The target voltage at every step from 0 to tstop, in place of reading `target` (for
    /// programs that hold the target in memory).
    pub target_values: Option<Vec<f64>>,
    /// Names of the `[[parameter]]` entries to fit (`["all"]`: every entry).
    pub params: Vec<String>,
    /// Adam iterations to run (more iterations when resuming).
    pub iterations: usize,
    /// Adam's learning rate on u (default [`DEFAULT_RATE`], or the checkpoint's when resuming).
    pub rate: Option<f64>,
    /// Loss window [t0, t1] (ms; default the whole run).
    pub window: Option<(f64, f64)>,
    /// What the loss compares (default the trace).
    pub loss: Loss,
    /// Name of the voltage probe compared with the target (default the first voltage probe).
    pub probe: Option<String>,
    /// Output directory.
    pub out: PathBuf,
    /// A checkpoint to resume from.
    pub resume: Option<PathBuf>,
    /// `--set` overrides of the model.
    pub overrides: Vec<Override>,
    /// Starting multipliers by parameter name (default 1).
    pub start: Vec<(String, f64)>,
    /// Show a progress bar.
    pub progress: bool,
    /// Draw the PNG figures.
    pub plot: bool,
}

impl FitOptions {
    /// Options with defaults: 100 iterations, no window, no resume, figures, no progress bar.
    pub fn new(target: impl Into<PathBuf>, params: &[&str], out: impl Into<PathBuf>) -> Self {
        Self {
            target: target.into(),
            target_values: None,
            params: params.iter().map(|p| p.to_string()).collect(),
            iterations: 100,
            rate: None,
            window: None,
            loss: Loss::Trace,
            probe: None,
            out: out.into(),
            resume: None,
            overrides: Vec::new(),
            start: Vec::new(),
            progress: false,
            plot: true,
        }
    }
}

/// Parses `--window T0,T1` (ms).
pub fn parse_window(text: &str) -> Result<(f64, f64), String> {
    let bad = || format!("--window {text}: expected T0,T1 in ms, such as 50,200");
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    let a: f64 = a.trim().parse().map_err(|_| bad())?;
    let b: f64 = b.trim().parse().map_err(|_| bad())?;
    Ok((a, b))
}

/// Parses `--start NAME=X` (a multiplier of the model value).
pub fn parse_start(text: &str) -> Result<(String, f64), String> {
    let bad = || format!("--start {text}: expected NAME=X with X a positive multiplier");
    let (name, x) = text.split_once('=').ok_or_else(bad)?;
    let x: f64 = x.trim().parse().map_err(|_| bad())?;
    if !(x > 0.0 && x.is_finite()) {
        return Err(bad());
    }
    Ok((name.trim().to_string(), x))
}

/// A fitting problem made from a model file, with what the outputs need.
pub struct FitSetup {
    /// The problem (its parameters in `--params` order).
    pub problem: Problem,
    /// The model value each parameter's multiplier scales, where known.
    pub initial: Vec<Option<f64>>,
    /// Starting u (logarithms of the starting multipliers).
    pub start: Vec<f64>,
    /// Name of the probe compared with the target.
    pub probe: String,
    /// Times of the model's steps (ms), 0 to tstop.
    pub times: Vec<f64>,
}

/// The column named `column` of a CSV file with a `t` column (such as `gradmod run`'s
/// `traces.csv`): its times and values.
pub fn read_target(path: &Path, column: &str) -> Result<(Vec<f64>, Vec<f64>), String> {
    let name = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read the target {name}: {e}"))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| format!("the target {name} is empty"))?;
    let header = split_csv(header);
    let t = header
        .iter()
        .position(|h| h == "t")
        .ok_or_else(|| format!("the target {name} has no `t` column (its header: {header:?})"))?;
    let c = header.iter().position(|h| h == column).ok_or_else(|| {
        let others: Vec<&str> = header
            .iter()
            .filter(|h| *h != "t")
            .map(String::as_str)
            .collect();
        format!(
            "the target {name} has no column `{column}` (its columns: {}); choose one with \
             --probe, or name the model's probe after it",
            others.join(", ")
        )
    })?;
    let (mut times, mut values) = (Vec::new(), Vec::new());
    for (i, line) in lines {
        let fields = split_csv(line);
        let get = |j: usize| -> Result<f64, String> {
            let s = fields.get(j).ok_or_else(|| {
                format!(
                    "{name}:{}: {} fields, expected {}",
                    i + 1,
                    fields.len(),
                    header.len()
                )
            })?;
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("{name}:{}: `{s}` is not a finite number", i + 1))
        };
        times.push(get(t)?);
        values.push(get(c)?);
    }
    if times.is_empty() {
        return Err(format!("the target {name} has no samples"));
    }
    Ok((times, values))
}

/// Splits a CSV line, honouring double quotes (`""` inside quotes is one quote).
fn split_csv(line: &str) -> Vec<String> {
    let (mut fields, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    fields.push(cur);
    fields
}

/// Checks that the target's times are the model's steps i·dt from 0 and cover `t_end`.
fn check_grid(path: &Path, times: &[f64], dt: f64, t_end: f64) -> Result<(), String> {
    let name = path.display();
    let tol = 1e-6 * dt;
    if times.len() >= 2 {
        let spacing = times[1] - times[0];
        if (spacing - dt).abs() > tol {
            return Err(format!(
                "the target {name} is sampled every {spacing} ms but the model steps every {dt} \
                 ms: record the target with the model's dt and sample_every = 1"
            ));
        }
    }
    for (i, &t) in times.iter().enumerate() {
        let expected = i as f64 * dt;
        if (t - expected).abs() > tol {
            return Err(format!(
                "the target {name}'s time grid does not match the model's: sample {i} is at \
                 t = {t} ms, the model's step {i} at {expected} ms (dt {dt} ms from t = 0)"
            ));
        }
    }
    let last = times[times.len() - 1];
    if last < t_end - tol {
        return Err(format!(
            "the target {name} ends at t = {last} ms, before the loss window's end {t_end} ms"
        ));
    }
    Ok(())
}

/// Makes the fitting problem of a model: the chosen `[[parameter]]` entries as log-scaled
/// multipliers, the chosen voltage probe against the target's column of the same name. The
/// mechanisms come from `library`.
pub fn setup(model: &Model, library: &Library, opts: &FitOptions) -> Result<FitSetup, String> {
    if opts.params.is_empty() {
        return Err("give the parameters to fit with --params NAME,NAME,...".into());
    }
    // A fresh copy of the model, keeping only the fitted entries (in --params order, log-scaled),
    // so that the cell carries exactly the tangents the fit needs.
    let src = &model.source;
    let mut copy = Model::parse(&src.name, &src.text, &src.dir).map_err(|e| e.to_string())?;
    // What the command line allowed beyond the file.
    copy.file.simulation.allow_large = model.file.simulation.allow_large;
    copy.file.simulation.allow_nonfinite = model.file.simulation.allow_nonfinite;
    let all: Vec<String> = copy
        .file
        .parameters
        .iter()
        .map(crate::model::params::parameter_name)
        .collect();
    let mut slots: Vec<Option<Parameter>> = std::mem::take(&mut copy.file.parameters)
        .into_iter()
        .map(Some)
        .collect();
    let mut params = Vec::new();
    let mut bounds = Vec::new();
    // `--params all` names every entry, in file order.
    let chosen: Vec<String> = if opts.params == ["all"] && !all.iter().any(|n| n == "all") {
        all.clone()
    } else {
        opts.params.clone()
    };
    for name in &chosen {
        let i = all.iter().position(|n| n == name).ok_or_else(|| {
            format!(
                "--params: the model has no [[parameter]] named `{name}` (its parameters: {})",
                if all.is_empty() {
                    "none".to_string()
                } else {
                    all.join(", ")
                }
            )
        })?;
        let mut p = slots[i]
            .take()
            .ok_or_else(|| format!("--params: `{name}` is named twice"))?;
        let (lo, hi) = p.bounds.as_ref().map_or(DEFAULT_BOUNDS, |b| {
            let [lo, hi] = b.get_ref();
            (lo.0, hi.0)
        });
        if !(lo > 0.0 && lo <= 1.0 && hi >= 1.0) {
            let span = p.bounds.as_ref().map_or(p.target.span(), |b| b.span());
            return Err(src
                .error_at(
                    span,
                    format!("parameter[{i}].bounds"),
                    format!("bounds [{lo}, {hi}] must be multipliers with 0 < lower ≤ 1 ≤ upper"),
                )
                .to_string());
        }
        bounds.push((lo, hi));
        p.log = true;
        params.push(p);
    }
    copy.file.parameters = params;
    let built = crate::model::build(&copy, library, &opts.overrides).map_err(|e| e.to_string())?;
    if built.cells.len() != 1 || !built.gap_junctions.is_empty() {
        return Err("gradmod fit fits single-cell models; this file describes a network".into());
    }
    // Rejected rather than ignored: the fit's simulations run no noise and no controller.
    if built.cells[0].homeostasis.is_some() || !built.cells[0].noise.is_empty() {
        return Err(
            "gradmod fit does not run [homeostasis] or [[noise]] sections (`gradmod run` does); \
             remove them from the model to fit it"
                .into(),
        );
    }
    let forgetting = opts
        .overrides
        .iter()
        .rev()
        .find(|o| o.target == crate::model::Target::Simulation(crate::model::SimKey::Forgetting))
        .map_or(model.file.simulation.forgetting.0, |o| o.value);
    if forgetting != 0.0 {
        return Err(format!(
            "gradmod fit needs exact gradients, but the tangents are forgotten at the rate \
             {forgetting}/ms: set forgetting = 0"
        ));
    }
    let (dt, tstop) = (built.dt, built.tstop);
    let cell = &built.cells[0];
    if let Some(k) = cell.initial.iter().position(|v| *v == Some(0.0)) {
        return Err(format!(
            "--params: `{}` is 0 in the model, and a multiplier cannot move it: give it a \
             nonzero value (in the file or with --set)",
            chosen[k]
        ));
    }
    let probe = match &opts.probe {
        Some(n) => cell.probes.iter().find(|c| c.name == *n).ok_or_else(|| {
            let names: Vec<&str> = cell.probes.iter().map(|c| c.name.as_str()).collect();
            format!(
                "--probe: the model has no [[probe]] named `{n}` (its probes: {})",
                names.join(", ")
            )
        })?,
        None => cell
            .probes
            .iter()
            .find(|c| matches!(c.value, Probe::Voltage { .. }))
            .ok_or(
                "the model has no voltage [[probe]] to compare with the target: add one, \
                    such as [[probe]] name = \"v_soma\", at = \"soma(0.5)\"",
            )?,
    };
    let Probe::Voltage { cv } = probe.value else {
        return Err(format!(
            "--probe: `{}` does not record the membrane voltage; gradmod fit compares voltages",
            probe.name
        ));
    };
    let window = opts.window.unwrap_or((0.0, tstop));
    if !(window.0 >= 0.0 && window.0 < window.1 && window.1 <= tstop + 1e-9) {
        return Err(format!(
            "--window {},{}: expected 0 ≤ T0 < T1 ≤ tstop = {tstop} ms",
            window.0, window.1
        ));
    }
    let target = match &opts.target_values {
        Some(values) => {
            let steps = (tstop / dt).round() as usize;
            if values.len() != steps + 1 {
                return Err(format!(
                    "the target has {} values, but the model has {} samples (one per step from 0 \
                     to tstop = {tstop} ms with dt = {dt} ms)",
                    values.len(),
                    steps + 1
                ));
            }
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(format!("the target's value {i} is {}", values[i]));
            }
            values.clone()
        }
        None => {
            let (times, target) = read_target(&opts.target, &probe.name)?;
            check_grid(&opts.target, &times, dt, window.1)?;
            target
        }
    };
    let names: Vec<String> = chosen;
    let fit_params: Vec<FitParam> = copy
        .file
        .parameters
        .iter()
        .zip(&names)
        .zip(&bounds)
        .zip(&cell.initial)
        .map(|(((p, name), &bounds), initial)| {
            let target = p.target.get_ref();
            let (mechanism, field) = target.rsplit_once('.').unwrap_or(("", target));
            FitParam {
                name: name.clone(),
                mechanism: mechanism.to_string(),
                field: field.to_string(),
                regions: Vec::new(),
                reference: initial.unwrap_or(f64::NAN),
                bounds,
            }
        })
        .collect();
    let mut start = vec![0.0; names.len()];
    for (name, x) in &opts.start {
        let k = names.iter().position(|n| n == name).ok_or_else(|| {
            format!(
                "--start {name}: not a fitted parameter (fitted: {})",
                names.join(", ")
            )
        })?;
        let (lo, hi) = bounds[k];
        if !(lo..=hi).contains(x) {
            return Err(format!(
                "--start {name}={x}: outside its bounds [{lo}, {hi}]"
            ));
        }
        start[k] = x.ln();
    }
    let initial = cell.initial.clone();
    let overrides = opts.overrides.clone();
    let library = library.clone();
    let problem = Problem {
        build: Box::new(move || {
            let built =
                crate::model::build(&copy, &library, &overrides).map_err(|e| e.to_string())?;
            built
                .cells
                .into_iter()
                .next()
                .map(|c| c.cell)
                .ok_or_else(|| "the model has no cell".to_string())
        }),
        setup: Setup::Declared,
        params: fit_params,
        probes: vec![cv],
        targets: vec![target],
        tstop,
        window,
        loss: opts.loss,
    };
    let steps = (tstop / dt).round() as usize;
    Ok(FitSetup {
        problem,
        initial,
        start,
        probe: probe.name.clone(),
        times: (0..=steps).map(|i| i as f64 * dt).collect(),
    })
}

/// What a fit produced.
pub struct FitReport {
    /// The final optimiser state (also written as `checkpoint.json`).
    pub checkpoint: Checkpoint,
    /// The evaluated iteration with the lowest loss.
    pub best: Record,
    /// Largest |v − v_target| of the best fit over the window (mV).
    pub max_dv: f64,
    /// The summary printed and written to `summary.txt`.
    pub summary: String,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// The text of a loss as `--loss` takes it.
fn loss_text(loss: Loss) -> String {
    match loss {
        Loss::Trace => "trace".into(),
        Loss::MeanVoltage => "mean".into(),
        Loss::Rate {
            threshold,
            width,
            duration,
        } => format!("rate:{threshold}:{width}:{duration}"),
    }
}

/// What this fit is computed for, as its checkpoint records it.
fn origin(model: &Model, opts: &FitOptions, s: &FitSetup) -> Origin {
    Origin {
        model_file: model.source.name.clone(),
        model_hash: fnv1a(model.source.text.as_bytes()),
        overrides: opts
            .overrides
            .iter()
            .map(|o| format!("{}={}", o.key, o.value))
            .collect(),
        loss: loss_text(s.problem.loss),
        window: [s.problem.window.0, s.problem.window.1],
        probe: s.probe.clone(),
        target_file: match opts.target_values {
            Some(_) => "a target in memory".into(),
            None => opts.target.display().to_string(),
        },
        target_hash: target_hash(&s.problem.targets[0]),
    }
}

/// The checkpoint to resume from `path`, after checking that it was written for the same problem
/// and the same parameters as this run.
fn resume_from(path: &Path, names: &[String], now: &Origin) -> Result<Checkpoint, String> {
    let shown = path.display();
    let file = CheckpointFile::load(path).map_err(|e| format!("--resume {e}"))?;
    let Some(recorded) = &file.origin else {
        return Err(format!(
            "--resume {shown}: the checkpoint does not record what it was computed for (it was \
             written by an earlier version of gradmod); start a new fit"
        ));
    };
    if let Some(why) = recorded.difference(now) {
        return Err(format!("--resume {shown}: {why}"));
    }
    let ck = file.checkpoint;
    if ck.names != names {
        return Err(format!(
            "--resume {shown}: the checkpoint fits the parameters ({}), but this run --params \
             ({})",
            ck.names.join(", "),
            names.join(", ")
        ));
    }
    Ok(ck)
}

/// Runs `gradmod fit` on a loaded model: sets the problem up, runs (or resumes) Adam, and writes
/// the outputs to `opts.out`. The mechanisms come from `library`. Everything that can be checked
/// before the first simulation is: a bad checkpoint or option leaves no output folder behind.
pub fn fit(model: &Model, library: &Library, opts: &FitOptions) -> Result<FitReport, String> {
    let s = setup(model, library, opts)?;
    let names: Vec<String> = s.problem.params.iter().map(|p| p.name.clone()).collect();
    let now = origin(model, opts, &s);
    let mut ck = match &opts.resume {
        Some(path) => resume_from(path, &names, &now)?,
        None => Checkpoint {
            names: names.clone(),
            rate: DEFAULT_RATE,
            u: s.start.clone(),
            history: Vec::new(),
        },
    };
    if let Some(rate) = opts.rate {
        if !(rate > 0.0 && rate.is_finite()) {
            return Err(format!("--rate {rate}: must be positive"));
        }
        // Adam's moments depend only on the gradients, so the rate may change on resuming.
        ck.rate = rate;
    }
    if opts.out.exists() && !opts.out.is_dir() {
        return Err(format!(
            "--out {}: exists and is not a folder",
            opts.out.display()
        ));
    }
    let ck_path = opts.out.join("checkpoint.json");
    // One iteration at a time, so that the checkpoint written after each holds its origin; Adam's
    // moments are rebuilt from the recorded gradients each time, exactly.
    let adam = AdamOptions {
        rate: ck.rate,
        iterations: 1,
        budget_seconds: None,
        checkpoint: None,
        progress: false,
    };
    let clock = Instant::now();
    let before = ck.history.len();
    let mut progress = crate::progress::Progress::new(
        "fit",
        opts.iterations as u64,
        crate::progress::Unit::Iterations,
        opts.progress,
    );
    for i in 0..opts.iterations {
        ck = super::fit_adam(&s.problem, ck, &adam)?;
        if i == 0 {
            std::fs::create_dir_all(&opts.out)
                .map_err(|e| format!("cannot create {}: {e}", opts.out.display()))?;
        }
        let file = CheckpointFile {
            checkpoint: ck,
            origin: Some(now.clone()),
        };
        file.save(&ck_path)?;
        ck = file.checkpoint;
        let loss = ck.history.last().map_or(f64::NAN, |r| r.loss);
        progress.set(i as u64 + 1, &format!("loss {loss:.4e}"));
    }
    progress.finish();
    let ran = ck.history.len() - before;
    let seconds = clock.elapsed().as_secs_f64();
    let best = ck
        .history
        .iter()
        .min_by(|a, b| a.loss.total_cmp(&b.loss))
        .cloned()
        .ok_or("no iteration ran: give --iterations 1 or more")?;
    let fitted = s.problem.traces(&best.u)?.remove(0);
    let target = &s.problem.targets[0];
    let (t0, t1) = s.problem.window;
    let max_dv = s
        .times
        .iter()
        .zip(fitted.iter().zip(target))
        .filter(|(t, _)| **t >= t0 - 1e-9 && **t <= t1 + 1e-9)
        .map(|(_, (f, g))| (f - g).abs())
        .fold(0.0, f64::max);
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| format!("cannot create {}: {e}", opts.out.display()))?;
    let mut files = Vec::new();
    if ran > 0 {
        files.push(ck_path);
    }
    files.extend(write_outputs(&s, &ck, &fitted, opts)?);
    let summary = summary(&s, &ck, &best, max_dv, (seconds, ran));
    let path = opts.out.join("summary.txt");
    std::fs::write(&path, &summary).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    files.push(path);
    Ok(FitReport {
        checkpoint: ck,
        best,
        max_dv,
        summary,
        files,
    })
}

/// The summary of a fit: losses, timing (seconds and iterations of this run) and a table of the
/// parameters.
fn summary(
    s: &FitSetup,
    ck: &Checkpoint,
    best: &Record,
    max_dv: f64,
    (seconds, ran): (f64, usize),
) -> String {
    let n = ck.history.len();
    let first = ck.history[0].loss;
    let (loss_name, unit) = match s.problem.loss {
        Loss::Trace => ("trace", "mV²"),
        Loss::MeanVoltage => ("mean-voltage", "mV²"),
        Loss::Rate { .. } => ("firing-rate", "Hz²"),
    };
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "{n} Adam iterations (rate {}), {ran} in this run, {seconds:.2} s ({:.3} s per \
         iteration, with the final trace); \
         {} loss {first:.4e} -> best {:.4e} {unit}{} at iteration {}; max |dV| of the \
         best fit over the window {max_dv:.4} mV (probe {})",
        ck.rate,
        seconds / ran.max(1) as f64,
        loss_name,
        best.loss,
        // A ratio to a zero first loss means nothing.
        if first > 0.0 {
            format!(" (x{:.3e})", best.loss / first)
        } else {
            String::new()
        },
        best.iteration,
        s.probe
    );
    let _ = writeln!(
        out,
        "{:12} {:>12} {:>10} {:>10} {:>12}",
        "parameter", "model value", "start x", "best x", "best value"
    );
    for (k, p) in s.problem.params.iter().enumerate() {
        let m = best.u[k].exp();
        let value = |x: f64| s.initial[k].map_or("-".to_string(), |v| format!("{:.5e}", v * x));
        let _ = writeln!(
            out,
            "{:12} {:>12} {:>10.4} {:>10.4} {:>12}",
            p.name,
            value(1.0),
            ck.history[0].u[k].exp(),
            m,
            value(m)
        );
    }
    out
}

/// Writes `loss.csv`, `params.csv`, `trace.csv` and, with plots, `loss.png`, `params.png` and
/// `trace.png`; returns the paths.
fn write_outputs(
    s: &FitSetup,
    ck: &Checkpoint,
    fitted: &[f64],
    opts: &FitOptions,
) -> Result<Vec<PathBuf>, String> {
    let out = &opts.out;
    // The writers' errors name the path.
    let io = |_: &Path| |e: std::io::Error| e.to_string();
    let mut files = Vec::new();
    let h = &ck.history;
    let iterations: Vec<f64> = h.iter().map(|r| r.iteration as f64).collect();
    let secs: Vec<f64> = h.iter().map(|r| r.seconds).collect();
    let losses: Vec<f64> = h.iter().map(|r| r.loss).collect();
    let path = out.join("loss.csv");
    let header = ["iteration", "seconds", "loss"].map(String::from);
    crate::output::write_csv_int(&path, &header, &[&iterations, &secs, &losses], 1)
        .map_err(io(&path))?;
    files.push(path);
    let k = ck.names.len();
    let mult: Vec<Vec<f64>> = (0..k)
        .map(|j| h.iter().map(|r| r.u[j].exp()).collect())
        .collect();
    let grad: Vec<Vec<f64>> = (0..k)
        .map(|j| h.iter().map(|r| r.grad[j]).collect())
        .collect();
    let mut header = vec!["iteration".to_string()];
    header.extend(ck.names.iter().map(|n| format!("x {n}")));
    header.extend(ck.names.iter().map(|n| format!("dL/du {n}")));
    let mut cols: Vec<&[f64]> = vec![&iterations];
    cols.extend(mult.iter().map(Vec::as_slice));
    cols.extend(grad.iter().map(Vec::as_slice));
    let path = out.join("params.csv");
    crate::output::write_csv_int(&path, &header, &cols, 1).map_err(io(&path))?;
    files.push(path);
    let target = &s.problem.targets[0];
    let n = s.times.len().min(target.len()).min(fitted.len());
    let header = ["t", "target", "fitted"].map(String::from);
    let path = out.join("trace.csv");
    crate::output::write_csv(&path, &header, &[&s.times[..n], &target[..n], &fitted[..n]])
        .map_err(io(&path))?;
    files.push(path);
    if !opts.plot {
        return Ok(files);
    }
    let png = |name: &str, r: Result<(), Box<dyn std::error::Error>>| {
        r.map(|()| out.join(name))
            .map_err(|e| format!("cannot draw {name}: {e}"))
    };
    let loss = vec![(
        "loss".to_string(),
        iterations
            .iter()
            .copied()
            .zip(losses.iter().copied())
            .collect(),
    )];
    files.push(png(
        "loss.png",
        super::plot::lines(
            &out.join("loss.png"),
            "Adam: loss",
            "iteration",
            match s.problem.loss {
                Loss::Rate { .. } => "loss (Hz²)",
                _ => "loss (mV²)",
            },
            &loss,
            true,
        ),
    )?);
    let series: Vec<super::plot::Series> = ck
        .names
        .iter()
        .zip(&mult)
        .map(|(name, m)| {
            (
                name.clone(),
                iterations.iter().copied().zip(m.iter().copied()).collect(),
            )
        })
        .collect();
    files.push(png(
        "params.png",
        super::plot::lines(
            &out.join("params.png"),
            "Adam: multipliers of the model values",
            "iteration",
            "multiplier",
            &series,
            true,
        ),
    )?);
    let pair = |v: &[f64]| {
        s.times[..n]
            .iter()
            .copied()
            .zip(v[..n].iter().copied())
            .collect()
    };
    let traces = vec![
        ("target".to_string(), pair(target)),
        ("fitted (best iteration)".to_string(), pair(fitted)),
    ];
    files.push(png(
        "trace.png",
        super::plot::lines(
            &out.join("trace.png"),
            &format!("{}: fitted trace over the target", s.probe),
            "t (ms)",
            "v (mV)",
            &traces,
            false,
        ),
    )?);
    Ok(files)
}
