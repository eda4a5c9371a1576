//! Model C (docs/MODELS.md, the inferior-olive cell on C4A.swc) differentiated end to end: every
//! tangent trace dV/dθ equals the central finite difference of two full simulations to a relative
//! error below 1e-6 of the trace's maximum. The passive variant (one CV per SWC segment, 3914 CVs)
//! for pas g and e, c_m, Ra and the clamp amplitude; the active variant (the IO channels, one CV per
//! section, from −60 mV, with a somatic clamp so that every channel matters) for all twelve
//! conductances of the fitting issue, each in its own region.

use crate::models::fd::check;
use crate::models::generated;
use gradmod::{Library, fit};
use gradmod_runtime::{Cell, ClampId, ParamSpec, Region, SectionId, Settings, read_swc};

fn swc() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data/C4A.swc");
    std::fs::read_to_string(path).unwrap()
}

/// The passive variant: `pas` (g 1e-4 S/cm², e −65 mV) everywhere, 0.1 nA at the soma from 10
/// to 60 ms, one CV per SWC segment; 30 ms of it.
#[test]
fn passive_c4a_tangents_match_finite_differences() {
    let build = || {
        let mut m = read_swc(&swc()).unwrap();
        for i in 0..m.sections().len() {
            let n = m.sections()[i].points.len() - 1;
            m.section_mut(SectionId(i)).nseg = n;
        }
        let mut cell = Cell::new(m, Settings::default()).unwrap();
        let pas = cell.insert(generated("pas"), &Region::All).unwrap();
        cell.set_field(pas, "g", &Region::All, 1e-4).unwrap();
        cell.set_field(pas, "e", &Region::All, -65.0).unwrap();
        cell.add_iclamp("soma[0]", 0.5, 10.0, 50.0, 0.1).unwrap();
        cell
    };
    let cell = build();
    let cvs = [
        cell.cv_at("soma[0]", 0.5).unwrap(),
        cell.cv_at("dend[20]", 1.0).unwrap(),
    ];
    assert!(cell.layout().area.len() > 3000);
    let specs = vec![
        ParamSpec::mechanism("pas", "g"),
        ParamSpec::mechanism("pas", "e"),
        ParamSpec::cm(),
        ParamSpec::ra(),
        ParamSpec::iclamp_amp(ClampId(0)),
    ];
    check(&build, &specs, &cvs, 30.0, &[1e-5; 5], 1e-6);
}

/// The active variant: the IO cell at the fitting experiment's reference (g_K_Ca × 4), one CV
/// per section, 100 ms from −60 mV with a somatic clamp added; the twelve conductances, each in
/// its region as the fit ties them.
#[test]
fn active_c4a_tangents_match_finite_differences() {
    let mut scale = [1.0; 12];
    scale[2] = 4.0;
    let build = move || {
        let mut cell = fit::io_cell(
            &Library::builtin(),
            &swc(),
            fit::Cvs::PerSection,
            0.025,
            &scale,
        )
        .unwrap();
        // Without it the soma's sodium and delayed-rectifier conductances move the voltage by
        // less than two simulations' rounding can resolve in 100 ms (dV/dg about 1e-6 mV per
        // S/cm²); a 1 nA depolarisation from 20 to 80 ms makes them matter.
        cell.add_iclamp("soma[0]", 0.5, 20.0, 60.0, 1.0).unwrap();
        cell
    };
    let cell = build();
    let cvs = [
        cell.cv_at("soma[0]", 0.5).unwrap(),
        cell.cv_at("dend[20]", 1.0).unwrap(),
    ];
    let specs: Vec<ParamSpec> = fit::IO_REFERENCE
        .iter()
        .map(|&(_, mech, field, tags, _)| {
            let mut s = ParamSpec::mechanism(mech, field);
            for &t in tags {
                s = s.in_region(Region::Tag(t));
            }
            s
        })
        .collect();
    // The leak conductances are 1.3e-6 S/cm²: a relative step of 1e-5 moves V by less than
    // the rounding of two simulations resolves, so theirs is 1e-3.
    let mut rel = [1e-5; 12];
    for (k, &(name, ..)) in fit::IO_REFERENCE.iter().enumerate() {
        if name.starts_with("g_l") {
            rel[k] = 1e-3;
        }
    }
    check(&build, &specs, &cvs, 100.0, &rel, 1e-6);
}
