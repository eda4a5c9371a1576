//! A PNG of a run: one block per probe, its trace on top and its tangents below.
//!
//! Tangents are drawn as sensitivities to a relative change, θ·∂y/∂θ (in the probe's unit), so that
//! parameters of very different sizes share one axis; for a log-scaled parameter θ = log(p/p0) this
//! is the tangent itself. Text uses the embedded Noto Sans font (no system fonts are needed).

use std::error::Error;
use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::Traces;

/// Most points drawn per line: longer traces keep each bucket's minimum and maximum.
const MAX_POINTS: usize = 4000;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is a valid TrueType file shipped by its crate; a failure only loses the text.
        let _ =
            plotters::style::register_font("sans-serif", FontStyle::Normal, ttf_noto_sans::REGULAR);
    });
}

/// Reduces a trace to at most about [`MAX_POINTS`] points, keeping extremes.
fn decimate(times: &[f64], ys: &[f64]) -> Vec<(f64, f64)> {
    let n = times.len().min(ys.len());
    let buckets = MAX_POINTS / 2;
    if n <= MAX_POINTS {
        return (0..n).map(|i| (times[i], ys[i])).collect();
    }
    let size = n.div_ceil(buckets);
    let mut out = Vec::with_capacity(2 * buckets + 1);
    for start in (0..n).step_by(size) {
        let end = (start + size).min(n);
        let (mut lo, mut hi) = (start, start);
        for i in start..end {
            if ys[i] < ys[lo] {
                lo = i;
            }
            if ys[i] > ys[hi] {
                hi = i;
            }
        }
        let (a, b) = if lo < hi { (lo, hi) } else { (hi, lo) };
        out.push((times[a], ys[a]));
        if b != a {
            out.push((times[b], ys[b]));
        }
    }
    out
}

/// The runs of finite points of a line, each point's value clamped to [lo, hi] so that no line
/// leaves the plotting area.
fn finite_runs(points: Vec<(f64, f64)>, (lo, hi): (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (t, y) in points {
        if t.is_finite() && y.is_finite() {
            runs.last_mut().expect("one run").push((t, y.clamp(lo, hi)));
        } else if !runs.last().expect("one run").is_empty() {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// A tick label: plain decimals for ordinary magnitudes, scientific notation otherwise.
fn tick(y: &f64) -> String {
    let a = y.abs();
    if a < 1e-12 {
        "0".into()
    } else if (1e-3..1e5).contains(&a) {
        let s = format!("{y:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{y:.1e}")
    }
}

/// Draws one panel of lines sharing a time axis.
fn panel(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    times: &[f64],
    series: &[(String, Vec<f64>)],
    caption: &str,
    ylabel: &str,
) -> Result<(), Box<dyn Error>> {
    let (t0, t1) = match (times.first(), times.last()) {
        (Some(&a), Some(&b)) if b > a => (a, b),
        (Some(&a), _) => (a, a + 1.0),
        _ => (0.0, 1.0),
    };
    let finite = series
        .iter()
        .flat_map(|(_, ys)| ys.iter().copied())
        .filter(|y| y.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), y| {
        (l.min(y), h.max(y))
    });
    let (lo, hi) = if lo > hi {
        (-1.0, 1.0)
    } else if hi - lo < 1e-12 * (1.0 + hi.abs()) {
        (lo - 1.0, hi + 1.0)
    } else {
        let pad = 0.05 * (hi - lo);
        (lo - pad, hi + pad)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(70)
        .build_cartesian_2d(t0..t1, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("t (ms)")
        .y_desc(ylabel)
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .y_label_formatter(&tick)
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    for (i, (name, ys)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        // Non-finite values are gaps: a line drawn to them would leave the axes.
        let mut runs = finite_runs(decimate(times, ys), (lo, hi)).into_iter();
        let first = runs.next().unwrap_or_default();
        chart
            .draw_series(LineSeries::new(first, color.stroke_width(2)))?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        for run in runs {
            chart.draw_series(LineSeries::new(run, color.stroke_width(2)))?;
        }
    }
    if series.len() > 1 || series.first().is_some_and(|(n, _)| n != caption) {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 12))
            .draw()?;
    }
    Ok(())
}

/// Writes `path` (PNG): for each probe its trace, and below it θ·∂y/∂θ for every parameter.
pub fn plot(traces: &Traces, path: &Path, title: &str) -> Result<(), Box<dyn Error>> {
    register_font();
    let np = traces.names.len().max(1);
    let ncol = np.min(3);
    let nrow = np.div_ceil(ncol);
    let any_tangents = !traces.with_tangents.is_empty() && !traces.parameters.is_empty();
    let block_h = if any_tangents { 560 } else { 300 };
    let size = (560 * ncol as u32, 40 + block_h * nrow as u32);
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 20))?;
    let blocks = root.split_evenly((nrow, ncol));
    for (i, name) in traces.names.iter().enumerate() {
        let block = &blocks[i];
        let values = vec![(name.clone(), traces.values[i].clone())];
        let unit = traces.units.get(i).map_or("", String::as_str);
        match traces.with_tangents.iter().position(|&p| p == i) {
            Some(j) if any_tangents => {
                let (top, bottom) = block.split_vertically(block_h * 2 / 5);
                panel(&top, &traces.times, &values, name, unit)?;
                let series: Vec<(String, Vec<f64>)> = traces
                    .parameters
                    .iter()
                    .enumerate()
                    .map(|(k, pname)| {
                        let scale = if traces.log_scaled.get(k) == Some(&true) {
                            1.0
                        } else {
                            traces
                                .theta
                                .get(k)
                                .copied()
                                .filter(|&t| t != 0.0)
                                .unwrap_or(1.0)
                        };
                        let ys = traces.tangents[j][k].iter().map(|d| d * scale).collect();
                        (pname.clone(), ys)
                    })
                    .collect();
                let caption = format!("θ·∂({name})/∂θ");
                let ylabel = if unit.is_empty() {
                    "θ·∂y/∂θ".to_string()
                } else {
                    format!("θ·∂y/∂θ ({unit})")
                };
                panel(&bottom, &traces.times, &series, &caption, &ylabel)?;
            }
            _ => panel(block, &traces.times, &values, name, unit)?,
        }
    }
    root.present()?;
    Ok(())
}
