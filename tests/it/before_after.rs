//! BEFORE and AFTER blocks against NEURON 9.0.2: hnn-core's dipole (AFTER SOLVE and AFTER
//! INITIAL, adding into POINTERs) and Dipole (BEFORE INITIAL and BEFORE BREAKPOINT resetting its
//! sum) on a soma with hh and a five-segment dendrite (tests/reference/before_after.py): every
//! dipole instance of a section adds its Q into the Qsum of the section's Dipole, and every
//! instance into one shared Qtotal, one instance after the other. On the build-time path and on
//! both run-time engines; the tangents of the sums against central differences.

use std::path::Path;

use crate::models::generated;
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, MechId, Morphology, ParamSpec, PointerSource, Region, Settings};
use gradmod_testkit::Csv;
use gradmod_vm::{Catalogue, EngineChoice};

/// ri and ztan of an instance at position x of section `si` (0 soma, 1 dend), as the
/// reference script sets them.
fn ri(si: usize, x: f64) -> f64 {
    0.5 + si as f64 + 0.3 * x
}

fn ztan(si: usize, x: f64) -> f64 {
    10.0 + 40.0 * si as f64 + 25.0 * x
}

/// The cell of the reference, with its mechanisms from `make`: the ids of dipole, Dipole (two
/// instances: soma(1), dend(1)) and QSink, and the CV of the soma's middle.
fn build(make: &dyn Fn(&str) -> Box<dyn Mechanism>) -> (Cell, [MechId; 3], usize) {
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    m.add_cylinder("dend", 3, 200.0, 2.0, Some((soma, 1.0)), 5)
        .unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(make("hh"), &Region::Sections(vec!["soma".into()]))
        .unwrap();
    let pas = cell
        .insert(make("pas"), &Region::Sections(vec!["dend".into()]))
        .unwrap();
    cell.field_mut(pas, "g").unwrap().fill(1e-4);
    cell.field_mut(pas, "e").unwrap().fill(-65.0);
    let dip = cell.insert(make("dipole"), &Region::All).unwrap();
    let sink = cell.place(make("QSink"), &[("soma", 0.5)]).unwrap();
    let dpp = cell
        .place(make("Dipole"), &[("soma", 1.0), ("dend", 1.0)])
        .unwrap();
    let qsum = cell.field_index(dpp, "Qsum").unwrap();
    let q = cell.field_index(sink, "Q").unwrap();
    let field = |id: MechId, f: &str, j: usize| (id, f.to_string(), j);
    let mut sets = Vec::new();
    for (si, (sec, nseg)) in [("soma", 1usize), ("dend", 5)].into_iter().enumerate() {
        let mid = cell.cv_at(sec, 0.5).unwrap();
        sets.push((field(dpp, "ri", si), ri(si, 1.0)));
        sets.push((field(dpp, "ztan", si), ztan(si, 1.0)));
        cell.bind_pointer(dpp, si, "pv", PointerSource::Cv(mid))
            .unwrap();
        cell.bind_pointer(dpp, si, "Qtotal", field_source(sink, q, 0))
            .unwrap();
        for i in 0..nseg {
            let x = (i as f64 + 0.5) / nseg as f64;
            let cv = cell.cv_at(sec, x).unwrap();
            let j = cell
                .mechanism(dip)
                .nodes()
                .iter()
                .position(|&n| n == cv)
                .unwrap();
            let before = if i == 0 {
                0.0
            } else {
                (i as f64 - 0.5) / nseg as f64
            };
            let before = cell.cv_at(sec, before).unwrap();
            sets.push((field(dip, "ri", j), ri(si, x)));
            sets.push((field(dip, "ztan", j), ztan(si, x)));
            cell.bind_pointer(dip, j, "pv", PointerSource::Cv(before))
                .unwrap();
            cell.bind_pointer(dip, j, "Qsum", field_source(dpp, qsum, si))
                .unwrap();
            cell.bind_pointer(dip, j, "Qtotal", field_source(sink, q, 0))
                .unwrap();
        }
    }
    for ((id, f, j), value) in sets {
        cell.field_mut(id, &f).unwrap()[j] = value;
    }
    cell.add_iclamp("soma", 0.5, 1.0, 3.0, 0.3).unwrap();
    let mid = cell.cv_at("soma", 0.5).unwrap();
    (cell, [dip, dpp, sink], mid)
}

fn field_source(mech: MechId, field: usize, instance: usize) -> PointerSource {
    PointerSource::Field {
        mech,
        field,
        instance,
    }
}

/// Per sample (every 4th step of 400): v at the soma's middle, the two Qsums, Qtotal and the Q
/// of the dipole at dend(0.7).
fn trace(cell: &mut Cell, ids: [MechId; 3], mid: usize) -> Vec<[f64; 5]> {
    let [dip, dpp, sink] = ids;
    let q07 = {
        let cv = cell.cv_at("dend", 0.7).unwrap();
        let nodes = cell.mechanism(dip).nodes();
        nodes.iter().position(|&n| n == cv).unwrap()
    };
    let sample = |cell: &Cell| {
        let qsum = cell.field(dpp, "Qsum").unwrap();
        [
            cell.v()[mid],
            qsum[0],
            qsum[1],
            cell.field(sink, "Q").unwrap()[0],
            cell.field(dip, "Q").unwrap()[q07],
        ]
    };
    cell.init().unwrap();
    let mut out = vec![sample(cell)];
    for step in 1..=400 {
        cell.step().unwrap();
        if step % 4 == 0 {
            out.push(sample(cell));
        }
    }
    out
}

/// The mechanisms of `tests/mechanisms` and `mod_files` compiled at run time by `engine`.
fn vm(engine: EngineChoice) -> Catalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<_> = ["dipole.mod", "dipole_pp.mod", "qsink.mod"]
        .iter()
        .map(|f| root.join("tests/mechanisms").join(f))
        .chain(
            ["hh.mod", "pas.mod"]
                .iter()
                .map(|f| root.join("mod_files").join(f)),
        )
        .collect();
    Catalogue::load_with(&files, engine).unwrap_or_else(|e| panic!("{e}"))
}

/// The largest difference of each column from NEURON's, relative to the column's largest value.
fn against_neuron(rows: &[[f64; 5]]) -> [f64; 5] {
    let csv = Csv::read("before_after/dipole.csv").expect("reference data");
    let names = ["v", "Qsum_soma", "Qsum_dend", "Qtotal", "Q_dend"];
    let mut out = [0.0; 5];
    for (c, name) in names.iter().enumerate() {
        let reference = csv.column(name);
        assert_eq!(reference.len(), rows.len());
        let scale = reference.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let diff = rows
            .iter()
            .zip(&reference)
            .map(|(r, n)| (r[c] - n).abs())
            .fold(0.0f64, f64::max);
        out[c] = diff / scale;

        println!("{name}: largest |x| {scale:.4e}, largest difference from NEURON {diff:.2e}");
    }
    out
}

#[test]
fn dipoles_sum_as_in_neuron() {
    let (mut cell, ids, mid) = build(&generated);
    let built = trace(&mut cell, ids, mid);
    let rel = against_neuron(&built);
    // v and every sum to rounding (measured: v 2.3e-11 mV, the sums 3.3e-13 of their largest
    // value): the sums add the instances' Q in NEURON's order of instances within a mechanism;
    // only the order of the two mechanisms' additions may differ, a difference of rounding.
    for (c, r) in rel.iter().enumerate() {
        assert!(*r < 1e-11, "column {c}: relative difference {r:e}");
    }
    // The run-time engines give the build-time path's numbers to the bit.
    for engine in [EngineChoice::Jit, EngineChoice::Evaluator] {
        let cat = vm(engine);
        let make = |name: &str| cat.make(name).unwrap_or_else(|| generated(name));
        let (mut cell, ids, mid) = build(&make);
        let rows = trace(&mut cell, ids, mid);
        for (a, b) in rows.iter().zip(&built) {
            for c in 0..5 {
                assert_eq!(a[c].to_bits(), b[c].to_bits(), "{engine:?}, column {c}");
            }
        }
    }
}

/// Qsum of the dend's Dipole, Qtotal and v at the soma after 300 steps, with their tangents
/// for hh.gnabar, pas.g and the clamp's amplitude.
fn sums_with_tangents(set: Option<(usize, f64)>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let (mut cell, [_, dpp, sink], mid) = build(&generated);
    let clamp = gradmod_runtime::ClampId(0);
    for spec in [
        ParamSpec::mechanism("hh", "gnabar"),
        ParamSpec::mechanism("pas", "g"),
        ParamSpec::iclamp_amp(clamp),
    ] {
        cell.add_parameter(spec).unwrap();
    }
    if let Some((k, x)) = set {
        cell.set_parameter(k, x).unwrap();
    }
    cell.init().unwrap();
    let mut values = Vec::new();
    let mut tangents = vec![Vec::new(); 3];
    for step in 1..=300 {
        cell.step().unwrap();
        if step % 10 != 0 {
            continue;
        }
        let m = cell.mechanism(dpp);
        let (rows, ni) = (m.carried_fields().len(), m.instance_count());
        let pos = m
            .carried_fields()
            .iter()
            .position(|&f| f == cell.field_index(dpp, "Qsum").unwrap())
            .expect("Qsum is carried");
        values.push(cell.field(dpp, "Qsum").unwrap()[1]);
        values.push(cell.field(sink, "Q").unwrap()[0]);
        values.push(cell.v()[mid]);
        for (k, t) in tangents.iter_mut().enumerate() {
            t.push(m.carried_tangents()[(k * rows + pos) * ni + 1]);
            t.push(cell.state_tangent(sink, "Q", k).unwrap()[0]);
            t.push(cell.tangent(k)[mid]);
        }
    }
    (values, tangents)
}

#[test]
fn dipole_tangents_equal_central_differences() {
    let (_, tangents) = sums_with_tangents(None);
    let theta = {
        let (mut cell, _, _) = build(&generated);
        cell.add_parameter(ParamSpec::mechanism("hh", "gnabar"))
            .unwrap();
        cell.add_parameter(ParamSpec::mechanism("pas", "g"))
            .unwrap();
        cell.add_parameter(ParamSpec::iclamp_amp(gradmod_runtime::ClampId(0)))
            .unwrap();
        [cell.parameter(0), cell.parameter(1), cell.parameter(2)]
    };
    for k in 0..3 {
        let h = 1e-5 * theta[k];
        let (plus, _) = sums_with_tangents(Some((k, theta[k] + h)));
        let (minus, _) = sums_with_tangents(Some((k, theta[k] - h)));
        for q in 0..3 {
            let tan: Vec<f64> = tangents[k].iter().skip(q).step_by(3).copied().collect();
            let p: Vec<f64> = plus.iter().skip(q).step_by(3).copied().collect();
            let m: Vec<f64> = minus.iter().skip(q).step_by(3).copied().collect();
            let (scale, err) = gradmod_testkit::fd::deviation(&tan, &p, &m, h);
            println!(
                "θ{k}, quantity {q}: max |tangent| {scale:.3e}, error {:.2e}",
                err / scale
            );
            // Measured: 2.1e-9 at most.
            assert!(
                scale > 0.0 && err / scale < 1e-7,
                "θ{k}, quantity {q}: {:e}",
                err / scale
            );
        }
    }
}

/// pyNN's gif.mod (from the corpus; skipped without it), whose AFTER SOLVE draws `rand` every
/// step, against NEURON (tests/reference/gif.py): with a threshold so low that the draws do not
/// decide the spikes, v equals NEURON's to rounding and the states, the refractory flag and so
/// every spike time exactly, on both engines; `rand` is a fresh draw in (0, 1) at every sample,
/// as NEURON's AFTER SOLVE makes one per step.
#[test]
fn gif_draws_every_step_and_spikes_as_in_neuron() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root
        .join("tests/corpus/files/pynn__pyNN_neuron_nmodl_gif.mod")
        .exists()
    {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
        return;
    }
    let dir = root.join("tests/reference/data/gif");
    let reference = dir.join("gif.csv");
    for engine in ["jit", "evaluator"] {
        let out = std::env::temp_dir().join(format!("gradmod-gif-{engine}-{}", std::process::id()));
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_gradmod"))
            .env("GRADMOD_ENGINE", engine)
            .args(["run", dir.join("gif.toml").to_str().unwrap()])
            .args(["--no-plot", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let traces = out.join("traces.csv");
        // Measured: v 7.1e-15 mV; eta1, gamma2 and isrefrac equal.
        for (j, (name, tol)) in [
            ("v", 1e-12),
            ("eta1", 0.0),
            ("gamma2", 0.0),
            ("isrefrac", 0.0),
        ]
        .iter()
        .enumerate()
        {
            let ours = crate::models::csv_column(&traces, j + 1);
            let theirs = crate::models::csv_column(&reference, j + 1);
            let d = crate::models::max_abs_diff(&ours, &theirs);
            println!("{engine}: {name} differs from NEURON's by {d:.2e}");
            assert!(d <= *tol, "{engine}: {name} differs by {d:e}");
        }
        let spikes = crate::models::csv_column(&reference, 4)
            .windows(2)
            .filter(|w| w[1] > w[0])
            .count();
        assert!(spikes >= 10, "{spikes} spikes");
        let rand = crate::models::csv_column(&traces, 5);
        assert!(rand.iter().all(|&r| r > 0.0 && r < 1.0));
        assert!(rand.windows(2).all(|w| w[0] != w[1]), "a draw every step");
        let _ = std::fs::remove_dir_all(&out);
    }
}
