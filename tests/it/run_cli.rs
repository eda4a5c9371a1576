//! `gradmod run` as a user runs it: the bundled default job, output files read back with their
//! shapes, `--set` overrides, and errors on bad input (exit status 1, a message, no panic).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gradmod::output;

/// A fresh, empty temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradmod-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn model(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(file)
}

/// Runs the gradmod binary in `dir` with arguments.
fn gradmod(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradmod"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A CSV file's header and numeric rows.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

#[test]
fn default_job_runs_model_a_and_writes_readable_outputs() {
    let dir = temp_dir("default");
    let out = gradmod(&dir, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("models/A_hh_axon.toml"), "{stdout}");
    assert!(stdout.contains("wrote 6 files to out"), "{stdout}");
    let o = dir.join("out");

    let (header, rows) = read_csv(&o.join("traces.csv"));
    assert_eq!(header, ["t", "v_soma", "v_axon_end"]);
    assert_eq!(rows.len(), 4001);
    assert!(rows.iter().all(|r| r.len() == 3));
    assert_eq!(rows[4000][0], 100.0);

    let (header, rows) = read_csv(&o.join("tangents.csv"));
    assert_eq!(header.len(), 1 + 2 * 4);
    assert_eq!(header[1], "d(v_soma)/d(hh.gnabar)");
    assert_eq!(header[8], "d(v_axon_end)/d(IClamp.amp)");
    assert_eq!(rows.len(), 4001);

    let (shape, t) = output::read_npy(&o.join("t.npy")).unwrap();
    assert_eq!(shape, [4001]);
    assert_eq!(t[40], 1.0);
    let (shape, v) = output::read_npy(&o.join("traces.npy")).unwrap();
    assert_eq!(shape, [4001, 2]);
    let (shape, s) = output::read_npy(&o.join("tangents.npy")).unwrap();
    assert_eq!(shape, [4001, 2, 4]);
    // The .npy arrays hold exactly the CSV values (sample 500, v_axon_end; its d/d(hh.gl)).
    let (_, vrows) = read_csv(&o.join("traces.csv"));
    assert_eq!(v[500 * 2 + 1], vrows[500][2]);
    assert_eq!(s[(500 * 2 + 1) * 4 + 2], rows[500][1 + 4 + 2]);

    let png = std::fs::read(o.join("plot.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn set_overrides_a_parameter_like_editing_the_file() {
    let dir = temp_dir("set");
    let a = model("A_hh_axon.toml");
    let out = gradmod(
        &dir,
        &[
            "run",
            a.to_str().unwrap(),
            "--set",
            "hh.gnabar=0.1",
            "--set",
            "tstop=20",
            "--out",
            "set",
            "--no-plot",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same change written into the model file.
    let text = std::fs::read_to_string(&a)
        .unwrap()
        .replace("tstop = 100.0", "tstop = 20.0")
        .replace(
            "name = \"hh\"\nregion = \"all\"",
            "name = \"hh\"\nregion = \"all\"\nparameters = { gnabar = 0.1 }",
        );
    assert!(text.contains("gnabar = 0.1"));
    std::fs::write(dir.join("edited.toml"), text).unwrap();
    let out = gradmod(
        &dir,
        &["run", "edited.toml", "--out", "edited", "--no-plot"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = gradmod(
        &dir,
        &[
            "run",
            a.to_str().unwrap(),
            "--set",
            "tstop=20",
            "--out",
            "base",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, set) = read_csv(&dir.join("set/traces.csv"));
    let (_, edited) = read_csv(&dir.join("edited/traces.csv"));
    let (_, base) = read_csv(&dir.join("base/traces.csv"));
    assert_eq!(set.len(), 801);
    assert_eq!(set, edited);
    assert_ne!(set, base);
    assert_eq!(
        std::fs::read(dir.join("set/tangents.npy")).unwrap(),
        std::fs::read(dir.join("edited/tangents.npy")).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_exits_with_a_message() {
    let dir = temp_dir("bad");
    std::fs::write(
        dir.join("bad.toml"),
        "[[section]]\nname = \"soma\"\nlength = 10\ndiameter = 10\n\n[[mechanism]]\nname = \"kdr\"\n",
    )
    .unwrap();
    let out = gradmod(&dir, &["run", "bad.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: bad.toml:7:8: mechanism[0].name: unknown mechanism `kdr`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("7 | name = \"kdr\"\n  |        ^^^^^"),
        "{stderr}"
    );
    for args in [
        &["run", "missing.toml"][..],
        &["run", "bad.toml", "--set", "gnabar"],
        &[
            "run",
            &model("A_hh_axon.toml").to_string_lossy(),
            "--set",
            "hh.x=1",
        ],
    ] {
        let out = gradmod(&dir, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(!dir.join("out").exists(), "nothing is written on error");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `gradmod dump --after PASS` prints NMODL that gradmod reads back, for every library file
/// after every pass (the passes' conditional expressions printed as if/else).
#[test]
fn dump_after_every_pass_reads_back() {
    let dir = temp_dir("dump");
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("mod_files");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&lib)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "mod"))
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    for file in &files {
        for pass in ["cnexp", "derivimplicit", "conductance", "tangent"] {
            let out = gradmod(&dir, &["dump", file.to_str().unwrap(), "--after", pass]);
            assert!(
                out.status.success(),
                "dump {} --after {pass} failed",
                file.display()
            );
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(!text.contains("select("), "{} after {pass}", file.display());
            let printed = dir.join("printed.mod");
            std::fs::write(&printed, &text).unwrap();
            let check = gradmod(&dir, &["check", printed.to_str().unwrap()]);
            assert!(
                check.status.success(),
                "{} after {pass} does not read back: {}",
                file.display(),
                String::from_utf8_lossy(&check.stdout)
            );
        }
    }
}

/// `--threads N` runs a network's cells on N threads: the files written are the same byte for
/// byte for one thread and for three (more than the cells' share of a two-core machine, so cells
/// move between threads), spikes cross connections, and a count of 0 is a usage error. The
/// report is cut to the first cells and files.
#[test]
fn threads_flag_leaves_a_networks_results_unchanged() {
    let dir = temp_dir("threads");
    let a = std::fs::read_to_string(model("A_hh_axon.toml")).unwrap();
    let cell = format!(
        "{a}\n[[detector]]\nname = \"spike\"\nat = \"axon(1)\"\nthreshold = 0.0\n\n\
         [[point_process]]\nname = \"ExpSyn\"\nat = \"soma(0.5)\"\nlabel = \"syn\"\n\
         parameters = {{ tau = 2.0, e = 0.0 }}\n"
    );
    std::fs::write(dir.join("cell.toml"), cell).unwrap();
    // A ring of eight cells; only the first is stimulated, so every other spike is carried.
    let mut net = String::from("[simulation]\ntstop = 40.0\n\n");
    for i in 0..8 {
        let amp = if i == 0 { 0.5 } else { 0.0 };
        net.push_str(&format!(
            "[[cell]]\nname = \"c{i}\"\nmodel = \"cell.toml\"\nset = {{ \"IClamp.amp\" = {amp} }}\n\n"
        ));
    }
    for i in 0..8 {
        net.push_str(&format!(
            "[[connection]]\nfrom = \"c{i}.spike\"\nto = \"c{}.syn\"\nweight = 0.05\ndelay = 1.5\n\n",
            (i + 1) % 8
        ));
    }
    std::fs::write(dir.join("net.toml"), net).unwrap();
    for (threads, out) in [("1", "one"), ("3", "three")] {
        let run = gradmod(
            &dir,
            &[
                "run",
                "net.toml",
                "--no-plot",
                "--threads",
                threads,
                "--out",
                out,
            ],
        );
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        // The report names the first five cells and 25 of the 40 files.
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            stdout.contains("c4: 1601 samples") && !stdout.contains("c5: "),
            "{stdout}"
        );
        assert!(stdout.contains("... and 3 more cells"), "{stdout}");
        assert!(
            stdout.contains("wrote 40 files") && stdout.contains("... and 15 more"),
            "{stdout}"
        );
    }
    let mut compared = 0;
    for i in 0..8 {
        for file in ["traces.csv", "tangents.npy", "t.npy"] {
            let one = std::fs::read(dir.join(format!("one/c{i}/{file}"))).unwrap();
            let three = std::fs::read(dir.join(format!("three/c{i}/{file}"))).unwrap();
            assert!(one == three, "c{i}/{file} differs between 1 and 3 threads");
            compared += 1;
        }
    }
    assert_eq!(compared, 24);
    // The last cell of the ring fires: seven connections carried the first cell's spike.
    let (header, rows) = read_csv(&dir.join("one/c7/traces.csv"));
    let v = header.iter().position(|h| h == "v_soma").unwrap();
    let peak = rows.iter().map(|r| r[v]).fold(f64::NEG_INFINITY, f64::max);
    assert!(peak > 0.0, "c7 did not fire (peak {peak} mV)");
    let zero = gradmod(&dir, &["run", "net.toml", "--threads", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&zero.stderr);
    assert!(stderr.contains("--threads"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
