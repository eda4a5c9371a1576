//! Experiment 1: a single-compartment HH cell driven by Ornstein–Uhlenbeck noise adapts g_Na, g_K
//! and the input gain online, through the tangent of the `rate_objective` observer, to target
//! rates of 1 to 5 Hz.
//!
//! ```text
//! cargo run --release --example homeostasis_cell -- [--tstop S] [--alpha A] [--lambda L]
//!     [--tauf MS] [--every N] [--warmup MS] [--clip C] [--decay S] [--mean NA] [--sigma NA]
//!     [--mode tracking|gradient] [--average S] [--max-error C] [--outlier K] [--vth MV]
//!     [--direction rate|excitability] [--vs MV] [--ks MV] [--free S]
//!     [--targets 1,2,3,4,5 | none] [--out DIR]
//! ```
//!
//! Defaults: 2400 s runs in tracking mode (the controller's module documentation) with the step
//! direction from the excitability observer: α = 2e-6/ms decaying with T = 600 s, λ = 1e-3/ms,
//! τ_f = 20 s, mean sensitivity over τ_G = 20 s, relative error bounded by 1, an update every 40
//! steps (1 ms), observer midpoint −20 mV, OU drive mean 0.03 nA, sigma 0.02 nA, tau 5 ms on a
//! 20 µm × 20 µm soma (23.0 Hz before control, so the start is off by a factor 4.6 to 23).
//!
//! Measured with these defaults (rate over the last 240 s, spikes counted at −10 mV, against the
//! target; in brackets the observer's mean f over the same window): 1 Hz −5.4% (0.977), 2 Hz
//! −2.5% (2.043), 3 Hz −3.1% (3.056), 4 Hz −2.1% (4.138), 5 Hz −2.7% (5.127): every target within
//! ±10%, 3 minutes on two cores. The sensitivity samples (of the excitability observer's a) have
//! norms with a median of 3.6e-2 to 4.8e-2, a 99.9th percentile of 27 to 77 and a maximum of 1.6e4
//! to 5.1e5. With `--direction rate` (the direction from df/dθ, the default until the excitability
//! observer came): −6.7% (0.964), −2.9% (2.031), −3.5% (3.047), −2.0% (4.145), −2.9% (5.118).
//! Before the mean sensitivity became a robust mean (outliers shortened to 3 running mean norms,
//! `--outlier`; the controller's module documentation), `--direction rate` gave −2.5%, −4.0%,
//! −3.9%, −2.1%, −2.2%, and on a build from 40 minutes earlier still (rounding differs and the
//! noise-driven cell is chaotic) −8.8%, −3.7%, −3.7%, −1.6%, −3.2%. The samples of df/dθ are more
//! heavy-tailed: their norms have a median of 4e-3 to 1.6e-2, a 99.9th percentile of 3.5 to 34
//! and a maximum of 8e2 to 1.1e4 (printed by the run). The controller
//! brings the mean of f to the target; the counted rate sits
//! 3–5% below f because the observer's smooth indicator also counts abortive spikes that cross
//! −20 mV but not the detector's −10 mV (raising `--vth` to 0 mV removes them but also most of the
//! near-threshold events that carry the tangent's information, and the control then converges
//! more slowly or, in a debug-build test, went the wrong way). With `--direction rate
//! --tstop 1200` (last 120 s): α = 2e-6 gives
//! 1 Hz −10.8%, 2 Hz −5.8%, 3 Hz −1.9%, 4 Hz −5.2%, 5 Hz −6.0%; α = 1e-6 gives −13.3%, −10.8%,
//! −3.1%, −8.1%, −8.0%. The window's own counting noise (about 100 spikes at 1 Hz, 10% relative)
//! is what the longer run removes; all targets share one noise seed, so their errors correlate.
//!
//! Gradient mode (`--mode gradient`, the earlier default: α = 5e-9, T = 600 s, 1200 s, clip 2000)
//! measured 1 Hz +12.5%, 2 Hz −28.7%, 3 Hz −10.8%, 4 Hz −8.1%, 5 Hz −9.2%: its stationary point
//! weighs the rate error by the tangent, which is large where f is high, and silence absorbs it.
//!
//! Every target starts from the same cell (noise seed included), whose rate is measured first in a
//! run without control. Each controlled run prints its rate over the last 10% of the run (spikes
//! counted by a threshold detector at −10 mV) against the target, and writes PNG plots of the rate
//! estimate f(t) with the binned true rate, the spike rasters and the parameter trajectories.

mod homeostasis_common;

use std::path::PathBuf;

use gradmod::homeostasis::{self, Adapt, Homeostasis, Mode, Noise};
use gradmod::{Library, catalogue};
use gradmod_runtime::{Cell, Morphology, Probe, Recorder, Region, Settings};
use homeostasis_common::{
    DirectionArgs, Line, Panel, arg, binned_rate, direction_args, list_arg, mode_arg, plot_panels,
    plot_raster, rate_in,
};

/// Options of the experiment.
#[derive(Clone, Copy, Debug)]
struct Opts {
    tstop: f64,
    alpha: f64,
    lambda: f64,
    tauf: f64,
    every: u64,
    warmup: f64,
    mean: f64,
    sigma: f64,
    clip: f64,
    decay: f64,
    vth: f64,
    mode: Mode,
    average: f64,
    max_error: f64,
    outlier: f64,
    direction: DirectionArgs,
}

/// The noise drive shared by every run.
fn noise(o: &Opts) -> Noise {
    Noise {
        section: "soma".into(),
        x: 0.5,
        mean: o.mean,
        sigma: o.sigma,
        tau: 5.0,
        gain: 1.0,
        seed: 1,
    }
}

/// The cell: one 20 µm × 20 µm compartment with `hh` and the noise source.
fn cell(o: &Opts) -> Result<Cell, String> {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1)
        .map_err(|e| e.to_string())?;
    let mut cell = Cell::new(m, Settings::default()).map_err(|e| e.to_string())?;
    let hh = catalogue::by_name("hh").ok_or("no hh in the catalogue")?;
    cell.insert(hh, &Region::All).map_err(|e| e.to_string())?;
    homeostasis::add_noise(&mut cell, &[noise(o)], 0)?;
    let cv = cell.cv_at("soma", 0.5).map_err(|e| e.to_string())?;
    cell.add_detector(cv, -10.0).map_err(|e| e.to_string())?;
    Ok(cell)
}

fn section(target: f64, o: &Opts) -> Homeostasis {
    let adapt = |mechanism: &str, parameter: &str| Adapt {
        mechanism: mechanism.into(),
        parameter: parameter.into(),
        region: None,
        lower: Some(0.0),
        upper: None,
    };
    Homeostasis {
        target,
        rate: o.alpha,
        forgetting: o.lambda,
        clip: o.clip,
        every: o.every,
        warmup: o.warmup,
        decay: o.decay,
        section: "soma".into(),
        tauf: Some(o.tauf),
        vth: Some(o.vth),
        mode: o.mode,
        average: o.average,
        max_error: o.max_error,
        outlier: o.outlier,
        direction: o.direction.0,
        excitability_v: o.direction.1,
        excitability_k: o.direction.2,
        adapt: vec![
            adapt("hh", "gnabar"),
            adapt("hh", "gkbar"),
            adapt("ou_noise", "gain"),
        ],
    }
}

/// What one controlled run produced.
struct Outcome {
    target: f64,
    spikes: Vec<f64>,
    times: Vec<f64>,
    f: Vec<f64>,
    params: Vec<Vec<f64>>,
    names: Vec<String>,
    updates: u64,
    /// Norms of the relative gradient at each update, before clipping, sorted.
    norms: Vec<f64>,
}

/// Runs the uncontrolled cell for `tstop` ms; returns its spike times (ms).
fn free_run(tstop: f64, o: &Opts) -> Result<Vec<f64>, String> {
    let mut c = cell(o)?;
    c.run(tstop, None).map_err(|e| e.to_string())?;
    Ok(c.take_spikes().iter().map(|s| s.time).collect())
}

fn controlled(target: f64, o: &Opts, library: &Library) -> Result<Outcome, String> {
    let mut c = cell(o)?;
    let mut at = homeostasis::attach(&mut c, &section(target, o), library)?;
    let mut probes =
        vec![Probe::field(&c, at.objective, "f", at.instance).map_err(|e| e.to_string())?];
    let hh = c.mechanism_id("hh").map_err(|e| e.to_string())?;
    let noise = c.mechanism_id("ou_noise").map_err(|e| e.to_string())?;
    for (m, f) in [(hh, "gnabar"), (hh, "gkbar"), (noise, "gain")] {
        probes.push(Probe::field(&c, m, f, 0).map_err(|e| e.to_string())?);
    }
    // One sample every 100 ms.
    let mut rec = Recorder::new(probes, (100.0 / c.settings().dt).round() as u64);
    c.init().map_err(|e| e.to_string())?;
    rec.sample(&c);
    let total = (o.tstop / c.settings().dt).round() as u64;
    let mut norms = Vec::new();
    while c.step_count() < total {
        c.step().map_err(|e| e.to_string())?;
        if at.controller.due(&c) {
            at.controller.read_gradient(&c);
            norms.push(
                at.controller
                    .gradient()
                    .iter()
                    .map(|g| g * g)
                    .sum::<f64>()
                    .sqrt(),
            );
            at.controller.apply(&mut c).map_err(|e| e.to_string())?;
        }
        rec.maybe_sample(&c);
    }
    norms.sort_by(f64::total_cmp);
    let mut traces = rec.traces;
    let f = traces.remove(0);
    Ok(Outcome {
        target,
        spikes: c.take_spikes().iter().map(|s| s.time).collect(),
        times: rec.times,
        f,
        params: traces,
        names: at.names,
        updates: at.controller.updates(),
        norms,
    })
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let o = Opts {
        tstop: arg("--tstop", 2400.0)? * 1000.0,
        alpha: arg("--alpha", 2e-6)?,
        lambda: arg("--lambda", 1e-3)?,
        tauf: arg("--tauf", 20000.0)?,
        every: arg("--every", 40)?,
        warmup: arg("--warmup", 5000.0)?,
        mean: arg("--mean", 0.03)?,
        sigma: arg("--sigma", 0.02)?,
        clip: arg("--clip", 2000.0)?,
        decay: arg("--decay", 600.0)? * 1000.0,
        vth: arg("--vth", -20.0)?,
        mode: mode_arg()?,
        average: arg("--average", 20.0)? * 1000.0,
        max_error: arg("--max-error", 1.0)?,
        outlier: arg("--outlier", 3.0)?,
        direction: direction_args()?,
    };
    let targets = list_arg("--targets", &[1.0, 2.0, 3.0, 4.0, 5.0])?;
    let out: PathBuf = arg("--out", PathBuf::from("out/homeostasis_cell"))?;
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("{o:?}");
    let free_t: f64 = arg("--free", 100.0)? * 1000.0;
    let free = free_run(free_t, &o)?;
    let start_rate = rate_in(&free, 0.0, free_t);
    println!(
        "uncontrolled start: {start_rate:.3} Hz over {} s",
        free_t / 1000.0
    );
    if targets.is_empty() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let library = &Library::builtin();
    let outcomes: Vec<Result<Outcome, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|&t| s.spawn(move || controlled(t, &o, library)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a run panicked".into())))
            .collect()
    });
    let outcomes: Vec<Outcome> = outcomes.into_iter().collect::<Result<_, _>>()?;
    let wall = started.elapsed().as_secs_f64();
    let steps = o.tstop / Settings::default().dt * outcomes.len() as f64;
    println!(
        "{} controlled runs of {} s in {wall:.1} s wall ({:.3e} steps/s over all threads)",
        outcomes.len(),
        o.tstop / 1000.0,
        steps / wall
    );
    println!(
        "target  start/target  last-10% rate  error   mean f   gnabar     gkbar      gain     updates"
    );
    let mut all_ok = true;
    for r in &outcomes {
        let last = rate_in(&r.spikes, 0.9 * o.tstop, o.tstop);
        let err = (last - r.target) / r.target;
        all_ok &= err.abs() <= 0.1;
        // The observer's estimate over the same window, to compare with the counted rate.
        let late: Vec<f64> = r
            .times
            .iter()
            .zip(&r.f)
            .filter(|(t, _)| **t >= 0.9 * o.tstop)
            .map(|(_, f)| *f)
            .collect();
        let mean_f = late.iter().sum::<f64>() / late.len().max(1) as f64;
        let p: Vec<f64> = r
            .params
            .iter()
            .map(|t| *t.last().unwrap_or(&f64::NAN))
            .collect();
        println!(
            "{:5.1}  {:12.2}  {last:13.3}  {:+5.1}%  {mean_f:7.3}  {:.5}  {:.5}  {:.4}  {}",
            r.target,
            start_rate / r.target,
            100.0 * err,
            p[0],
            p[1],
            p[2],
            r.updates
        );
    }
    for r in &outcomes {
        let q = |p: f64| {
            r.norms
                .get((p * (r.norms.len() as f64 - 1.0)) as usize)
                .copied()
                .unwrap_or(0.0)
        };
        println!(
            "target {} Hz: gradient norm percentiles 50% {:.3e}, 90% {:.3e}, 99% {:.3e}, 99.9% {:.3e}, max {:.3e}",
            r.target,
            q(0.5),
            q(0.9),
            q(0.99),
            q(0.999),
            q(1.0)
        );
    }
    println!(
        "every target within ±10% over the last 10%: {}",
        if all_ok { "yes" } else { "no" }
    );
    plots(&outcomes, &o, &out).map_err(|e| format!("plotting: {e}"))?;
    println!("plots in {}", out.display());
    Ok(())
}

fn plots(
    outcomes: &[Outcome],
    o: &Opts,
    out: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut rate_lines = Vec::new();
    for (i, r) in outcomes.iter().enumerate() {
        let pts = r
            .times
            .iter()
            .zip(&r.f)
            .map(|(t, f)| (t / 1000.0, *f))
            .collect();
        rate_lines.push(Line {
            name: format!("f, target {} Hz", r.target),
            points: pts,
            color: i,
            thin: false,
        });
        rate_lines.push(Line {
            name: format!("target {} Hz", r.target),
            points: vec![(0.0, r.target), (o.tstop / 1000.0, r.target)],
            color: i,
            thin: true,
        });
    }
    let true_lines = outcomes
        .iter()
        .enumerate()
        .map(|(i, r)| Line {
            name: format!("target {} Hz", r.target),
            points: binned_rate(&r.spikes, 20_000.0, o.tstop),
            color: i,
            thin: false,
        })
        .collect();
    plot_panels(
        &out.join("rate.png"),
        "Homeostatic control of a noise-driven HH cell",
        &[
            Panel {
                caption: "rate estimate f (observer, from v only)".into(),
                xlabel: "t (s)".into(),
                ylabel: "f (Hz)".into(),
                lines: rate_lines,
            },
            Panel {
                caption: "true rate (spikes counted in 20 s bins)".into(),
                xlabel: "t (s)".into(),
                ylabel: "rate (Hz)".into(),
                lines: true_lines,
            },
        ],
    )?;
    let names = &outcomes[0].names;
    let panels: Vec<Panel> = names
        .iter()
        .enumerate()
        .map(|(k, name)| Panel {
            caption: name.clone(),
            xlabel: "t (s)".into(),
            ylabel: name.clone(),
            lines: outcomes
                .iter()
                .enumerate()
                .map(|(i, r)| Line {
                    name: format!("target {} Hz", r.target),
                    points: r
                        .times
                        .iter()
                        .zip(&r.params[k])
                        .map(|(t, p)| (t / 1000.0, *p))
                        .collect(),
                    color: i,
                    thin: false,
                })
                .collect(),
        })
        .collect();
    plot_panels(&out.join("parameters.png"), "Adapted parameters", &panels)?;
    let rows: Vec<(String, Vec<f64>)> = outcomes
        .iter()
        .map(|r| {
            (
                format!("{} Hz", r.target),
                r.spikes.iter().map(|t| t / 1000.0).collect(),
            )
        })
        .collect();
    plot_raster(
        &out.join("raster.png"),
        "Spike rasters (whole run)",
        &rows,
        0.0,
        o.tstop / 1000.0,
    )?;
    let t1 = o.tstop / 1000.0;
    plot_raster(
        &out.join("raster_last.png"),
        "Spike rasters (last 10%)",
        &rows,
        0.9 * t1,
        t1,
    )?;
    Ok(())
}
