//! The SWC reader against NEURON 9.0.2's Import3d on small files that exercise its rules: dendrites
//! off interior soma samples (x = 0.5, joined by wire), branched somata, single-sample branches,
//! branches off the root sample, tag changes and runs broken by id order. Expected values were printed
//! by NEURON (section, parent, parent x, number of 3-D points, membrane area with nseg = 1).

use gradmod_runtime::{Cell, Settings, read_swc};

const S1: &str = "1 1 0 0 0 3 -1
2 1 2 0 0 3.2 1
3 1 4 0 0 3.1 2
4 1 6 0 0 2.8 3
5 1 8 0 0 2.5 4
6 3 4 5 0 1 3
7 3 4 10 0 0.8 6
8 3 4 15 0 0.6 7
9 3 12 0 0 0.9 5
10 3 20 0 0 0.7 9
11 2 -3 0 0 0.5 1
12 2 -10 0 0 0.4 11
13 3 4 -5 0 1.1 3
";

const S1_NEURON: &[(&str, &str, f64, usize, f64)] = &[
    ("soma[0]", "", -1.0, 5, 149.94251151559195),
    ("axon[0]", "soma[0]", 0.0, 3, 29.218831301482428),
    ("dend[0]", "soma[0]", 0.5, 3, 50.30567951612654),
    ("dend[1]", "soma[0]", 1.0, 3, 62.84441597972165),
    ("dend[2]", "soma[0]", 0.5, 2, 34.557519938501784),
];

const S2: &str = "1 1 0 0 0 3 -1
2 1 2 0 0 3.2 1
3 1 4 0 0 3.1 2
4 1 6 1 0 2.8 3
5 1 8 2 0 2.5 4
6 1 6 -1 0 2.6 3
7 1 8 -2 0 2.2 6
8 3 4 5 0 1 3
9 3 4 10 0 0.8 8
10 3 4 -5 0 1.2 3
11 3 10 2 0 0.7 5
12 3 14 2 0 0.6 11
13 3 16 4 0 0.5 12
14 4 16 0 0 0.5 12
15 4 20 0 0 0.4 14
16 3 18 6 0 0.4 13
";

const S2_NEURON: &[(&str, &str, f64, usize, f64)] = &[
    ("soma[0]", "", -1.0, 3, 78.78355998979042),
    ("soma[1]", "soma[0]", 1.0, 3, 79.3828666410865),
    ("soma[2]", "soma[0]", 1.0, 3, 75.2846365395874),
    ("dend[0]", "soma[0]", 1.0, 2, 28.296944493567104),
    ("dend[1]", "soma[0]", 1.0, 2, 37.69911334110563),
    ("dend[2]", "soma[1]", 1.0, 3, 25.137845515756094),
    ("dend[3]", "dend[2]", 1.0, 2, 9.780449735026036),
    ("dend[4]", "dend[3]", 1.0, 2, 8.002186023415831),
    ("apic[0]", "dend[2]", 1.0, 3, 21.09371710212762),
];

const S3: &str = "1 1 0 0 0 3 -1
2 1 2 0 0 3 1
3 1 4 0 0 3 2
4 3 6 0 0 1 3
5 3 8 0 0 1 4
6 3 10 0 0 1 5
7 3 6 2 0 0.8 4
8 3 6 4 0 0.7 7
9 3 12 1 0 0.5 6
10 3 12 -1 0 0.5 6
11 3 14 -2 0 0.5 10
";

const S3_NEURON: &[(&str, &str, f64, usize, f64)] = &[
    ("soma[0]", "", -1.0, 3, 75.39822368615506),
    ("dend[0]", "soma[0]", 1.0, 4, 37.69911184307752),
    ("dend[1]", "dend[0]", 0.0, 3, 20.80269320496964),
    ("dend[2]", "dend[0]", 1.0, 2, 10.797439603344307),
    ("dend[3]", "dend[0]", 1.0, 3, 17.82225433438504),
];

fn check(text: &str, expected: &[(&str, &str, f64, usize, f64)]) {
    let m = read_swc(text).unwrap();
    assert_eq!(m.sections().len(), expected.len(), "section count");
    let cell = Cell::new(m.clone(), Settings::default()).unwrap();
    for &(name, parent, x, n3d, area) in expected {
        let id = m.find(name).unwrap_or_else(|_| panic!("no section {name}"));
        let s = &m.sections()[id.0];
        match s.parent {
            None => assert!(parent.is_empty(), "{name} should have parent {parent}"),
            Some((p, px)) => {
                assert_eq!(m.sections()[p.0].name, parent, "parent of {name}");
                assert_eq!(px, x, "parent x of {name}");
            }
        }
        assert_eq!(s.points.len(), n3d, "3-D points of {name}");
        let got: f64 = cell
            .layout()
            .segments(id)
            .map(|cv| cell.layout().area[cv])
            .sum();
        assert!(
            (got - area).abs() < 1e-6 * area,
            "area of {name}: {got} vs NEURON {area}"
        );
    }
}

#[test]
fn soma_chain_with_interior_dendrites() {
    check(S1, S1_NEURON);
}

#[test]
fn branched_soma_and_runs_broken_by_id_order() {
    check(S2, S2_NEURON);
}

#[test]
fn branch_off_the_first_sample_of_a_dendrite_attaches_at_its_start() {
    check(S3, S3_NEURON);
}
