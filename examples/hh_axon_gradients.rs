//! The gradient-diffusion paper's first figure: an action potential travelling along the HH axon
//! of model A (docs/MODELS.md), and its sensitivities to the input weight w (here the amplitude of
//! the IClamp that starts it): dV/dw and the gating tangents dm/dw, dh/dw, dn/dw, at the soma and
//! at the far end of the axon. All come from one simulation with the generated `hh` and its
//! compiler-derived tangents.
//!
//! Run with `cargo run --release --example hh_axon_gradients [OUT_DIR]`; writes
//! `hh_axon_gradients.png` and `hh_axon_gradients.csv` (default `out/`).

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

use gradmod::catalogue;
use gradmod_runtime::{Cell, ClampId, Morphology, ParamSpec, Probe, Recorder, Region, Settings};
use plotters::prelude::*;

fn main() -> Result<(), Box<dyn Error>> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "out".into()));
    std::fs::create_dir_all(&out)?;

    // Model A: soma 20 x 20 um, axon 400 x 1 um in ten CVs at soma(1), hh everywhere, 0.5 nA
    // from 10 to 11 ms at the soma.
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 20.0, 20.0, None, 1)?;
    m.add_cylinder("axon", 2, 400.0, 1.0, Some((soma, 1.0)), 10)?;
    let mut cell = Cell::new(m, Settings::default())?;
    let hh = catalogue::by_name("hh").ok_or("the catalogue has no hh")?;
    let hh = cell.insert(hh, &Region::All)?;
    cell.add_iclamp("soma", 0.5, 10.0, 1.0, 0.5)?;
    let w = cell.add_parameter(ParamSpec::iclamp_amp(ClampId(0)))?;

    // Probes at the soma centre and the last axon CV: v, dv/dw, and the tangents of m, h, n.
    let sites = [
        ("soma", cell.cv_at("soma", 0.5)?),
        ("axon end", cell.cv_at("axon", 0.99)?),
    ];
    let mut probes = Vec::new();
    let mut names = Vec::new();
    for (label, cv) in sites {
        let instance = cell
            .mechanism(hh)
            .nodes()
            .iter()
            .position(|&n| n == cv)
            .ok_or("no hh instance at the probed CV")?;
        probes.push(Probe::Voltage { cv });
        names.push(format!("V {label} (mV)"));
        probes.push(Probe::Tangent { k: w, cv });
        names.push(format!("dV/dw {label} (mV/nA)"));
        for (state, s) in ["m", "h", "n"].iter().enumerate() {
            probes.push(Probe::StateTangent {
                mech: hh,
                state,
                k: w,
                instance,
            });
            names.push(format!("d{s}/dw {label} (1/nA)"));
        }
    }
    let mut rec = Recorder::new(probes, 4);
    cell.run(30.0, Some(&mut rec))?;

    let mut csv = String::from("t");
    for n in &names {
        write!(csv, ",{n}")?;
    }
    csv.push('\n');
    for (i, t) in rec.times.iter().enumerate() {
        write!(csv, "{t}")?;
        for tr in &rec.traces {
            write!(csv, ",{:e}", tr[i])?;
        }
        csv.push('\n');
    }
    std::fs::write(out.join("hh_axon_gradients.csv"), csv)?;

    // Text is drawn with the font the `ttf-noto-sans` crate ships, so no system font is needed.
    let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, ttf_noto_sans::REGULAR);
    let png = out.join("hh_axon_gradients.png");
    let root = BitMapBackend::new(&png, (1200, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((3, 2));
    // Rows: V, dV/dw, gating tangents; columns: soma, axon end.
    for (col, site) in ["soma", "axon end"].iter().enumerate() {
        let base = col * 5;
        let rows: [(&str, Vec<usize>); 3] = [
            ("V (mV)", vec![base]),
            ("dV/dw (mV/nA)", vec![base + 1]),
            (
                "dm/dw, dh/dw, dn/dw (1/nA)",
                vec![base + 2, base + 3, base + 4],
            ),
        ];
        for (row, (ylabel, idx)) in rows.iter().enumerate() {
            let area = &panels[row * 2 + col];
            let lo = idx
                .iter()
                .flat_map(|&i| rec.traces[i].iter())
                .cloned()
                .fold(f64::INFINITY, f64::min);
            let hi = idx
                .iter()
                .flat_map(|&i| rec.traces[i].iter())
                .cloned()
                .fold(f64::NEG_INFINITY, f64::max);
            let pad = 0.05 * (hi - lo).max(1e-12);
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{site}: {ylabel}"), ("sans-serif", 16))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(60)
                .build_cartesian_2d(0.0..30.0, (lo - pad)..(hi + pad))?;
            chart.configure_mesh().x_desc("t (ms)").draw()?;
            for (j, &i) in idx.iter().enumerate() {
                let color = Palette99::pick(j).to_rgba();
                let series = rec.times.iter().cloned().zip(rec.traces[i].iter().cloned());
                chart
                    .draw_series(LineSeries::new(series, color.stroke_width(2)))?
                    .label(names[i].clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                    });
            }
            if idx.len() > 1 {
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()?;
            }
        }
    }
    root.present()?;
    println!(
        "wrote {} and {}",
        png.display(),
        out.join("hh_axon_gradients.csv").display()
    );
    Ok(())
}
