//! Discretisation policies and regions.

use gradmod_runtime::{Cell, Morphology, Region, SectionId, Settings, read_swc};
use gradmod_testkit::reference_path;

fn c4a() -> Morphology {
    read_swc(&std::fs::read_to_string(reference_path("C4A.swc")).unwrap()).unwrap()
}

/// Totals from NEURON 9.0.2 on the same Import3d sections with Ra 100, cm 1:
/// nseg = int((L/(d_lambda·lambda_f(100))+0.999)/2)·2+1 summed over sections.
#[test]
fn d_lambda_rule_matches_neuron() {
    for (d_lambda, total, first) in [
        (0.1, 118, [1, 1, 1, 1, 1, 1, 1, 1]),
        (0.01, 634, [3, 1, 1, 3, 3, 1, 1, 1]),
        (0.001, 5690, [15, 3, 1, 21, 23, 1, 3, 11]),
    ] {
        let mut m = c4a();
        m.set_nseg_d_lambda(d_lambda, 100.0, |_| 100.0, |_| 1.0);
        let got: usize = m.sections().iter().map(|s| s.nseg).sum();
        assert_eq!(got, total, "d_lambda {d_lambda}");
        // NEURON's order is soma[0..16] then dend[..]; our first sections are soma[0], soma[1], ...
        let names: Vec<String> = (0..8).map(|i| format!("soma[{i}]")).collect();
        let firsts: Vec<usize> = names
            .iter()
            .map(|n| m.sections()[m.find(n).unwrap().0].nseg)
            .collect();
        assert_eq!(firsts, first, "d_lambda {d_lambda}");
    }
}

#[test]
fn max_length_policy_bounds_segments() {
    let mut m = c4a();
    m.set_max_segment_length(5.0);
    for s in m.sections() {
        assert!(s.length() / s.nseg as f64 <= 5.0 + 1e-12);
        assert!(s.nseg == 1 || s.length() / ((s.nseg - 1) as f64) > 5.0);
    }
}

#[test]
fn areas_sum_to_the_membrane_area() {
    let mut m = c4a();
    for i in 0..m.sections().len() {
        let n = m.sections()[i].points.len() - 1;
        m.section_mut(SectionId(i)).nseg = n;
    }
    let cell = Cell::new(m, Settings::default()).unwrap();
    let total: f64 = cell.layout().area.iter().sum();
    // The reference README: total membrane area 5146.691 µm².
    assert!((total - 5146.691).abs() < 1e-3, "{total}");
}

#[test]
fn regions_select_by_tag_name_and_distance() {
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 10.0, 10.0, None, 1).unwrap();
    let d = m
        .add_cylinder("dend", 3, 100.0, 1.0, Some((soma, 1.0)), 10)
        .unwrap();
    m.add_cylinder("tuft", 4, 50.0, 1.0, Some((d, 1.0)), 5)
        .unwrap();
    let cell = Cell::new(m, Settings::default()).unwrap();
    assert_eq!(cell.cvs_in(&Region::Tag(3)).unwrap().len(), 10);
    assert_eq!(cell.cvs_in(&Region::section("tuft")).unwrap().len(), 5);
    assert_eq!(cell.cvs_in(&Region::All).unwrap().len(), 16);
    // Segment centres of dend lie at 10 + 5, 15, ..., 105 µm from the root's 0-end.
    let near = Region::Distance {
        min: 0.0,
        max: 50.0,
    };
    assert_eq!(cell.cvs_in(&near).unwrap().len(), 1 + 4);
    let both = Region::Union(vec![Region::Tag(1), Region::Tag(4)]);
    assert_eq!(cell.cvs_in(&both).unwrap().len(), 6);
    let far_dend = Region::Intersection(vec![
        Region::Tag(3),
        Region::Distance {
            min: 60.0,
            max: 1e9,
        },
    ]);
    assert_eq!(cell.cvs_in(&far_dend).unwrap().len(), 5);
    assert!(cell.cvs_in(&Region::section("nope")).is_err());
}

#[test]
fn path_distances_and_distance_regions() {
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 10.0, 10.0, None, 1).unwrap();
    let a = m
        .add_cylinder("a", 3, 100.0, 1.0, Some((soma, 1.0)), 10)
        .unwrap();
    let b = m
        .add_cylinder("b", 3, 50.0, 1.0, Some((soma, 0.0)), 5)
        .unwrap();
    let c = m
        .add_cylinder("c", 3, 40.0, 1.0, Some((a, 0.5)), 4)
        .unwrap();
    // Siblings through the soma: 0.5·100 + 10 + 0.2·50.
    assert!((m.path_distance((a, 0.5), (b, 0.2)) - 70.0).abs() < 1e-12);
    // A child attached mid-parent: 0.25·40 + |0.5 − 0.9|·100.
    assert!((m.path_distance((c, 0.25), (a, 0.9)) - 50.0).abs() < 1e-12);
    assert!((m.path_distance((c, 1.0), (c, 0.5)) - 20.0).abs() < 1e-12);
    let cell = Cell::new(m, Settings::default()).unwrap();
    let near_soma = Region::DistanceFrom {
        section: "soma".into(),
        x: 0.5,
        min: 0.0,
        max: 20.0,
    };
    // soma (0), a's first two segment centres (10, 20), b's first two (10, 20).
    assert_eq!(cell.cvs_in(&near_soma).unwrap().len(), 5);
    let bad = Region::DistanceFrom {
        section: "nope".into(),
        x: 0.5,
        min: 0.0,
        max: 1.0,
    };
    assert!(cell.cvs_in(&bad).is_err());
}
