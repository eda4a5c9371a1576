//! `gradmod run`: simulate a model description with tangents and write its traces, tangents and a
//! plot.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gradmod_runtime::control::Controller;
use gradmod_runtime::{Cell, Network, Probe, Recorder};
use rayon::prelude::*;

use crate::homeostasis::{self, HomeostasisFile};
use crate::library::Library;
use crate::model::build::{Built, BuiltCell, ProbeColumn};
use crate::model::{Model, Override, build};
use crate::outdir::OutputDir;
use crate::output::Traces;
use crate::progress::{Progress, Unit};

/// How to run a model.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Output directory (created if needed).
    pub out: PathBuf,
    /// `--set KEY=VALUE` overrides.
    pub overrides: Vec<Override>,
    /// Whether to draw `plot.png`.
    pub plot: bool,
    /// Whether to show a progress bar on the terminal when the run takes a while.
    pub progress: bool,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunReport {
    /// Recorded traces, one set per cell (with the cell's name; empty for a single cell).
    pub traces: Vec<(String, Traces)>,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Spikes of a network: (cell name, detector index, time in ms).
    pub spikes: Vec<(String, usize, f64)>,
    /// Wall-clock time of the simulation loop.
    pub elapsed: Duration,
}

/// Builds and simulates a model, with the library's mechanisms and those of the model's own
/// `[mechanisms]`, and returns what was recorded: traces per cell (with the cell's name; empty
/// for a single cell) and, for a network, the spikes (cell, detector, time).
pub fn simulate_model(
    model: &Model,
    library: &Library,
    overrides: &[Override],
    progress: bool,
) -> Result<Simulated, Box<dyn std::error::Error>> {
    // The model's own [mechanisms], also for the observers that homeostasis places.
    let library = &crate::model::library_for(model, library)?;
    let built = build(model, library, overrides)?;
    for c in &built.cells {
        let zero = (0..c.parameters.len()).find(|&k| c.log_scaled[k] && c.initial[k] == Some(0.0));
        if let Some(k) = zero {
            return Err(format!(
                "[[parameter]] `{}` is log-scaled (p = p0·e^θ) but its model value is 0, so its \
                 tangents would all be 0: give it a nonzero value (in the file or with --set), or \
                 set log = false",
                c.parameters[k]
            )
            .into());
        }
    }
    let controlled = built
        .cells
        .iter()
        .any(|c| c.homeostasis.is_some() || !c.noise.is_empty());
    if controlled {
        simulate_controlled(built, library, progress)
    } else {
        Ok(simulate(built, progress)?)
    }
}

/// Builds, simulates and writes a model.
pub fn run(
    model: &Model,
    library: &Library,
    options: &RunOptions,
) -> Result<RunReport, Box<dyn std::error::Error>> {
    // The output folder is checked (and a temporary one made in it) before simulating.
    let out = OutputDir::prepare(&options.out)?;
    let start = Instant::now();
    let (traces, spikes) = simulate_model(model, library, &options.overrides, options.progress)?;
    let elapsed = start.elapsed();
    let single = traces.len() == 1;
    // Each cell's files are written (and plotted) on the thread pool, in any order; the list of
    // files keeps the cells' order.
    let write_cell = |(name, t): &(String, Traces)| -> Result<Vec<PathBuf>, String> {
        let dir = if single {
            out.staging(Path::new(""))
        } else {
            out.staging(Path::new(name))
        };
        let mut files = t.write(&dir).map_err(|e| e.to_string())?;
        if options.plot {
            let path = dir.join("plot.png");
            let title = if single {
                model.source.name.clone()
            } else {
                format!("{} — cell {name}", model.source.name)
            };
            crate::plot::plot(t, &path, &title).map_err(|e| {
                format!(
                    "cannot draw {}: {e}",
                    options
                        .out
                        .join(
                            path.strip_prefix(out.staging(Path::new("")))
                                .unwrap_or(&path)
                        )
                        .display()
                )
            })?;
            files.push(path);
        }
        Ok(files)
    };
    let per_cell: Vec<Result<Vec<PathBuf>, String>> = traces.par_iter().map(write_cell).collect();
    let mut files = Vec::new();
    for f in per_cell {
        files.extend(f?);
    }
    let files = out.commit(&files)?;
    Ok(RunReport {
        traces,
        files,
        spikes,
        elapsed,
    })
}

/// What is recorded of one cell: its name, probes and parameters.
struct Columns {
    name: String,
    probes: Vec<ProbeColumn>,
    parameters: Vec<String>,
    log_scaled: Vec<bool>,
}

/// Separates a built cell into the runtime cell and what is recorded of it.
fn split(b: BuiltCell) -> (Cell, Columns) {
    let BuiltCell {
        cell,
        name,
        probes,
        parameters,
        log_scaled,
        ..
    } = b;
    let columns = Columns {
        name,
        probes,
        parameters,
        log_scaled,
    };
    (cell, columns)
}

/// A recorder of a cell's probes: values first, then every tangent.
fn recorder(c: &Columns, every: u64) -> Recorder {
    let mut probes: Vec<_> = c.probes.iter().map(|p| p.value).collect();
    for p in &c.probes {
        probes.extend(p.tangents.iter().copied());
    }
    Recorder::new(probes, every)
}

/// Unpacks a recorder filled by [`recorder`] into traces.
fn traces(c: &Columns, cell: &Cell, rec: Recorder) -> Traces {
    let np = c.probes.len();
    let mut columns = rec.traces.into_iter();
    let values: Vec<Vec<f64>> = columns.by_ref().take(np).collect();
    let mut with_tangents = Vec::new();
    let mut tangents = Vec::new();
    for (i, p) in c.probes.iter().enumerate() {
        if !p.tangents.is_empty() {
            with_tangents.push(i);
            tangents.push(columns.by_ref().take(p.tangents.len()).collect());
        }
    }
    Traces {
        times: rec.times,
        names: c.probes.iter().map(|p| p.name.clone()).collect(),
        units: c.probes.iter().map(|p| p.unit.clone()).collect(),
        values,
        parameters: c.parameters.clone(),
        // Only the model's own parameters: those an online controller adds come after them.
        theta: (0..c.parameters.len()).map(|k| cell.parameter(k)).collect(),
        log_scaled: c.log_scaled.clone(),
        with_tangents,
        tangents,
    }
}

/// What a simulation recorded: traces per cell (with the cell's name; empty for a single cell)
/// and a network's spikes (cell name, detector index, time in ms).
pub type Simulated = (Vec<(String, Traces)>, Vec<(String, usize, f64)>);

/// Runs a built model to its end, sampling every `sample_every` steps (and after initialisation).
pub fn simulate(built: Built, progress: bool) -> Result<Simulated, gradmod_runtime::Error> {
    let Built {
        cells,
        connections,
        gap_junctions,
        pointer_links,
        tstop,
        dt,
        sample_every,
    } = built;
    let (cells, shells): (Vec<Cell>, Vec<Columns>) = cells.into_iter().map(split).unzip();
    let controllers = cells.iter().map(|_| None).collect();
    let run = Run {
        total: (tstop / dt).round() as u64,
        every: sample_every,
        dt,
        progress,
    };
    let single = cells.len() == 1 && connections.is_empty() && gap_junctions.is_empty();
    let wiring = (connections, gap_junctions, pointer_links);
    let (traces, spikes) = run_cells(cells, shells, controllers, wiring, run)?;
    // A single cell's spikes are reported only when it is controlled, as before.
    Ok((traces, if single { Vec::new() } else { spikes }))
}

/// A network's wiring: connections, gap junctions and POINTERs fed from other cells.
type Wiring = (
    Vec<gradmod_runtime::Connection>,
    Vec<crate::model::build::GapJunction>,
    Vec<crate::model::build::PointerLink>,
);

/// How long to run and how often to sample.
#[derive(Clone, Copy)]
struct Run {
    total: u64,
    every: u64,
    dt: f64,
    progress: bool,
}

/// Runs split cells for `run.total` steps, sampling every `run.every` steps (and after
/// initialisation): one cell on its own by [`Cell::step`], several as a network. A controller
/// updates its cell whenever it is due.
fn run_cells(
    cells: Vec<Cell>,
    shells: Vec<Columns>,
    mut controllers: Vec<Option<Controller>>,
    wiring: Wiring,
    run: Run,
) -> Result<Simulated, gradmod_runtime::Error> {
    let (connections, gap_junctions, pointer_links) = wiring;
    let Run {
        total,
        every,
        dt,
        progress,
    } = run;
    let mut bar = Progress::new("run", total, Unit::Steps { dt }, progress);
    let mut recs: Vec<Recorder> = shells.iter().map(|c| recorder(c, every)).collect();
    // The samples of the whole run and the one after initialisation (up to a million per trace:
    // past that, growing costs little).
    let samples = (total / every.max(1) + 1).min(1 << 20) as usize;
    recs.iter_mut().for_each(|r| r.reserve(samples));
    if cells.len() == 1 && connections.is_empty() && gap_junctions.is_empty() {
        let mut cell = cells.into_iter().next().expect("one cell");
        let (columns, mut rec) = (&shells[0], recs.remove(0));
        let mut controller = controllers.remove(0);
        cell.init()?;
        rec.sample(&cell);
        for n in 1..=total {
            cell.step()?;
            if let Some(c) = controller.as_mut() {
                c.after_step(&mut cell)?;
            }
            rec.maybe_sample(&cell);
            if n % 64 == 0 {
                bar.set(n, "");
            }
        }
        bar.finish();
        let spikes = cell
            .take_spikes()
            .iter()
            .map(|s| (columns.name.clone(), s.detector, s.time))
            .collect();
        let t = traces(columns, &cell, rec);
        return Ok((vec![(columns.name.clone(), t)], spikes));
    }
    let mut net = Network::new();
    for cell in cells {
        net.add_cell(cell);
    }
    for c in connections {
        net.connect(c)?;
    }
    for (a, b, g) in gap_junctions {
        net.add_gap_junction(a, b, g)?;
    }
    for (source, target, binding) in pointer_links {
        net.link_pointer(source, target, binding)?;
    }
    net.init()?;
    for (rec, cell) in recs.iter_mut().zip(net.cells()) {
        rec.sample(cell);
    }
    // Each cell's controller and recorder run after each of its steps on the thread that steps
    // it; the network runs in chunks of about a hundredth of the run only to show progress.
    let mut hooks: Vec<_> = controllers
        .iter_mut()
        .zip(recs.iter_mut())
        .map(|(controller, rec)| {
            move |cell: &mut Cell| {
                if let Some(c) = controller.as_mut() {
                    c.after_step(cell)?;
                }
                rec.maybe_sample(cell);
                Ok(())
            }
        })
        .collect();
    let chunk = (total / 100).max(1);
    let mut done = 0;
    while done < total {
        done = (done + chunk).min(total);
        net.run_with(done as f64 * dt, &mut hooks)?;
        bar.set(done, "");
    }
    drop(hooks);
    bar.finish();
    Ok(network_traces(&net, &shells, recs))
}

/// The traces of every cell of a network, and its spikes by cell name.
fn network_traces(net: &Network, shells: &[Columns], recs: Vec<Recorder>) -> Simulated {
    let names: Vec<String> = shells.iter().map(|b| b.name.clone()).collect();
    let spikes = net
        .spikes()
        .iter()
        .map(|&(c, d, t)| (names[c].clone(), d, t))
        .collect();
    let out = shells
        .iter()
        .zip(recs)
        .zip(net.cells())
        .map(|((b, rec), cell)| (b.name.clone(), traces(b, cell, rec)))
        .collect();
    (out, spikes)
}

/// Places a cell's `[[noise]]` sources (seeds offset by `seed_offset`) and attaches its
/// `[homeostasis]` controller, adding the rate estimate and the adapted parameters to its columns.
fn attach_control(
    cell: &mut Cell,
    columns: &mut Columns,
    sections: &HomeostasisFile,
    seed_offset: u64,
    library: &Library,
) -> Result<Option<Controller>, Box<dyn std::error::Error>> {
    homeostasis::add_noise(cell, &sections.noise, seed_offset)?;
    let Some(h) = &sections.homeostasis else {
        return Ok(None);
    };
    let at = homeostasis::attach(cell, h, library)?;
    let column = |name: String, value: Probe, unit: &str| ProbeColumn {
        name,
        value,
        tangents: Vec::new(),
        unit: unit.into(),
    };
    let f = Probe::field(cell, at.objective, "f", at.instance)?;
    columns.probes.push(column("homeostasis.f".into(), f, "Hz"));
    for (a, name) in h.adapt.iter().zip(&at.names) {
        let mech = cell.mechanism_id(&a.mechanism)?;
        // Every instance in the parameter's region holds θ; record the first one.
        let instance = match &a.region {
            Some(section) => {
                let cv = cell.cv_at(section, 0.5)?;
                let nodes = cell.mechanism(mech).nodes();
                nodes.iter().position(|&n| n == cv).unwrap_or(0)
            }
            None => 0,
        };
        let p = Probe::field(cell, mech, &a.parameter, instance)?;
        columns
            .probes
            .push(column(format!("homeostasis.{name}"), p, ""));
    }
    Ok(Some(at.controller))
}

/// Runs a model whose cells have `[[noise]]` sources or a `[homeostasis]` controller (see
/// [`homeostasis`]); every cell reads its own model file's sections, and in a network the seeds of
/// cell i's sources are offset by i, so that cells built from one file get different noise.
/// Besides the model's probes, the traces of a controlled cell hold the rate estimate
/// `homeostasis.f` (Hz) and the trajectory `homeostasis.MECHANISM.PARAMETER` of every adapted
/// parameter. The observer mechanisms come from `library`.
pub fn simulate_controlled(
    built: Built,
    library: &Library,
    progress: bool,
) -> Result<Simulated, Box<dyn std::error::Error>> {
    let mut cells = Vec::new();
    let mut shells = Vec::new();
    let mut controllers = Vec::new();
    for (i, mut b) in built.cells.into_iter().enumerate() {
        let name = b.name.clone();
        let at = |e: String| {
            if name.is_empty() {
                e
            } else {
                format!("cell `{name}`: {e}")
            }
        };
        let sections = HomeostasisFile {
            homeostasis: b.homeostasis.take(),
            noise: std::mem::take(&mut b.noise),
        };
        let (mut cell, mut columns) = split(b);
        let c = attach_control(&mut cell, &mut columns, &sections, i as u64, library)
            .map_err(|e| at(e.to_string()))?;
        cells.push(cell);
        shells.push(columns);
        controllers.push(c);
    }
    let run = Run {
        total: (built.tstop / built.dt).round() as u64,
        every: built.sample_every,
        dt: built.dt,
        progress,
    };
    Ok(run_cells(
        cells,
        shells,
        controllers,
        (built.connections, built.gap_junctions, built.pointer_links),
        run,
    )?)
}

/// Prints where a run wrote its results, and a line per probe: of a network's first five cells,
/// and its first 25 files.
pub fn print_report(report: &RunReport, out: &Path) {
    // A large network's report is cut to its first cells and files: every cell's folder holds the
    // rest.
    const SHOWN_CELLS: usize = 5;
    const SHOWN_FILES: usize = 25;
    let cells = report.traces.len();
    for (cell, t) in report.traces.iter().take(SHOWN_CELLS) {
        let prefix = if cell.is_empty() {
            String::new()
        } else {
            format!("{cell}: ")
        };
        println!(
            "{prefix}{} samples of {} probes, tangents for {} parameters{}",
            t.times.len(),
            t.names.len(),
            t.parameters.len(),
            if t.parameters.is_empty() {
                String::new()
            } else {
                format!(" ({})", t.parameters.join(", "))
            }
        );
        for (i, name) in t.names.iter().enumerate() {
            let v = &t.values[i];
            let (j, peak) =
                v.iter().enumerate().fold(
                    (0, f64::NEG_INFINITY),
                    |m, (j, &x)| if x > m.1 { (j, x) } else { m },
                );
            if !v.is_empty() {
                println!(
                    "  {name}: peak {peak:.4} at t = {:.3} ms, final {:.4}",
                    t.times[j],
                    v[v.len() - 1]
                );
            }
        }
    }
    if cells > SHOWN_CELLS {
        println!("... and {} more cells", cells - SHOWN_CELLS);
    }
    if !report.spikes.is_empty() {
        println!("{} spikes detected", report.spikes.len());
    }
    println!(
        "simulated in {:.3} s; wrote {} files to {}:",
        report.elapsed.as_secs_f64(),
        report.files.len(),
        out.display()
    );
    for f in report.files.iter().take(SHOWN_FILES) {
        println!("  {}", f.display());
    }
    if report.files.len() > SHOWN_FILES {
        println!("  ... and {} more", report.files.len() - SHOWN_FILES);
    }
}
