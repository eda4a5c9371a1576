//! Spike times and event delivery follow NEURON's fixed-step rules. Reference values from NEURON
//! 9.0.2 (`usetable_hh = 0`): a 20 µm × 20 µm hh soma, IClamp 0.5 nA from 1 to 2 ms, NetCon threshold
//! −10 mV records a spike at exactly t = 1.85 ms (the end of the crossing step, no interpolation), and
//! an ExpSyn (tau 2 ms) behind a NetCon of delay 1 ms and weight 0.01 µS first shows g > 0 at sample
//! 115 (t = 2.875 ms) with g = 0.01·exp(−0.025/2): the event at 2.85 ms is delivered at the start of
//! the step from 2.85 ms.

use gradmod_runtime::{Cell, Connection, Morphology, Network, Region, Settings};
use gradmod_testkit::hh::Hh;
use gradmod_testkit::pas::Pas;
use gradmod_testkit::point::ExpSyn;

#[test]
fn spike_time_and_delivery_match_neuron() {
    let mut net = Network::new();
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut src = Cell::new(m, Settings::default()).unwrap();
    src.insert(Box::new(Hh::new()), &Region::All).unwrap();
    src.add_iclamp("soma", 0.5, 1.0, 1.0, 0.5).unwrap();
    let cv = src.cv_at("soma", 0.5).unwrap();
    src.add_detector(cv, -10.0).unwrap();
    net.add_cell(src);

    let mut m = Morphology::new();
    m.add_cylinder("s2", 3, 100.0, 500.0, None, 1).unwrap();
    let mut dst = Cell::new(m, Settings::default()).unwrap();
    dst.insert(Box::new(Pas::new()), &Region::All).unwrap();
    let syn = dst
        .place(Box::new(ExpSyn::default()), &[("s2", 0.5)])
        .unwrap();
    dst.set_field(syn, "tau", &Region::All, 2.0).unwrap();
    net.add_cell(dst);
    net.connect(Connection {
        source_cell: 0,
        detector: 0,
        target_cell: 1,
        mech: syn,
        instance: 0,
        weight: 0.01,
        delay: 1.0,
    })
    .unwrap();

    net.init().unwrap();
    let mut first = None;
    for k in 1..=200u64 {
        net.run(k as f64 * 0.025).unwrap();
        let g = net.cells()[1].field(syn, "g").unwrap()[0];
        if g > 0.0 && first.is_none() {
            first = Some((k, g));
        }
    }
    assert_eq!(net.spikes().len(), 1);
    let (cell, det, t) = net.spikes()[0];
    assert_eq!((cell, det), (0, 0));
    assert!((t - 1.85).abs() < 1e-12, "spike at {t}");
    let (k, g) = first.expect("the synapse received the event");
    assert_eq!(k, 115);
    assert!((g - 0.009_875_778_004_938_815).abs() < 1e-15, "g {g}");
}

#[test]
fn events_on_cells_are_ordered_and_checked() {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 20.0, 20.0, None, 1).unwrap();
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    let pas = cell.insert(Box::new(Pas::new()), &Region::All).unwrap();
    let syn = cell
        .place(Box::new(ExpSyn::default()), &[("soma", 0.5), ("soma", 0.5)])
        .unwrap();
    assert!(
        cell.schedule(1.0, pas, 0, 1.0).is_err(),
        "pas has no NET_RECEIVE"
    );
    assert!(cell.schedule(1.0, syn, 2, 1.0).is_err(), "no instance 2");
    assert!(cell.schedule(f64::NAN, syn, 0, 1.0).is_err());
    // Two events for the same step, given out of order, both arrive.
    cell.schedule(0.51, syn, 1, 0.002).unwrap();
    cell.schedule(0.5, syn, 0, 0.001).unwrap();
    cell.run(0.5, None).unwrap();
    assert_eq!(cell.field(syn, "g").unwrap(), &[0.0, 0.0]);
    cell.run(0.525, None).unwrap();
    let g = cell.field(syn, "g").unwrap();
    assert!(g[0] > 0.0 && g[1] > 0.0 && g[1] > g[0]);
}
