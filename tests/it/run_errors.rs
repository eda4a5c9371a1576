//! Bad model files give one clear error naming the file, line, column and TOML key at fault, never
//! a panic. Each case edits a small valid model and checks the error's first line exactly.

use std::path::Path;

use gradmod::{Library, catalogue, model};

/// A small valid model: a soma and a dendrite with `hh` and `pas`, one IClamp, one probe and
/// one parameter.
const BASE: &str = r#"[simulation]
tstop = 5.0
dt = 0.025

[[section]]
name = "soma"
length = 20.0
diameter = 20.0

[[section]]
name = "dend"
parent = "soma"
length = 100.0
diameter = 2.0
nseg = 5

[regions]
proximal = { distance = [0.0, 50.0] }

[[mechanism]]
name = "hh"
region = "soma"

[[mechanism]]
name = "pas"
region = "dend"
parameters = { g = 1e-4, e = -65.0 }

[[iclamp]]
at = "soma(0.5)"
delay = 1.0
dur = 1.0
amp = 0.3

[[probe]]
at = "dend(1)"

[[parameter]]
target = "pas.g"
regions = ["proximal"]
"#;

/// Builds `text` with the built-in catalogue; returns the error's first line, or "ok".
fn headline(text: &str, overrides: &[&str]) -> String {
    let m = match model::Model::parse("model.toml", text, Path::new(".")) {
        Ok(m) => m,
        Err(e) => return e.headline(),
    };
    let library = Library::builtin();
    let overrides: Vec<_> = overrides
        .iter()
        .map(|s| model::Override::parse(s).unwrap())
        .collect();
    match model::build(&m, &library, &overrides) {
        Ok(_) => "ok".into(),
        Err(e) => e.headline(),
    }
}

/// BASE with the first occurrence of `from` replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE has no `{from}`");
    BASE.replacen(from, to, 1)
}

#[test]
fn the_base_model_builds() {
    assert_eq!(headline(BASE, &[]), "ok");
}

#[test]
fn unknown_mechanism() {
    assert_eq!(
        headline(&edit(r#"name = "hh""#, r#"name = "hhx""#), &[]),
        format!(
            "model.toml:21:8: mechanism[0].name: unknown mechanism `hhx`; the mechanisms available \
             are: {}. A mechanism of your own .mod file is available once the file or its folder \
             is named in the model file (`[mechanisms] paths = [\"mods/\"]`, relative to the \
             model file) or on the command line (`--mods DIR`); `gradmod mechanisms` lists them \
             all",
            catalogue::NAMES.join(", ")
        )
    );
}

#[test]
fn unknown_parameter() {
    assert_eq!(
        headline(&edit("g = 1e-4", "gbar = 1e-4"), &[]),
        "model.toml:27:16: mechanism[1].parameters.gbar: `pas` has no PARAMETER `gbar` \
         (its parameters: g, e)"
    );
    assert_eq!(
        headline(&edit(r#"target = "pas.g""#, r#"target = "pas.i""#), &[]),
        "model.toml:39:10: parameter[0].target: `pas` has no PARAMETER `i` (its parameters: g, e)"
    );
}

#[test]
fn nan_value() {
    assert_eq!(
        headline(&edit("amp = 0.3", "amp = nan"), &[]),
        "model.toml:33:7: iclamp[0].amp: expected a finite number, found NaN"
    );
    assert_eq!(
        headline(&edit("e = -65.0", "e = -inf"), &[]),
        "model.toml:27:30: mechanism[1].parameters.e: expected a finite number, found -inf"
    );
}

#[test]
fn bad_morphology_path() {
    let text = "[morphology]\nswc = \"no/such/file.swc\"\n";
    let got = headline(text, &[]);
    assert!(
        got.starts_with("model.toml:2:7: morphology.swc: cannot read `no/such/file.swc`: "),
        "{got}"
    );
}

#[test]
fn unknown_region() {
    assert_eq!(
        headline(
            &edit(r#"regions = ["proximal"]"#, r#"regions = ["distal"]"#),
            &[]
        ),
        "model.toml:40:12: parameter[0].regions[0]: unknown region `distal`: \
         name one of [regions] (all, proximal) or a section"
    );
}

#[test]
fn unknown_key() {
    assert_eq!(
        headline(&edit("dur = 1.0", "duration = 1.0"), &[]),
        "model.toml:32:1: iclamp[0].duration: unknown field `duration`, \
         expected one of `name`, `at`, `delay`, `dur`, `amp`"
    );
}

#[test]
fn wrong_type_and_syntax() {
    assert_eq!(
        headline(&edit("length = 100.0", r#"length = "100""#), &[]),
        r#"model.toml:13:10: section[1].length: invalid type: string "100", expected a finite number"#
    );
    let got = headline(&edit("tstop = 5.0", "tstop = "), &[]);
    assert!(got.starts_with("model.toml:2:"), "{got}");
}

#[test]
fn bad_locations() {
    assert_eq!(
        headline(&edit(r#"at = "dend(1)""#, r#"at = "dendrite(1)""#), &[]),
        "model.toml:36:6: probe[0].at: unknown section `dendrite`"
    );
    assert_eq!(
        headline(&edit(r#"at = "soma(0.5)""#, r#"at = "soma(2)""#), &[]),
        "model.toml:30:6: iclamp[0].at: `soma(2)` is not a location: \
         write SECTION(X) with X in [0, 1], such as `soma(0.5)`"
    );
}

#[test]
fn bad_structure() {
    assert_eq!(
        headline(&edit(r#"parent = "soma""#, r#"parent = "axon""#), &[]),
        "model.toml:12:10: section[1].parent: no section named `axon` before this one \
         (parents come first)"
    );
    assert_eq!(
        headline(&edit("nseg = 5", "nseg = 0"), &[]),
        "model.toml:15:8: section[1].nseg: nseg must be at least 1"
    );
    assert_eq!(
        headline("[simulation]\ndt = 0.1\n", &[]),
        "model.toml: morphology: the model has no morphology: \
         add [morphology] swc = FILE or [[section]] tables"
    );
    assert_eq!(
        headline(&edit("[0.0, 50.0]", "[50.0, 0.0]"), &[]),
        "model.toml:18:12: regions.proximal: distance range [50, 0] is empty"
    );
}

#[test]
fn probes_of_missing_things() {
    assert_eq!(
        headline(
            &edit(r#"at = "dend(1)""#, "at = \"dend(1)\"\nvariable = \"hh.m\""),
            &[]
        ),
        "model.toml:37:12: probe[0].variable: `hh` is not present at dend(1)"
    );
    assert_eq!(
        headline(
            &edit(
                r#"at = "dend(1)""#,
                "at = \"soma(0.5)\"\nvariable = \"hh.gna\"\ntangents = true"
            ),
            &[]
        ),
        "model.toml:38:12: probe[0].tangents: `hh.gna` has no tangents: only v, STATE fields and diffusive concentrations do"
    );
}

#[test]
fn bad_overrides() {
    assert_eq!(
        headline(
            BASE,
            &["pas.e=-70", "hh.gnabar=0.2", "IClamp.amp=1", "tstop=1"]
        ),
        "ok"
    );
    assert_eq!(
        headline(BASE, &["pas.gbar=1"]),
        "command line: --set pas.gbar: `pas` has no PARAMETER `gbar`"
    );
    assert_eq!(
        headline(BASE, &["kca.gbar=1"]),
        "command line: --set kca.gbar: matches nothing in the model: expected MECH.PARAM of a \
         placed mechanism, LABEL.PARAM of a point process, CLAMP.amp|delay|dur of an [[iclamp]], \
         cm, Ra, or a [simulation] key"
    );
    // A clamp's name with a field it does not have matches nothing either.
    assert!(headline(BASE, &["IClamp.tau=1"]).contains("--set IClamp.tau: matches nothing"));
    assert_eq!(
        headline(BASE, &["dt=-1"]),
        "model.toml: simulation.dt: must be positive, got -1"
    );
    assert!(model::Override::parse("hh.gnabar").is_err());
    assert!(model::Override::parse("hh.gnabar=NaN").is_err());
    // Keys that can name nothing, and integer keys given fractions, are refused as they are read.
    assert!(
        model::Override::parse("gnabar=1")
            .unwrap_err()
            .contains("matches nothing")
    );
    assert!(
        model::Override::parse("seed=1.5")
            .unwrap_err()
            .contains("integer")
    );
    assert!(model::Override::parse("sample_every=0").is_err());
}

/// The schema examples of `models/README.md` are valid model files (syntax and keys).
#[test]
fn readme_examples_parse() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/README.md");
    let text = std::fs::read_to_string(path).unwrap();
    let blocks: Vec<&str> = text
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 2);
    for b in blocks {
        if let Err(e) = model::Model::parse("README.md", b, Path::new(".")) {
            panic!("{e}");
        }
    }
}
