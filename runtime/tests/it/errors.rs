//! Bad morphologies and bad parameters give clear errors naming the culprit, never a panic.

use gradmod_runtime::{Cell, Error, Morphology, ParamSpec, Region, Settings, read_swc};
use gradmod_testkit::hh::Hh;
use gradmod_testkit::models::model_a;

fn swc_error(text: &str) -> (usize, String) {
    match read_swc(text) {
        Err(Error::Swc { line, message }) => (line, message),
        other => panic!("expected an SWC error, got {other:?}"),
    }
}

#[test]
fn swc_cycle_is_reported_with_its_line() {
    let (line, msg) = swc_error(
        "# a root and a detached cycle\n1 1 0 0 0 5 -1\n2 3 10 0 0 1 1\n3 3 20 0 0 1 4\n4 3 30 0 0 1 3\n",
    );
    assert!(msg.contains("cycle"), "{msg}");
    assert!(line == 4 || line == 5, "line {line}");
}

#[test]
fn swc_missing_parent_names_the_sample() {
    let (line, msg) = swc_error("1 1 0 0 0 5 -1\n2 3 10 0 0 1 1\n3 3 20 0 0 1 7\n");
    assert_eq!(line, 3);
    assert!(msg.contains("missing parent 7"), "{msg}");
}

#[test]
fn swc_duplicate_id_names_both_lines() {
    let (line, msg) = swc_error("1 1 0 0 0 5 -1\n2 3 10 0 0 1 1\n2 3 20 0 0 1 1\n");
    assert_eq!(line, 3);
    assert!(
        msg.contains("duplicate sample id 2") && msg.contains("line 2"),
        "{msg}"
    );
}

#[test]
fn swc_non_positive_radius_is_rejected() {
    let (line, msg) = swc_error("1 1 0 0 0 5 -1\n2 3 10 0 0 0 1\n");
    assert_eq!(line, 2);
    assert!(msg.contains("radius 0"), "{msg}");
    let (line, _) = swc_error("1 1 0 0 0 -1 -1\n");
    assert_eq!(line, 1);
}

#[test]
fn swc_garbage_lines_are_rejected() {
    let (line, msg) = swc_error("1 1 0 0 0 5 -1\n2 3 ten 0 0 1 1\n");
    assert_eq!(line, 2);
    assert!(msg.contains("`ten`"), "{msg}");
    let (line, msg) = swc_error("1 1 0 0 0 5 -1\n\n2 3 1 2\n");
    assert_eq!(line, 3);
    assert!(msg.contains("7 fields"), "{msg}");
    let (_, msg) = swc_error("1 1 0 0 0 NaN -1\n");
    assert!(msg.contains("finite"), "{msg}");
}

#[test]
fn swc_values_beyond_their_types_are_rejected() {
    // A tag beyond i32 was truncated (2^32 + 1 read as a soma sample, tag 1).
    let (line, msg) = swc_error("1 1 0 0 0 5 -1\n2 4294967297 10 0 0 1 1\n");
    assert_eq!(line, 2);
    assert!(msg.contains("tag `4294967297` is out of range"), "{msg}");
    // Coordinates and diameters are stored as float32, where 1e39 is infinite.
    let (line, msg) = swc_error("1 1 0 0 0 5 -1\n2 3 0 1e39 0 1 1\n3 3 0 20 0 1 2\n");
    assert_eq!(line, 2);
    assert!(msg.contains("y `1e39`") && msg.contains("float32"), "{msg}");
    let (line, msg) = swc_error("1 1 0 0 0 2e38 -1\n2 3 10 0 0 1 1\n");
    assert_eq!(line, 1);
    assert!(
        msg.contains("radius `2e38`") && msg.contains("float32"),
        "{msg}"
    );
}

#[test]
fn swc_conventions_one_and_three_point_somata() {
    // One-point soma: a cylinder whose length equals its diameter; the dendrite hangs off its centre.
    let m = read_swc("1 1 0 0 0 5 -1\n2 3 10 0 0 1 1\n3 3 20 0 0 1 2\n").unwrap();
    let soma = &m.sections()[0];
    assert_eq!(soma.name, "soma[0]");
    assert!((soma.length() - 10.0).abs() < 1e-12);
    assert_eq!(m.sections()[1].parent.unwrap().1, 0.5);
    // NEURON 9.0.2's Import3d on the same file: soma area 314.159..., dendrite area 62.83... (its own
    // two samples only, joined to soma(0.5) "by wire").
    let cell = gradmod_runtime::Cell::new(m.clone(), Settings::default()).unwrap();
    let area = |name: &str| -> f64 {
        let id = m.find(name).unwrap();
        cell.layout()
            .segments(id)
            .map(|cv| cell.layout().area[cv])
            .sum()
    };
    assert!((area("soma[0]") - 314.159_265_358_979_3).abs() < 1e-9);
    assert!((area("dend[0]") - 62.831_853_071_795_86).abs() < 1e-9);
    // Three-point soma: the cylinder through the samples at ±r.
    let m =
        read_swc("1 1 0 0 0 4 -1\n2 1 0 -4 0 4 1\n3 1 0 4 0 4 1\n4 3 0 10 0 1 1\n5 3 0 20 0 1 4\n")
            .unwrap();
    assert_eq!(m.sections()[0].points.len(), 3);
    assert!((m.sections()[0].length() - 8.0).abs() < 1e-12);
    // NEURON: soma area 201.06192982974676 (a cylinder of length and diameter 8).
    let cell = gradmod_runtime::Cell::new(m.clone(), Settings::default()).unwrap();
    let soma_area: f64 = cell
        .layout()
        .segments(m.find("soma[0]").unwrap())
        .map(|cv| cell.layout().area[cv])
        .sum();
    assert!((soma_area - 201.061_929_829_746_76).abs() < 1e-9);
    assert_eq!(m.sections()[1].name, "dend[0]");
}

#[test]
fn builder_rejects_bad_sections() {
    let mut m = Morphology::new();
    let e = m.add_cylinder("soma", 1, 10.0, -1.0, None, 1).unwrap_err();
    assert!(
        matches!(e, Error::Morphology { ref section, .. } if section == "soma"),
        "{e}"
    );
    let soma = m.add_cylinder("soma", 1, 10.0, 10.0, None, 1).unwrap();
    let e = m
        .add_cylinder("soma", 1, 10.0, 10.0, Some((soma, 1.0)), 1)
        .unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    let e = m
        .add_cylinder("d", 3, 0.0, 1.0, Some((soma, 1.0)), 1)
        .unwrap_err();
    assert!(e.to_string().contains("section `d`"), "{e}");
    let e = m
        .add_cylinder("d", 3, 10.0, 1.0, Some((soma, 1.5)), 1)
        .unwrap_err();
    assert!(e.to_string().contains("outside [0, 1]"), "{e}");
    let e = m.add_cylinder("d", 3, 10.0, 1.0, None, 1).unwrap_err();
    assert!(e.to_string().contains("root"), "{e}");
    let e = m
        .add_cylinder("d", 3, 10.0, 1.0, Some((soma, 1.0)), 0)
        .unwrap_err();
    assert!(e.to_string().contains("nseg"), "{e}");
}

#[test]
fn nan_parameters_are_named() {
    let mut cell = model_a(0.5);
    let hh = cell.mechanism_id("hh").unwrap();
    let e = cell
        .set_field(hh, "gnabar", &Region::All, f64::NAN)
        .unwrap_err();
    assert!(e.to_string().contains("hh.gnabar"), "{e}");
    let e = cell
        .add_iclamp("soma", 0.5, 0.0, 1.0, f64::NAN)
        .unwrap_err();
    assert!(e.to_string().contains("IClamp 1 amp"), "{e}");
    let k = cell
        .add_parameter(ParamSpec::mechanism("hh", "gl"))
        .unwrap();
    let e = cell.set_parameter(k, f64::INFINITY).unwrap_err();
    assert!(e.to_string().contains("hh.gl"), "{e}");
    let e = cell.set_cm(&Region::All, f64::NAN).unwrap_err();
    assert!(e.to_string().contains("cm"), "{e}");
    let e = cell.set_ra(&Region::All, -1.0).unwrap_err();
    assert!(e.to_string().contains("Ra"), "{e}");
    assert!(matches!(
        cell.mechanism_id("nope"),
        Err(Error::UnknownName {
            kind: "mechanism",
            ..
        })
    ));
    assert!(cell.set_field(hh, "nope", &Region::All, 1.0).is_err());
    assert!(
        cell.set_field(hh, "gl", &Region::section("nope"), 1.0)
            .is_err()
    );
    let e = cell
        .add_parameter(ParamSpec::mechanism("hh", "m"))
        .unwrap_err();
    assert!(e.to_string().contains("not a PARAMETER"), "{e}");
}

#[test]
fn bad_settings_are_named() {
    let mut m = Morphology::new();
    m.add_cylinder("soma", 1, 10.0, 10.0, None, 1).unwrap();
    let s = Settings {
        dt: f64::NAN,
        ..Settings::default()
    };
    let e = Cell::new(m.clone(), s).err().unwrap();
    assert!(e.to_string().contains("dt"), "{e}");
    let s = Settings {
        celsius: f64::INFINITY,
        ..Settings::default()
    };
    assert!(Cell::new(m.clone(), s).is_err());
    let mut cell = Cell::new(m, Settings::default()).unwrap();
    cell.insert(Box::new(Hh::new()), &Region::All).unwrap();
    assert!(cell.step().is_err(), "stepping before init must fail");
}

#[test]
fn nan_written_between_steps_is_caught_before_the_next_step() {
    let mut cell = model_a(0.5);
    cell.init().unwrap();
    cell.step().unwrap();
    let hh = cell.mechanism_id("hh").unwrap();
    cell.field_mut(hh, "gkbar").unwrap()[3] = f64::NAN;
    let e = cell.step().unwrap_err();
    assert!(e.to_string().contains("hh.gkbar (instance 3)"), "{e}");
}
