//! Point processes, events, detectors and connections of model files. The library here puts the
//! runtime's hand-written `ExpSyn` before the built-in catalogue (whose own `ExpSyn` it hides):
//! the loader treats a user's mechanism and a built-in one alike.

use std::path::{Path, PathBuf};

use gradmod::library::Catalogue;
use gradmod::output::Traces;
use gradmod::{Library, model, run};
use gradmod_runtime::mechanism::Mechanism;
use gradmod_testkit::point;

/// The hand-written `ExpSyn`, then the built-in catalogue.
fn library() -> Library {
    let make = |name: &str| -> Option<Box<dyn Mechanism>> {
        (name == "ExpSyn").then(|| Box::new(point::ExpSyn::default()) as Box<dyn Mechanism>)
    };
    let synapse = Catalogue::new("the runtime's hand-written ExpSyn", make, ["ExpSyn"]);
    Library::new()
        .with_catalogue(synapse)
        .with_catalogue(Catalogue::builtin())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradmod-net-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `pre.toml` (model A with a spike detector at the axon's end), `post.toml` (model A,
/// unstimulated, with an `ExpSyn` at the soma) and `net.toml` connecting them into `dir`.
fn write_network(dir: &Path) {
    let a = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/A_hh_axon.toml"),
    )
    .unwrap();
    let pre = format!("{a}\n[[detector]]\nname = \"spike\"\nat = \"axon(1)\"\nthreshold = 0.0\n");
    let post = format!(
        "{}\n[[point_process]]\nname = \"ExpSyn\"\nat = \"soma(0.5)\"\nlabel = \"syn\"\n\
         parameters = {{ tau = 2.0, e = 0.0 }}\n\n\
         [[probe]]\nname = \"g_syn\"\nat = \"soma(0.5)\"\nvariable = \"syn.g\"\n\n\
         [[parameter]]\ntarget = \"ExpSyn.tau\"\n",
        a.replace("amp = 0.5", "amp = 0.0")
    );
    let net = "[simulation]\ntstop = 30.0\n\n\
               [[cell]]\nname = \"pre\"\nmodel = \"pre.toml\"\n\n\
               [[cell]]\nname = \"post\"\nmodel = \"post.toml\"\n\n\
               [[connection]]\nfrom = \"pre.spike\"\nto = \"post.syn\"\nweight = 0.02\ndelay = 2.0\n";
    std::fs::write(dir.join("pre.toml"), pre).unwrap();
    std::fs::write(dir.join("post.toml"), post).unwrap();
    std::fs::write(dir.join("net.toml"), net).unwrap();
}

fn simulate(path: &Path, overrides: &[&str]) -> Vec<(String, Traces)> {
    let m = model::Model::load(path).unwrap();
    let overrides: Vec<_> = overrides
        .iter()
        .map(|s| model::Override::parse(s).unwrap())
        .collect();
    let built = model::build(&m, &library(), &overrides).unwrap_or_else(|e| panic!("{e}"));
    run::simulate(built, false).unwrap().0
}

fn peak(v: &[f64]) -> f64 {
    v.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x))
}

#[test]
fn a_connection_drives_the_synapse_of_another_cell() {
    let dir = temp_dir("conn");
    write_network(&dir);
    let cells = simulate(&dir.join("net.toml"), &[]);
    let (pre, post) = (&cells[0].1, &cells[1].1);
    assert!(peak(&pre.values[0]) > 30.0);
    assert!(
        peak(&post.values[0]) > 30.0,
        "post fires after the synaptic event"
    );
    let g = &post.values[2];
    assert!(peak(g) > 0.019, "the event's weight reaches the synapse");
    // The synapse opens after pre's spike plus the delay.
    let spike = pre.times[pre.values[1].iter().position(|&v| v > 0.0).unwrap()];
    let onset = post.times[g.iter().position(|&x| x > 0.0).unwrap()];
    assert!(
        onset > spike + 2.0 && onset < spike + 2.1,
        "{spike} {onset}"
    );

    // Tangents of the synapse's own parameter against finite differences (spike times of pre do
    // not move with it).
    assert_eq!(post.parameters.last().unwrap(), "ExpSyn.tau");
    let k = post.parameters.len() - 1;
    let h = 1e-6;
    let plus = simulate(&dir.join("net.toml"), &[&format!("syn.tau={}", 2.0 + h)]);
    let minus = simulate(&dir.join("net.toml"), &[&format!("ExpSyn.tau={}", 2.0 - h)]);
    for (p, probe) in [(0, 0), (2, 2)] {
        let i = post.with_tangents.iter().position(|&w| w == p).unwrap();
        let tangent = &post.tangents[i][k];
        let scale = tangent.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let err = tangent
            .iter()
            .zip(
                plus[1].1.values[probe]
                    .iter()
                    .zip(&minus[1].1.values[probe]),
            )
            .map(|(s, (a, b))| (s - (a - b) / (2.0 * h)).abs())
            .fold(0.0f64, f64::max);
        println!(
            "{}: max tangent {scale:e}, relative error {:e}",
            post.names[p],
            err / scale
        );
        assert!(scale > 0.0 && err / scale < 1e-5);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn network_errors_name_the_key() {
    let dir = temp_dir("errors");
    write_network(&dir);
    let net = std::fs::read_to_string(dir.join("net.toml")).unwrap();
    let cases = [
        (
            "to = \"post.syn\"",
            "to = \"post.syn2\"",
            "bad.toml:14:6: connection[0].to: cell `post` has no point process labelled `syn2`",
        ),
        (
            "from = \"pre.spike\"",
            "from = \"pro.spike\"",
            "bad.toml:13:8: connection[0].from: no cell named `pro` (cells: pre, post)",
        ),
        (
            "delay = 2.0",
            "delay = 0.0",
            "bad.toml:13:8: connection[0].delay: must be at least one time step (0.025 ms), got 0",
        ),
        (
            "model = \"post.toml\"",
            "model = \"post2.toml\"",
            "bad.toml:10:9: cell[1].model: in the cell's model file: ",
        ),
        // A cell's own overrides: one that names nothing in the cell, a [simulation] key (the
        // network's alone), and a key that can name nothing at all.
        (
            "model = \"post.toml\"",
            "model = \"post.toml\"\nset = { \"kca.gbar\" = 1.0 }",
            "bad.toml:11:9: cell[1].set.kca.gbar: matches nothing in the cell's model",
        ),
        (
            "model = \"post.toml\"",
            "model = \"post.toml\"\nset = { dt = 0.1 }",
            "bad.toml:11:9: cell[1].set.dt: a [simulation] key applies to the whole network",
        ),
        (
            "model = \"post.toml\"",
            "model = \"post.toml\"\nset = { gnabar = 0.1 }",
            "bad.toml:11:9: cell[1].set.gnabar: --set gnabar: matches nothing in the model",
        ),
    ];
    for (from, to, expected) in cases {
        std::fs::write(dir.join("bad.toml"), net.replacen(from, to, 1)).unwrap();
        let m = model::Model::load(&dir.join("bad.toml")).unwrap();
        let err = model::build(&m, &library(), &[]).err().expect("an error");
        let got = err.headline().replace(&format!("{}/", dir.display()), "");
        assert!(got.starts_with(expected), "{got}");
    }
    // A network file's own [homeostasis] is rejected: each cell's file carries its own.
    std::fs::write(
        dir.join("bad.toml"),
        format!("{net}\n[homeostasis]\ntarget = 1\nrate = 1e-6\n"),
    )
    .unwrap();
    let m = model::Model::load(&dir.join("bad.toml")).unwrap();
    let err = model::build(&m, &library(), &[]).err().expect("an error");
    let got = err.headline().replace(&format!("{}/", dir.display()), "");
    assert!(
        got.contains("a network file lists [[cell]] entries only"),
        "{got}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The spike times of a cell, from its network's spikes.
fn spike_times(spikes: &[(String, usize, f64)], cell: &str) -> Vec<f64> {
    spikes.iter().filter(|s| s.0 == cell).map(|s| s.2).collect()
}

/// Two cells built from one homeostatic model file (models/homeostasis_cell.toml with a synapse
/// and a 4 Hz target), coupled both ways: each gets its own noise stream (the seeds are offset by
/// the cell's index) and its own controller, and within 60 s each moves its rate at least halfway
/// from where it started (the first 5 s, before control) to the target, with its parameters in
/// their bounds.
#[test]
fn homeostatic_cells_adapt_in_a_network() {
    let dir = temp_dir("homeostasis");
    let cell = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/homeostasis_cell.toml"),
    )
    .unwrap()
    .replace("target = 2.0", "target = 4.0")
    .replace("rate = 2e-6", "rate = 1e-5")
    .replace("decay = 600000.0", "decay = 1e12")
    .replace("tauf = 20000.0", "tauf = 2000.0")
    .replace("average = 20000.0", "average = 4000.0");
    let cell = format!(
        "{cell}\n[[point_process]]\nname = \"ExpSyn\"\nat = \"soma(0.5)\"\nlabel = \"syn\"\n"
    );
    std::fs::write(dir.join("cell.toml"), cell).unwrap();
    let net = "[simulation]\ntstop = 60000.0\nsample_every = 4000\n\n\
               [[cell]]\nname = \"a\"\nmodel = \"cell.toml\"\n\n\
               [[cell]]\nname = \"b\"\nmodel = \"cell.toml\"\n\n\
               [[connection]]\nfrom = \"a.spike\"\nto = \"b.syn\"\nweight = 0.001\ndelay = 10.0\n\n\
               [[connection]]\nfrom = \"b.spike\"\nto = \"a.syn\"\nweight = 0.001\ndelay = 10.0\n";
    std::fs::write(dir.join("net.toml"), net).unwrap();
    let m = model::Model::load(&dir.join("net.toml")).unwrap();
    let built = model::build(&m, &library(), &[]).unwrap_or_else(|e| panic!("{e}"));
    let (traces, spikes) = run::simulate_controlled(built, &library(), false).unwrap();
    let (a, b) = (spike_times(&spikes, "a"), spike_times(&spikes, "b"));
    let first = |s: &[f64]| s.iter().take(5).copied().collect::<Vec<_>>();
    assert_ne!(first(&a), first(&b), "both cells got the same noise");
    for (name, t) in &traces {
        let s = spike_times(&spikes, name);
        let rate = |t0: f64, t1: f64| {
            s.iter().filter(|&&x| x >= t0 && x < t1).count() as f64 / ((t1 - t0) / 1000.0)
        };
        let (start, end) = (rate(0.0, 5000.0), rate(40_000.0, 60_000.0));
        let column = |n: &str| {
            let i = t
                .names
                .iter()
                .position(|x| x == n)
                .unwrap_or_else(|| panic!("no {n}"));
            &t.values[i]
        };
        let gnabar = column("homeostasis.hh.gnabar");
        let gain = column("homeostasis.ou_noise.gain");
        println!(
            "cell {name}: {start:.1} Hz before, {end:.2} Hz in the last 20 s, f {:.2} Hz, gnabar {:.4}, gain {:.3}",
            column("homeostasis.f").last().unwrap(),
            gnabar.last().unwrap(),
            gain.last().unwrap()
        );
        assert!(start > 8.0, "cell {name} starts at {start} Hz");
        assert!(
            end > 0.0 && (end - 4.0).abs() < (start - 4.0).abs() / 2.0,
            "cell {name} went from {start} to {end} Hz"
        );
        assert!(gnabar.iter().all(|&g| g >= 0.0) && gain.iter().all(|&g| (0.0..=2.0).contains(&g)));
        assert!(gnabar.last() != gnabar.first(), "cell {name} did not adapt");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
