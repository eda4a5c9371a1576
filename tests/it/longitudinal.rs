//! LONGITUDINAL_DIFFUSION (runtime/src/longitudinal.rs) on the branched cable of
//! tests/reference/ldiff/ldiff.toml: the calcium shells and the second species of
//! tests/mechanisms/ldifca.mod spread along the soma, the dendrite and both branches as in
//! NEURON 9 (tests/reference/data/ldiff, made by tests/reference/ldiff/neuron_ldiff.py), the
//! build-time path and both engines of the run-time path give the same bits, and the tangents
//! with respect to the diffusion constants (which move the diffusion's matrix) and the calcium
//! conductance (which moves only what diffuses) equal central finite differences.

use std::path::{Path, PathBuf};

use crate::models::{csv_column, generated, simulate_model_file, test_mechanisms};
use gradmod_runtime::mechanism::Mechanism;
use gradmod_runtime::{Cell, Morphology, ParamSpec, Probe, Recorder, Region, Settings};
use gradmod_vm::{Catalogue, EngineChoice};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn model_file() -> PathBuf {
    root().join("tests/reference/ldiff/ldiff.toml")
}

/// The largest relative difference of every probe from NEURON's column of the same name in
/// `csv` (concentrations relative to their size, v in mV).
fn against_neuron(overrides: &[String], csv: &str) -> Vec<(String, f64)> {
    let traces = simulate_model_file(&model_file(), overrides);
    let path = root().join("tests/reference/data/ldiff").join(csv);
    let header = std::fs::read_to_string(&path).unwrap();
    let columns: Vec<&str> = header.lines().next().unwrap().split(',').collect();
    traces
        .names
        .iter()
        .zip(&traces.values)
        .map(|(name, got)| {
            let j = columns.iter().position(|c| c == name).unwrap();
            let want = csv_column(&path, j);
            assert_eq!(got.len(), want.len(), "{name}: samples");
            let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let d = crate::models::max_abs_diff(got, &want) / scale;
            (name.clone(), d)
        })
        .collect()
}

#[test]
fn diffusion_along_a_branched_cable_gives_neurons_traces() {
    for (name, d) in against_neuron(&[], "ldiff.csv") {
        println!("{name}: max relative difference from NEURON {d:.1e}");
        assert!(d < 1e-10, "{name} differs from NEURON by {d:e} (relative)");
    }
}

#[test]
fn a_faster_diffusion_of_b_gives_neurons_traces() {
    for (name, d) in against_neuron(&["ldifca.Dfb=3".into()], "ldiff_Dfb.csv") {
        println!("{name} (Dfb = 3): max relative difference from NEURON {d:.1e}");
        assert!(d < 1e-10, "{name} differs from NEURON by {d:e} (relative)");
    }
}

#[test]
fn tangents_equal_central_differences() {
    let base = simulate_model_file(&model_file(), &[]);
    // The relative steps: Dfb moves the concentrations little, and a smaller step would leave
    // its central differences to rounding.
    let params = [
        ("ldifca.Dfb", 0.3, 1e-2),
        ("ldifca.DFree", 0.6, 1e-4),
        ("caleak.gca", 1e-4, 1e-4),
    ];
    assert_eq!(base.parameters.len(), params.len());
    for (k, (key, theta, step)) in params.into_iter().enumerate() {
        let h = step * theta;
        let plus = simulate_model_file(&model_file(), &[format!("{key}={}", theta + h)]);
        let minus = simulate_model_file(&model_file(), &[format!("{key}={}", theta - h)]);
        // Per probe: the tangent, the central difference and its largest magnitude.
        let columns: Vec<(&String, &Vec<f64>, Vec<f64>, f64)> = base
            .with_tangents
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let fd: Vec<f64> = plus.values[p]
                    .iter()
                    .zip(&minus.values[p])
                    .map(|(a, b)| (a - b) / (2.0 * h))
                    .collect();
                let scale = fd.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                (&base.names[p], &base.tangents[i][k], fd, scale)
            })
            .collect();
        // Concentrations a parameter barely moves (b far from the calcium, by Dfb) have
        // central differences at the level of rounding: the tolerance has a floor at 1e-7 of
        // the largest concentration tangent.
        let floor = 1e-7
            * columns
                .iter()
                .filter(|c| c.0 != "v_soma")
                .fold(0.0f64, |m, c| m.max(c.3));
        for (name, tangent, fd, scale) in &columns {
            let worst = crate::models::max_abs_diff(tangent, fd);
            println!("d{name}/d{key}: max |tangent - FD| {worst:.1e} of {scale:.1e}");
            assert!(
                worst <= 1e-6 * scale + floor,
                "d{name}/d{key}: {worst:e} of {scale:e}"
            );
        }
        // Every parameter moves b somewhere.
        let moved = columns
            .iter()
            .any(|c| c.0.starts_with("b_") && c.1.iter().any(|&x| x != 0.0));
        assert!(moved, "{key} moves no tangent of b");
    }
}

/// The branched cell of ldiff.toml built directly, with `ldifca` and `caleak` as given, every
/// field of every `ldifca` instance and every state tangent recorded every step.
fn branched(ldifca: Box<dyn Mechanism>, caleak: Box<dyn Mechanism>) -> Vec<Vec<f64>> {
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 20.0, 10.0, None, 1).unwrap();
    let dend = m
        .add_cylinder("dend", 3, 100.0, 2.0, Some((soma, 1.0)), 5)
        .unwrap();
    m.add_cylinder("b1", 3, 50.0, 1.0, Some((dend, 1.0)), 3)
        .unwrap();
    m.add_cylinder("b2", 3, 60.0, 1.5, Some((dend, 1.0)), 3)
        .unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(generated("pas"), &Region::All).unwrap();
    let info = ldifca.info();
    let id = cell.insert(ldifca, &Region::All).unwrap();
    let sections = Region::Sections(vec!["soma".into(), "b1".into()]);
    cell.insert(caleak, &sections).unwrap();
    cell.add_iclamp("soma", 0.5, 2.0, 5.0, 0.2).unwrap();
    let params = crate::models::parameter_names(info);
    for p in &params {
        cell.add_parameter(ParamSpec::mechanism("ldifca", p))
            .unwrap();
    }
    let n = cell.mechanism(id).instance_count();
    assert_eq!(n, 12);
    let mut probes = vec![Probe::Voltage { cv: 0 }];
    for instance in 0..n {
        probes.extend((0..info.fields.len()).map(|field| Probe::Field {
            mech: id,
            field,
            instance,
        }));
        for state in 0..info.sigma_rows() {
            probes.extend((0..params.len()).map(|k| Probe::StateTangent {
                mech: id,
                state,
                k,
                instance,
            }));
        }
    }
    let mut rec = Recorder::new(probes, 1);
    cell.run(20.0, Some(&mut rec)).unwrap();
    rec.traces
}

#[test]
fn the_engines_agree_to_the_bit_on_a_branched_cable() {
    let want = branched(
        test_mechanisms::by_name("ldifca").unwrap(),
        test_mechanisms::by_name("caleak").unwrap(),
    );
    // The diffusion ran: b, made only from calcium, differs along the cable.
    assert!(want.iter().flatten().all(|x| x.is_finite()));
    let dir = root().join("tests/mechanisms");
    let files: Vec<PathBuf> = ["ldifca.mod", "caleak.mod"]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    for engine in [EngineChoice::Jit, EngineChoice::Evaluator] {
        let vm = Catalogue::load_with(&files, engine).unwrap_or_else(|e| panic!("{e}"));
        let got = branched(vm.make("ldifca").unwrap(), vm.make("caleak").unwrap());
        let same = want
            .iter()
            .flatten()
            .zip(got.iter().flatten())
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "{engine:?} differs from the build-time path");
    }
}

#[test]
fn a_coefficient_that_changes_during_a_run_is_rejected() {
    let text = std::fs::read_to_string(root().join("tests/mechanisms/ldifca.mod")).unwrap();
    let text = text.replace("Dfb * diam {b}", "Dfb * ca[1] {b}");
    let dir = std::env::temp_dir().join(format!("gradmod-ldiff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ldifca.mod");
    std::fs::write(&path, text).unwrap();
    let Err(err) = Catalogue::load_with(&[Path::new(&path)], EngineChoice::Evaluator) else {
        panic!("a coefficient that reads a STATE is rejected");
    };
    let err = err.to_string();
    assert!(
        err.contains("ca[1]") && err.contains("LONGITUDINAL_DIFFUSION"),
        "{err}"
    );
    assert!(err.contains("ldifca.mod:"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
