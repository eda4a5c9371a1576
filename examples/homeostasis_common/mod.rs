//! Shared by the homeostasis examples: command-line options, spike-rate helpers and PNG plots
//! (line panels, rasters, histograms) with the embedded Noto Sans font.

// Each example uses a different subset.
#![allow(dead_code)]

use std::error::Error;
use std::path::Path;

use plotters::prelude::*;

/// The value of `--name VALUE` on the command line, parsed, or `default`.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => {
            let text = args
                .get(i + 1)
                .ok_or_else(|| format!("{name} needs a value"))?;
            text.parse()
                .map_err(|_| format!("{name}: cannot read `{text}`"))
        }
    }
}

/// A comma-separated list given as `--name A,B,C` (`none` for an empty list), or `default`.
pub fn list_arg(name: &str, default: &[f64]) -> Result<Vec<f64>, String> {
    let text: String = arg(name, String::new())?;
    if text.is_empty() {
        return Ok(default.to_vec());
    }
    if text == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| format!("{name}: cannot read `{s}`"))
        })
        .collect()
}

/// Mean rate (Hz) of spikes (ms) in the window [t0, t1) (ms).
pub fn rate_in(spikes: &[f64], t0: f64, t1: f64) -> f64 {
    let n = spikes.iter().filter(|&&t| t >= t0 && t < t1).count();
    n as f64 * 1000.0 / (t1 - t0)
}

/// Binned rate (Hz) of spikes (ms) in bins of `bin` ms up to `tstop`: (bin centre in s, rate).
pub fn binned_rate(spikes: &[f64], bin: f64, tstop: f64) -> Vec<(f64, f64)> {
    let nb = (tstop / bin).floor() as usize;
    let mut counts = vec![0usize; nb];
    for &t in spikes {
        let b = (t / bin) as usize;
        if b < nb {
            counts[b] += 1;
        }
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| ((i as f64 + 0.5) * bin / 1000.0, c as f64 * 1000.0 / bin))
        .collect()
}

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ =
            plotters::style::register_font("sans-serif", FontStyle::Normal, ttf_noto_sans::REGULAR);
    });
}

/// One named line of a panel.
pub struct Line {
    /// Legend label.
    pub name: String,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
    /// Palette index.
    pub color: usize,
    /// Whether to draw it dashed (thin), as for targets.
    pub thin: bool,
}

/// One panel of lines.
pub struct Panel {
    /// Caption.
    pub caption: String,
    /// Axis labels.
    pub xlabel: String,
    /// Axis labels.
    pub ylabel: String,
    /// Lines.
    pub lines: Vec<Line>,
}

/// Writes panels stacked vertically into one PNG.
pub fn plot_panels(path: &Path, title: &str, panels: &[Panel]) -> Result<(), Box<dyn Error>> {
    register_font();
    let h = 40 + 320 * panels.len() as u32;
    let root = BitMapBackend::new(path, (1100, h)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 20))?;
    let areas = root.split_evenly((panels.len(), 1));
    for (area, p) in areas.iter().zip(panels) {
        let pts = p.lines.iter().flat_map(|l| l.points.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in pts.filter(|(x, y)| x.is_finite() && y.is_finite()) {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
        if x0 >= x1 {
            (x0, x1) = (0.0, 1.0);
        }
        if y0 >= y1 {
            (y0, y1) = (y0.min(0.0) - 1.0, y1.max(0.0) + 1.0);
        }
        let pad = 0.05 * (y1 - y0);
        let mut chart = ChartBuilder::on(area)
            .caption(&p.caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))?;
        chart
            .configure_mesh()
            .x_desc(p.xlabel.as_str())
            .y_desc(p.ylabel.as_str())
            .label_style(("sans-serif", 12))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()?;
        for l in &p.lines {
            let color = Palette99::pick(l.color).to_rgba();
            let style = if l.thin {
                color.mix(0.7).stroke_width(1)
            } else {
                color.stroke_width(2)
            };
            chart
                .draw_series(LineSeries::new(l.points.iter().copied(), style))?
                .label(l.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 11))
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// A spike raster: one row per (label, spike times in s), over [t0, t1] s.
pub fn plot_raster(
    path: &Path,
    title: &str,
    rows: &[(String, Vec<f64>)],
    t0: f64,
    t1: f64,
) -> Result<(), Box<dyn Error>> {
    register_font();
    let h = 120 + 24 * rows.len().max(4) as u32;
    let root = BitMapBackend::new(path, (1100, h.min(2000))).into_drawing_area();
    root.fill(&WHITE)?;
    let n = rows.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(70)
        .build_cartesian_2d(t0..t1, -0.5..(n - 0.5))?;
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    chart
        .configure_mesh()
        .x_desc("t (s)")
        .y_labels(rows.len().min(40))
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 12))
        .disable_y_mesh()
        .draw()?;
    for (i, (_, spikes)) in rows.iter().enumerate() {
        let y = i as f64;
        let color = Palette99::pick(i).to_rgba();
        chart.draw_series(
            spikes
                .iter()
                .filter(|&&t| t >= t0 && t <= t1)
                .map(|&t| PathElement::new(vec![(t, y - 0.4), (t, y + 0.4)], color)),
        )?;
    }
    root.present()?;
    Ok(())
}

/// Histograms of per-cell rates before and after adaptation, with the target marked: above over
/// every rate, below over [0, 2·target] (values beyond fall into the last bin).
pub fn plot_histograms(
    path: &Path,
    title: &str,
    before: &[f64],
    after: &[f64],
    target: f64,
) -> Result<(), Box<dyn Error>> {
    register_font();
    let hi = before
        .iter()
        .chain(after)
        .fold(target * 2.0, |a, &b| a.max(b))
        * 1.05;
    let root = BitMapBackend::new(path, (1000, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 20))?;
    let (top, bottom) = root.split_vertically(440);
    histogram_panel(&top, "all rates", before, after, target, hi)?;
    histogram_panel(
        &bottom,
        "around the target",
        before,
        after,
        target,
        2.0 * target,
    )?;
    root.present()?;
    Ok(())
}

/// One panel of [`plot_histograms`]: 40 bins over [0, hi].
fn histogram_panel(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    caption: &str,
    before: &[f64],
    after: &[f64],
    target: f64,
    hi: f64,
) -> Result<(), Box<dyn Error>> {
    let nb = 40usize;
    let w = hi / nb as f64;
    let hist = |xs: &[f64]| {
        let mut c = vec![0usize; nb];
        for &x in xs {
            c[((x / w) as usize).min(nb - 1)] += 1;
        }
        c
    };
    let (hb, ha) = (hist(before), hist(after));
    let ymax = hb.iter().chain(&ha).copied().max().unwrap_or(1).max(1) as f64 * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..hi, 0.0..ymax)?;
    chart
        .configure_mesh()
        .x_desc("rate (Hz)")
        .y_desc("cells")
        .label_style(("sans-serif", 12))
        .draw()?;
    for (c, counts, name) in [(0, &hb, "before"), (1, &ha, "after")] {
        let color = Palette99::pick(c).to_rgba().mix(0.55);
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &n)| {
                let x = i as f64 * w;
                Rectangle::new([(x, 0.0), (x + w, n as f64)], color.filled())
            }))?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
    }
    let band = [
        (target * 0.75, "−25%"),
        (target, "target"),
        (target * 1.25, "+25%"),
    ];
    for (x, name) in band {
        chart
            .draw_series(LineSeries::new(
                vec![(x, 0.0), (x, ymax)],
                BLACK.stroke_width(1),
            ))?
            .label(name)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()?;
    Ok(())
}

/// The controller mode from `--mode tracking|gradient` (default: tracking).
pub fn mode_arg() -> Result<crate::homeostasis::Mode, String> {
    match arg("--mode", String::from("tracking"))?.as_str() {
        "tracking" => Ok(crate::homeostasis::Mode::Tracking),
        "gradient" => Ok(crate::homeostasis::Mode::Gradient),
        other => Err(format!(
            "--mode: `{other}` is neither tracking nor gradient"
        )),
    }
}

/// The step direction (absent: the default) and the excitability observer's midpoint and width.
pub type DirectionArgs = (
    Option<crate::homeostasis::Direction>,
    Option<f64>,
    Option<f64>,
);

/// Tracking mode: where the step direction comes from, `--direction excitability|rate` (when
/// absent: the excitability observer in tracking mode), with the excitability observer's
/// `--vs MV` and `--ks MV`.
pub fn direction_args() -> Result<DirectionArgs, String> {
    let d = match arg("--direction", String::new())?.as_str() {
        "" => None,
        "rate" => Some(crate::homeostasis::Direction::Rate),
        "excitability" => Some(crate::homeostasis::Direction::Excitability),
        other => {
            return Err(format!(
                "--direction: `{other}` is neither rate nor excitability"
            ));
        }
    };
    let opt = |name: &str| -> Result<Option<f64>, String> {
        Ok(Some(arg(name, f64::NAN)?).filter(|v| !v.is_nan()))
    };
    Ok((d, opt("--vs")?, opt("--ks")?))
}
