//! Networks: spikes travel through connections, and results are bitwise identical whatever the number
//! of rayon threads.

use gradmod_runtime::{
    Cell, Connection, Morphology, Network, ParamSpec, Probe, Recorder, Region, Settings,
};
use gradmod_testkit::hh::Hh;
use gradmod_testkit::point::ExpSyn;

fn ring_cell(i: usize) -> Cell {
    let mut m = Morphology::new();
    let soma = m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    m.add_cylinder("dend", 3, 200.0, 2.0, Some((soma, 1.0)), 5 + i)
        .unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(Box::new(Hh::new()), &Region::All).unwrap();
    let syn = cell
        .place(Box::new(ExpSyn::default()), &[("dend", 0.5)])
        .unwrap();
    cell.set_field(syn, "tau", &Region::All, 2.0).unwrap();
    let soma_cv = cell.cv_at("soma", 0.5).unwrap();
    cell.add_detector(soma_cv, -10.0).unwrap();
    cell.add_parameter(ParamSpec::mechanism("hh", "gnabar"))
        .unwrap();
    cell
}

/// A ring of `n` cells; cell 0 is kicked by an IClamp. Optionally cells 1 and 2 share a gap junction.
fn ring(n: usize, gap: bool) -> Network {
    let mut net = Network::new();
    for i in 0..n {
        let mut cell = ring_cell(i);
        if i == 0 {
            cell.add_iclamp("soma", 0.5, 1.0, 1.0, 1.0).unwrap();
        }
        net.add_cell(cell);
    }
    for i in 0..n {
        let target = (i + 1) % n;
        let mech = net.cells()[target].mechanism_id("ExpSyn").unwrap();
        net.connect(Connection {
            source_cell: i,
            detector: 0,
            target_cell: target,
            mech,
            instance: 0,
            weight: 0.05,
            delay: 2.0 + 0.5 * i as f64,
        })
        .unwrap();
    }
    if gap {
        let a = net.cells()[1].cv_at("dend", 0.9).unwrap();
        let b = net.cells()[2].cv_at("dend", 0.9).unwrap();
        net.add_gap_junction((1, a), (2, b), 0.002).unwrap();
    }
    net
}

type Outcome = (Vec<(usize, usize, f64)>, Vec<Vec<f64>>);

fn simulate(threads: usize, gap: bool) -> Outcome {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut net = ring(4, gap);
        net.init().unwrap();
        let mut recs: Vec<Recorder> = (0..4)
            .map(|i| {
                let cv = net.cells()[i].cv_at("soma", 0.5).unwrap();
                Recorder::new(vec![Probe::Voltage { cv }, Probe::Tangent { k: 0, cv }], 10)
            })
            .collect();
        for step in 0..8 {
            net.run(5.0 * (step + 1) as f64).unwrap();
            for (i, r) in recs.iter_mut().enumerate() {
                r.sample(&net.cells()[i]);
            }
        }
        let traces = recs.into_iter().flat_map(|r| r.traces).collect();
        (net.spikes().to_vec(), traces)
    })
}

#[test]
fn spikes_propagate_around_the_ring() {
    let (spikes, _) = simulate(1, false);
    println!("{spikes:?}");
    for cell in 0..4 {
        assert!(
            spikes.iter().any(|s| s.0 == cell),
            "cell {cell} never fired: {spikes:?}"
        );
    }
    // Cell 1 fires after cell 0 by at least the connection delay.
    let t0 = spikes.iter().find(|s| s.0 == 0).unwrap().2;
    let t1 = spikes.iter().find(|s| s.0 == 1).unwrap().2;
    assert!(t1 > t0 + 2.0, "t0 {t0}, t1 {t1}");
}

#[test]
fn results_do_not_depend_on_thread_count() {
    for gap in [false, true] {
        let one = simulate(1, gap);
        assert!(!one.0.is_empty());
        for threads in [2, 4] {
            let many = simulate(threads, gap);
            assert_eq!(
                one.0, many.0,
                "spikes differ with {threads} threads (gap {gap})"
            );
            assert_eq!(
                one.1, many.1,
                "traces differ with {threads} threads (gap {gap})"
            );
        }
    }
}

#[test]
fn gap_junction_couples_cells() {
    let (_, plain) = simulate(1, false);
    let (_, coupled) = simulate(1, true);
    // Cells 1 and 2 are the coupled ones; their soma traces must change.
    assert_ne!(plain[2], coupled[2]);
    assert_ne!(plain[4], coupled[4]);
}

/// Two cells coupled by a gap junction, with θ = hh.gnabar of both (column 0 of each cell means the
/// same network-wide parameter): the tangent matches a central difference of the coupled network.
#[test]
fn gap_junction_tangents_match_finite_differences() {
    let run = |theta: Option<f64>| {
        let mut net = Network::new();
        for i in 0..2 {
            let mut m = Morphology::new();
            m.add_cylinder("soma", 1, 20.0, 20.0, None, 3).unwrap();
            let mut cell = Cell::new(m, Settings::default()).unwrap();
            cell.insert(Box::new(Hh::new()), &Region::All).unwrap();
            if i == 0 {
                cell.add_iclamp("soma", 0.5, 1.0, 1.0, 0.4).unwrap();
            }
            cell.add_parameter(ParamSpec::mechanism("hh", "gnabar"))
                .unwrap();
            if let Some(t) = theta {
                cell.set_parameter(0, t).unwrap();
            }
            net.add_cell(cell);
        }
        let a = net.cells()[0].cv_at("soma", 0.9).unwrap();
        let b = net.cells()[1].cv_at("soma", 0.1).unwrap();
        net.add_gap_junction((0, a), (1, b), 0.05).unwrap();
        net.init().unwrap();
        let cv = net.cells()[1].cv_at("soma", 0.5).unwrap();
        let mut v = Vec::new();
        let mut s = Vec::new();
        for j in 1..=80 {
            net.run(0.25 * j as f64).unwrap();
            v.push(net.cells()[1].v()[cv]);
            s.push(net.cells()[1].tangent(0)[cv]);
        }
        (v, s)
    };
    let (_, s) = run(None);
    let h = 1e-6;
    let (vp, _) = run(Some(0.12 + h));
    let (vm, _) = run(Some(0.12 - h));
    let scale = s.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    let err = s
        .iter()
        .zip(vp.iter().zip(&vm))
        .map(|(s, (p, m))| (s - (p - m) / (2.0 * h)).abs())
        .fold(0.0f64, f64::max);
    println!(
        "gap junction: max |dV/dθ| {scale:.3e}, relative error {:.2e}",
        err / scale
    );
    assert!(scale > 1.0 && err / scale < 1e-6);
}
