//! Tangents of the generated mechanisms against central finite differences of two full
//! simulations: every tangent trace dV/dθ must equal (V(θ + h) − V(θ − h)) / 2h to a relative
//! error below 1e-6 of the trace's maximum. Model A with the generated `hh` (gnabar, gkbar, gl,
//! el, and the runtime's cm, Ra and IClamp amplitude), a branched cell with `hh` and `pas`, and
//! model A with the calcium-dependent `kca` and calcium accumulation `cad` added.

// The runtime's hand-written test mechanisms index parallel arrays by range.

use crate::models::fd::{check, run};
use crate::models::{generated, model_a, model_a_probes};
use gradmod_runtime::{Cell, ClampId, Morphology, ParamSpec, Region, Settings};
use gradmod_testkit::hh;

fn model_a_specs() -> Vec<ParamSpec> {
    vec![
        ParamSpec::mechanism("hh", "gnabar"),
        ParamSpec::mechanism("hh", "gkbar"),
        ParamSpec::mechanism("hh", "gl"),
        ParamSpec::mechanism("hh", "el"),
        ParamSpec::cm(),
        ParamSpec::ra(),
        ParamSpec::iclamp_amp(ClampId(0)),
    ]
}

#[test]
fn model_a_tangents_of_generated_hh_match_finite_differences() {
    let build = || model_a(0.5, generated("hh"));
    let (s, a) = model_a_probes(&build());
    check(&build, &model_a_specs(), &[s, a], 30.0, &[1e-5; 7], 1e-6);
}

#[test]
fn model_a_tangents_of_generated_hh_equal_the_hand_written_ones() {
    let ours = || model_a(0.5, generated("hh"));
    let theirs = || model_a(0.5, Box::new(hh::Hh::new()));
    let (s, a) = model_a_probes(&ours());
    let specs = model_a_specs();
    let (x, _) = run(&ours, &specs, &[s, a], None, 30.0, 1);
    let (y, _) = run(&theirs, &specs, &[s, a], None, 30.0, 1);
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        let scale = q.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let d = crate::models::max_abs_diff(p, q);
        println!("trace {i}: max |Δ| {d:e} of max {scale:e}");
        assert!(d <= 1e-9 * scale.max(1.0), "trace {i} differs by {d:e}");
    }
}

#[test]
fn branched_cell_tangents_of_generated_hh_and_pas_match_finite_differences() {
    let build = || {
        let mut m = Morphology::new();
        let soma = m.add_cylinder("soma", 1, 15.0, 15.0, None, 1).unwrap();
        let d1 = m
            .add_frustum("dend1", 3, 150.0, 3.0, 1.0, Some((soma, 1.0)), 5)
            .unwrap();
        m.add_cylinder("dend1a", 3, 80.0, 0.8, Some((d1, 1.0)), 3)
            .unwrap();
        m.add_cylinder("axon", 2, 200.0, 1.0, Some((soma, 0.0)), 6)
            .unwrap();
        let mut cell = Cell::new(m, Settings::default()).unwrap();
        let hh = cell.insert(generated("hh"), &Region::All).unwrap();
        cell.set_field(hh, "gnabar", &Region::Tag(3), 0.06).unwrap();
        let pas = cell.insert(generated("pas"), &Region::Tag(3)).unwrap();
        cell.set_field(pas, "g", &Region::All, 2e-4).unwrap();
        cell.set_field(pas, "e", &Region::All, -65.0).unwrap();
        cell.add_iclamp("soma", 0.5, 2.0, 1.0, 0.3).unwrap();
        cell
    };
    let cell = build();
    let cvs = [
        cell.cv_at("soma", 0.5).unwrap(),
        cell.cv_at("dend1a", 0.9).unwrap(),
    ];
    let specs = vec![
        ParamSpec::mechanism("hh", "gnabar").in_region(Region::Tag(3)),
        ParamSpec::mechanism("hh", "gkbar").log_scaled(),
        ParamSpec::mechanism("pas", "g"),
        ParamSpec::mechanism("pas", "e"),
    ];
    check(&build, &specs, &cvs, 20.0, &[1e-5; 4], 1e-6);
}

/// Model A with the generated calcium accumulation `cad` and calcium-dependent `kca` everywhere.
fn model_a_with_calcium() -> Cell {
    let mut cell = model_a(0.5, generated("hh"));
    cell.insert(generated("cad"), &Region::All).unwrap();
    let kca = cell.insert(generated("kca"), &Region::All).unwrap();
    cell.set_field(kca, "gkbar", &Region::All, 0.002).unwrap();
    cell
}

#[test]
fn calcium_dependent_potassium_tangents_match_finite_differences() {
    let build = model_a_with_calcium;
    let (s, a) = model_a_probes(&build());
    let specs = vec![
        ParamSpec::mechanism("kca", "gkbar"),
        ParamSpec::mechanism("cad", "cainf"),
        ParamSpec::mechanism("hh", "gkbar"),
    ];
    check(&build, &specs, &[s, a], 30.0, &[1e-3, 1e-3, 1e-5], 1e-6);
}

/// Model A with a generated ExpSyn (a point process with NET_RECEIVE) on the axon receiving two
/// events: the synapse's tau and e, and hh's gkbar.
#[test]
fn synapse_tangents_match_finite_differences() {
    let build = || {
        let mut cell = model_a(0.0, generated("hh"));
        let syn = cell.place(generated("ExpSyn"), &[("axon", 0.3)]).unwrap();
        cell.set_field(syn, "tau", &Region::All, 3.0).unwrap();
        cell.schedule(2.0, syn, 0, 0.002).unwrap();
        cell.schedule(4.0, syn, 0, 0.004).unwrap();
        cell
    };
    let (s, a) = model_a_probes(&build());
    let specs = vec![
        ParamSpec::mechanism("ExpSyn", "tau"),
        ParamSpec::mechanism("ExpSyn", "e"),
        ParamSpec::mechanism("hh", "gkbar"),
    ];
    check(&build, &specs, &[s, a], 20.0, &[1e-5; 3], 1e-6);
}

/// The generated electrode-current clamp's tangent with respect to its amplitude equals the
/// runtime's hand-written IClamp amplitude tangent, and the awkwardly named leak's tangents match
/// finite differences.
#[test]
fn electrode_current_and_keyword_named_tangents() {
    let ours = || {
        let mut cell = model_a(0.0, generated("hh"));
        let clamp = cell.place(generated("Clamp"), &[("soma", 0.5)]).unwrap();
        cell.set_field(clamp, "del", &Region::All, 10.0).unwrap();
        cell.set_field(clamp, "dur", &Region::All, 1.0).unwrap();
        cell.set_field(clamp, "amp", &Region::All, 0.5).unwrap();
        cell.insert(generated("type"), &Region::All).unwrap();
        cell
    };
    let theirs = || {
        let mut cell = model_a(0.5, generated("hh"));
        cell.insert(generated("type"), &Region::All).unwrap();
        cell
    };
    let (s, a) = model_a_probes(&ours());
    let (x, _) = run(
        &ours,
        &[ParamSpec::mechanism("Clamp", "amp")],
        &[s, a],
        None,
        30.0,
        1,
    );
    let (y, _) = run(
        &theirs,
        &[ParamSpec::iclamp_amp(ClampId(0))],
        &[s, a],
        None,
        30.0,
        1,
    );
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        let scale = q.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let d = crate::models::max_abs_diff(p, q);
        println!("clamp trace {i}: max |Δ| {d:e} of max {scale:e}");
        assert!(d <= 1e-9 * scale.max(1.0), "trace {i} differs by {d:e}");
    }
    let specs = vec![
        ParamSpec::mechanism("type", "match"),
        ParamSpec::mechanism("type", "k"),
        ParamSpec::mechanism("type", "j"),
    ];
    check(&ours, &specs, &[s, a], 30.0, &[1e-5; 3], 1e-6);
}

/// With tangents, the fused kernels (`currents_tangent` also accumulates the currents,
/// `states_tangent` also advances the states) compute the voltage with the same bits as the
/// kernels without tangents: model A with hh, cad and kca (an ion current read by another
/// mechanism), with seven parameters and with none.
#[test]
fn tangents_leave_the_voltage_bit_for_bit_unchanged() {
    let build = model_a_with_calcium;
    let (s, a) = model_a_probes(&build());
    let mut specs = model_a_specs();
    specs.push(ParamSpec::mechanism("cad", "cainf"));
    let k = specs.len();
    let (with, _) = run(&build, &specs, &[s, a], None, 30.0, 1);
    let (without, _) = run(&build, &[], &[s, a], None, 30.0, 1);
    for (cv, (v_with, v_without)) in [(&with[0], &without[0]), (&with[1 + k], &without[1])]
        .into_iter()
        .enumerate()
    {
        assert_eq!(v_with.len(), v_without.len());
        let first = v_with
            .iter()
            .zip(v_without)
            .position(|(x, y)| x.to_bits() != y.to_bits());
        assert!(
            first.is_none(),
            "probe {cv}: the traces part at sample {first:?}"
        );
    }
}

/// The tangent columns of an ion current that no mechanism reads are not kept (hh's sodium and
/// potassium currents, and kca's potassium current), while those of a current a mechanism reads
/// are (cad reads `ica`). The calcium test above checks these tangents against finite
/// differences, and `vm_equivalence` the engines against each other with such columns left out.
#[test]
fn only_ion_current_tangents_that_a_mechanism_reads_are_kept() {
    let mut cell = model_a_with_calcium();
    let specs = model_a_specs();
    for s in &specs {
        cell.add_parameter(s.clone()).unwrap();
    }
    cell.run(0.5, None).unwrap();
    let ions = cell.ions();
    let column = |name: &str| {
        let i = ions.species.iter().position(|s| s.name == name).unwrap();
        ions.tangents[i].current.len()
    };
    assert_eq!(column("na"), 0);
    assert_eq!(column("k"), 0);
    assert_eq!(column("ca"), specs.len() * cell.cv_count());
}
