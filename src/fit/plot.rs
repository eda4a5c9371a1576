//! Line charts of a fit: loss curves, parameter trajectories, a fitted trace over its target.

use std::error::Error;
use std::path::Path;

use plotters::prelude::*;

/// A named series of (x, y) points.
pub type Series = (String, Vec<(f64, f64)>);

/// Draws `series` as lines into a 1000×600 PNG at `path` (y on a log scale when `logy`).
pub fn lines(
    path: &Path,
    title: &str,
    xl: &str,
    yl: &str,
    series: &[Series],
    logy: bool,
) -> Result<(), Box<dyn Error>> {
    let root = BitMapBackend::new(path, (1000, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    draw(&root, title, xl, yl, series, logy)?;
    root.present()?;
    Ok(())
}

/// Draws `series` as lines on a drawing area, with a legend; non-finite points (and, with
/// `logy`, non-positive ones) are left out.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    xl: &str,
    yl: &str,
    series: &[Series],
    logy: bool,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, ttf_noto_sans::REGULAR);
    let pts = series
        .iter()
        .flat_map(|(_, p)| p.iter())
        .filter(|p| p.1.is_finite() && (!logy || p.1 > 0.0));
    let (x0, x1, y0, y1) = pts.fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), p| (a.min(p.0), b.max(p.0), c.min(p.1), d.max(p.1)),
    );
    let (x0, x1) = if x1 > x0 { (x0, x1) } else { (0.0, 1.0) };
    let (y0, y1) = if y1 > y0 {
        (y0, y1)
    } else {
        (y0.min(1.0) * 0.5, y0.max(1.0) * 2.0)
    };
    let mut b = ChartBuilder::on(area);
    b.caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80);
    let style = |c: usize| Palette99::pick(c).to_rgba().stroke_width(2);
    macro_rules! body {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(xl)
                .y_desc(yl)
                .label_style(("sans-serif", 12))
                .draw()?;
            for (i, (name, p)) in series.iter().enumerate() {
                let p: Vec<(f64, f64)> = p
                    .iter()
                    .copied()
                    .filter(|q| q.1.is_finite() && (!logy || q.1 > 0.0))
                    .collect();
                chart
                    .draw_series(LineSeries::new(p, style(i)))?
                    .label(name.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style(i)));
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(("sans-serif", 12))
                .draw()?;
        }};
    }
    if logy {
        body!(b.build_cartesian_2d(x0..x1, (y0 * 0.8..y1 * 1.25).log_scale())?);
    } else {
        let pad = 0.05 * (y1 - y0);
        body!(b.build_cartesian_2d(x0..x1, y0 - pad..y1 + pad)?);
    }
    Ok(())
}
