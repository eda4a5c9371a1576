//! Spike trains from vectors: every VecStim and VecEvent file of the corpus that gradmod accepts
//! plays a vector of spike times given by the model file (`[[vector]]`) into an ExpSyn on an hh
//! soma, and gives NEURON's trace (tests/reference/vecstim.py, which runs NEURON's own
//! vecevent.mod) and NEURON's spike times; the tangent with respect to the connection's weight
//! equals central differences; a point process without its vector is refused by name.

use std::path::{Path, PathBuf};

use gradmod_runtime::{Cell, Morphology, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

const DATA: &str = "tests/reference/data/vecstim";

/// The path of the corpus's copy of NEURON's vecevent.mod in the model file.
const MODEL_PATH: &str = "../../../corpus/files/hnn_core__hnn_core_mod_vecevent.mod";

/// The VecStim and VecEvent files of the corpus gradmod accepts, with their mechanism's name.
const FILES: &[(&str, &str)] = &[
    ("hnn_core__hnn_core_mod_vecevent.mod", "VecStim"),
    ("neurodamus__neurodamus_data_mod_vecevent.mod", "VecStim"),
    (
        "snudda__snudda_data_neurons_mechanisms_vecevent.mod",
        "VecStim",
    ),
    (
        "snudda__snudda_data_neurons_mechanisms.OLD_vecevent.mod",
        "VecStim",
    ),
    (
        "dendrotweaks__dendrotweaks_biophys_default_mod_vecstim.mod",
        "VecStim",
    ),
    ("pynn__pyNN_neuron_nmodl_vecstim.mod", "VecStim"),
    (
        "nrn_patch__patch_extensions_mod_VecStim.mod",
        "glia__patch_extensions__VecStim__0",
    ),
];

fn corpus_file(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/files")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        println!("note: the corpus has not been fetched (tests/corpus/fetch.sh); skipped");
        None
    }
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DATA).join(name)
}

/// The model file with `file` (mechanism `mech`) in place of NEURON's vecevent.mod.
fn model_text(file: &Path, mech: &str) -> String {
    std::fs::read_to_string(data("vecstim.toml"))
        .unwrap()
        .replace(MODEL_PATH, file.to_str().unwrap())
        .replace("name = \"VecStim\"", &format!("name = \"{mech}\""))
}

/// Each accepted VecStim file, given NEURON's spike times by the model file, drives the synapse
/// as NEURON's VecStim does: v, m, h, n and g equal NEURON's trace.
#[test]
fn every_vecstim_file_drives_a_synapse_as_in_neuron() {
    let neuron = crate::models::csv_columns(&data("vecstim.csv"));
    for &(name, mech) in FILES {
        let Some(file) = corpus_file(name) else {
            return;
        };
        let out = crate::models::run_model_text(&model_text(&file, mech), &[], "vecstim-trace");
        let ours = crate::models::csv_columns(&out.join("traces.csv"));
        for c in ["v", "m", "h", "n", "g"] {
            let d = crate::models::max_abs_diff(&ours[c], &neuron[c]);
            println!("{name}: max |{c} - NEURON| {d:.1e}");
            assert!(d < 1e-9, "{name}: {c} differs from NEURON by {d:e}");
        }
    }
}

/// The tangent of v with respect to the connection's weight equals a central difference of two
/// runs (the spike times are data: they do not move with the weight).
#[test]
fn the_weight_tangent_through_a_vecstim_equals_central_differences() {
    let Some(file) = corpus_file(FILES[0].0) else {
        return;
    };
    let text = model_text(&file, FILES[0].1);
    let base = crate::models::run_model_text(&text, &[], "vecstim-base");
    let tangent = &crate::models::csv_columns(&base.join("tangents.csv"))["d(v)/d(input.weight)"];
    let h = 0.004 * 1e-6;
    let moved = |w: f64, tag: &str| {
        let t = text.replace("weight = 0.004", &format!("weight = {w:?}"));
        crate::models::csv_columns(&crate::models::run_model_text(&t, &[], tag).join("traces.csv"))
            ["v"]
            .clone()
    };
    let (plus, minus) = (
        moved(0.004 + h, "vecstim-plus"),
        moved(0.004 - h, "vecstim-minus"),
    );
    let (scale, err) = gradmod_testkit::fd::deviation(tangent, &plus, &minus, h);
    println!("vecstim: d(v)/d(input.weight) up to {scale:.3e}, error {err:.1e}");
    assert!(scale > 1.0 && err <= 1e-6 * scale, "{err:e} of {scale:e}");
}

/// The spike times of the VecStim are NEURON's, on both engines, bit for bit between them.
#[test]
fn vecstim_spike_times_are_neurons_on_both_engines() {
    let Some(file) = corpus_file(FILES[0].0) else {
        return;
    };
    let text = std::fs::read_to_string(data("spikes.csv")).unwrap();
    let expected: Vec<f64> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(_, t)| t.parse().unwrap())
        .collect();
    let times = vec![3.0, 10.5, 10.51, 24.0, 24.8, 41.3, 60.0, 95.0];
    let mut runs = Vec::new();
    for choice in [EngineChoice::Jit, EngineChoice::Evaluator] {
        let cat = Catalogue::load_with(&[&file], choice).unwrap();
        let mut m = Morphology::new();
        m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
        let mut cell = Cell::new(m, Settings::default()).unwrap();
        cell.set_cm(&Region::All, 1.0).unwrap();
        let id = cell
            .place(cat.make("VecStim").unwrap(), &[("soma", 0.5)])
            .unwrap();
        // Without its vector the instance is refused, by name, before anything runs.
        let err = cell.init().unwrap_err().to_string();
        assert!(
            err.contains("instance 0 of `VecStim` has no vector"),
            "{err}"
        );
        cell.set_vector(id, 0, times.clone()).unwrap();
        let source = cell.event_source(id, 0).unwrap();
        cell.init().unwrap();
        for _ in 0..3200 {
            cell.step().unwrap();
        }
        let spikes: Vec<f64> = cell
            .take_spikes()
            .into_iter()
            .filter(|s| s.detector == source)
            .map(|s| s.time)
            .collect();
        println!("{choice:?}: spikes {spikes:?}, NEURON {expected:?}");
        assert_eq!(spikes.len(), expected.len(), "{spikes:?}");
        for (a, b) in spikes.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-12, "{a} vs NEURON's {b}");
        }
        runs.push(spikes);
    }
    assert_eq!(runs[0], runs[1], "the JIT and the evaluator differ");
}

/// A model that places a VecStim but gives it no `[[vector]]` is refused, naming the point
/// process and the section to add.
#[test]
fn a_vecstim_without_its_vector_is_refused_by_name() {
    let Some(file) = corpus_file(FILES[0].0) else {
        return;
    };
    let text =
        model_text(&file, FILES[0].1).replace("[[vector]]\npoint_process = \"stim\"\n", "[[x]]\n");
    let text = text.replace(
        "[[x]]\nvalues = [3.0, 10.5, 10.51, 24.0, 24.8, 41.3, 60.0, 95.0]\n",
        "",
    );
    let model = std::env::temp_dir().join(format!(
        "gradmod-vecstim-missing-{}.toml",
        std::process::id()
    ));
    std::fs::write(&model, &text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args(["run", model.to_str().unwrap(), "--no-plot", "--out"])
        .arg(std::env::temp_dir().join(format!("gradmod-vecstim-missing-{}", std::process::id())))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("`stim` (VecStim) reads a vector"), "{err}");
    assert!(err.contains("[[vector]]"), "{err}");
}
