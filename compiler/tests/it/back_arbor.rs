//! The Arbor back end: the emitted mechanisms for hh and an IO channel as reviewed snapshots, and
//! constructs Arbor's dialect lacks rejected by name at their place in the source.

use std::path::Path;

use gradmod_compiler::back::arbor::{Direction, emit};
use gradmod_compiler::driver::load_source;

fn dir(mech: &str, param: &str) -> Direction {
    Direction {
        mech: mech.into(),
        param: param.into(),
    }
}

fn emit_file(stem: &str, dirs: &[Direction]) -> Result<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../mod_files/{stem}.mod"));
    let text = std::fs::read_to_string(path).unwrap();
    let front = load_source(&format!("mod_files/{stem}.mod"), &text);
    let m = front.module.as_ref().expect("the file is accepted");
    emit(m, dirs, &format!("{stem}.mod")).map_err(|d| d.render(&front.sources))
}

#[test]
fn hh_with_three_directions() {
    let dirs = [dir("hh", "gnabar"), dir("hh", "gkbar"), dir("hh", "gl")];
    let out = emit_file("hh", &dirs).unwrap();
    // Every direction has its species, a tangent per state, and its update of dv/dθ.
    for d in &dirs {
        assert!(out.contains(&format!("USEION {} WRITE {}d VALENCE 1", d.ion(), d.ion())));
        for s in ["m", "h", "n"] {
            assert!(out.contains(&format!("    d{s}_{} = ", d.tag())));
        }
    }
    assert!(
        !out.contains("select("),
        "Arbor has no conditional expression"
    );
    assert_snapshot!("hh", out);
}

#[test]
fn markov_channel_solves_states_and_tangents_together() {
    // A KINETIC scheme with COMPARTMENT and CONSERVE and its steady state in INITIAL: one KINETIC
    // block solves the states and their tangents (modcc's sparse), another the steady state.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse_extra/na_markov.mod");
    let text = std::fs::read_to_string(path).unwrap();
    let front = load_source("na_markov.mod", &text);
    let m = front.module.as_ref().expect("the file is accepted");
    let out = emit(m, &[dir("nakin", "gbar")], "na_markov.mod")
        .map_err(|d| d.render(&front.sources))
        .unwrap();
    assert!(out.contains("SOLVE kin METHOD sparse"), "{out}");
    assert!(
        out.contains("SOLVE kin_gm_steady STEADYSTATE sparse"),
        "{out}"
    );
    assert!(
        out.contains("CONSERVE dI1_nakin_gbar + dC0_nakin_gbar"),
        "{out}"
    );
    assert_snapshot!("na_markov", out);
}

#[test]
fn io_channel_with_its_own_and_a_foreign_direction() {
    // io_na_s differentiated along its own gbar and along io_kdr.gbar: the foreign direction
    // still needs this channel's share of dv/dθ, without a parameter seed.
    let out = emit_file("io_na_s", &[dir("io_na_s", "gbar"), dir("io_kdr", "gbar")]).unwrap();
    assert!(out.contains("USEION dv_io_kdr_gbar WRITE dv_io_kdr_gbard"));
    assert_snapshot!("io_na_s", out);
}

#[test]
fn unsupported_constructs_are_rejected_by_name_and_place() {
    let text = "NEURON { POINT_PROCESS sends NONSPECIFIC_CURRENT i }\n\
                PARAMETER { g = 1 }\nASSIGNED { v i }\nBREAKPOINT { i = g * v }\n\
                NET_RECEIVE(w) {\n    net_send(1, 1)\n}\n";
    let front = load_source("sends.mod", text);
    let m = front.module.as_ref().expect("accepted");
    let err = emit(m, &[], "sends.mod")
        .unwrap_err()
        .render(&front.sources);
    assert!(
        err.contains("net_send in NET_RECEIVE is not supported by the Arbor back end"),
        "{err}"
    );
    assert!(err.contains("sends.mod:6:"), "{err}");
    // Values kept per connection: Arbor passes the weight alone.
    let text = "NEURON { POINT_PROCESS keeps NONSPECIFIC_CURRENT i }\n\
                PARAMETER { g = 1 }\nASSIGNED { v i }\nBREAKPOINT { i = g * v }\n\
                NET_RECEIVE(w, n) {\n    n = n + 1\n}\n";
    let front = load_source("keeps.mod", text);
    let m = front.module.as_ref().expect("accepted");
    let err = emit(m, &[], "keeps.mod")
        .unwrap_err()
        .render(&front.sources);
    assert!(
        err.contains("NET_RECEIVE arguments after the weight (values kept per connection) are not"),
        "{err}"
    );
    assert!(err.contains("keeps.mod:5:"), "{err}");
    let err = emit_file("hh", &[dir("hh", "gbar")]).unwrap_err();
    assert!(
        err.contains("mechanism `hh` has no PARAMETER `gbar`"),
        "{err}"
    );
    let text = "NEURON { SUFFIX uses_t NONSPECIFIC_CURRENT i }\n\
                PARAMETER { g = 1 }\nASSIGNED { v i t }\nBREAKPOINT { i = g * t * v }\n";
    let front = load_source("uses_t.mod", text);
    let m = front.module.as_ref().expect("accepted");
    let err = emit(m, &[], "uses_t.mod")
        .unwrap_err()
        .render(&front.sources);
    assert!(
        err.contains("`t` is not available to Arbor mechanisms"),
        "{err}"
    );
    assert!(err.contains("uses_t.mod:3:"), "{err}");
}

#[test]
fn expsyn_carries_the_weight_direction_through_net_receive() {
    let out = emit_file("expsyn", &[dir("ExpSyn", "weight"), dir("hh", "gnabar")]).unwrap();
    assert!(out.contains("POINT_PROCESS ExpSyn"));
    // d/dλ of g = g + λ w at λ = 1 is w; the foreign direction only carries σ.
    assert!(
        out.contains("d_ExpSyn_weight_g_1 = dg_ExpSyn_weight + weight"),
        "{out}"
    );
    assert!(
        out.contains("dg_ExpSyn_weight = d_ExpSyn_weight_g_1"),
        "{out}"
    );
    // Arbor's own CV area scales what the point process adds to dv/dθ.
    assert!(out.contains("(gm_cm * area + 1e5 * dt"), "{out}");
}

#[test]
fn dt_and_area_are_arbors_and_t_and_nonlinear_schemes_are_rejected() {
    let emit_text = |name: &str, text: &str| {
        let front = load_source(name, text);
        let m = front.module.as_ref().expect("accepted");
        emit(m, &[], name).map_err(|d| d.render(&front.sources))
    };
    // dt and area are Arbor's own builtins, read as constants.
    let out = emit_text(
        "steps.mod",
        "NEURON { SUFFIX steps NONSPECIFIC_CURRENT i }\nASSIGNED { i }\n\
         BREAKPOINT { i = 1e-6 * dt * area * v }\n",
    )
    .unwrap();
    assert!(out.contains("i = 1e-6 * dt * area * v"), "{out}");
    assert!(!out.contains("gm_dt") && !out.contains("gm_area"), "{out}");
    // Arbor has no t.
    let err = emit_text(
        "clock.mod",
        "NEURON { SUFFIX clock RANGE x }\nASSIGNED { x }\nBREAKPOINT { x = t }\n",
    )
    .unwrap_err();
    assert!(
        err.contains("`t` is not available to Arbor mechanisms"),
        "{err}"
    );
    // A second-order reaction: modcc would solve it by Newton iterations.
    let err = emit_text(
        "dimer.mod",
        "NEURON { SUFFIX dimer RANGE k }\nPARAMETER { k = 1 }\nSTATE { a b }\n\
         BREAKPOINT { SOLVE kin METHOD sparse }\nKINETIC kin {\n    ~ 2a <-> b (k, 1)\n}\n",
    )
    .unwrap_err();
    assert!(err.contains("is not linear in its states"), "{err}");
    assert!(err.contains("dimer.mod:5:"), "{err}");
}

#[test]
fn assignments_after_an_ode_are_kept_where_they_stand() {
    let emit_text = |name: &str, text: &str| {
        let front = load_source(name, text);
        let m = front.module.as_ref().expect("accepted");
        emit(m, &[dir("two", "k")], name).map_err(|d| d.render(&front.sources))
    };
    // The second gate's rate reuses the LOCAL of the first: each ODE's coefficients are held
    // where it stands, and the ODEs come last for Arbor's cnexp.
    let head = "NEURON { SUFFIX two NONSPECIFIC_CURRENT i RANGE k }\nPARAMETER { k = 1 }\n\
                STATE { m h }\nASSIGNED { i }\nBREAKPOINT {\n    SOLVE s METHOD cnexp\n    \
                i = m * h * (v + 70)\n}\n";
    let out = emit_text(
        "two.mod",
        &format!(
            "{head}DERIVATIVE s {{\n    LOCAL a\n    a = k * exp(v / 10)\n    m' = (1 - m) * a\n    \
             a = 2 * k\n    h' = -h * a\n}}\n"
        ),
    )
    .unwrap();
    assert!(out.contains("m' = gm_a_m * m + gm_b_m"), "{out}");
    assert!(out.contains("h' = gm_a_h * h"), "{out}");
    // An assignment that reads the state an earlier ODE advances sees the new value in NEURON
    // and modcc: rejected by name, where it stands.
    let err = emit_text(
        "two.mod",
        &format!(
            "{head}DERIVATIVE s {{\n    LOCAL a\n    m' = (1 - m) * k\n    a = m\n    h' = -h * a\n}}\n"
        ),
    )
    .unwrap_err();
    assert!(
        err.contains("an assignment after the ODE of `m` that reads it"),
        "{err}"
    );
    assert!(err.contains("two.mod:12:"), "{err}");
}

#[test]
fn what_arbors_dialect_cannot_say_is_written_otherwise_or_rejected() {
    let emit_text = |name: &str, text: &str| {
        let front = load_source(name, text);
        let m = front.module.as_ref().expect("accepted");
        emit(m, &[], name).map_err(|d| d.render(&front.sources))
    };
    // modcc wants a comparison as a condition: a flag is tested against 0, as NEURON does.
    let out = emit_text(
        "flag.mod",
        "NEURON { SUFFIX flag NONSPECIFIC_CURRENT i RANGE on }\nPARAMETER { on = 1 }\n\
         ASSIGNED { i }\nBREAKPOINT {\n    if (on) { i = 1e-3 * v } else { i = 0 }\n}\n",
    )
    .unwrap();
    assert!(out.contains("if (on != 0) {"), "{out}");
    // Arbor's PARAMETERs are read-only: an assigned one is kept for the user to set, and a
    // working copy, set from it at the start of INITIAL, takes its place in every read and write.
    let out = emit_text(
        "retau.mod",
        "NEURON { SUFFIX retau NONSPECIFIC_CURRENT i }\nPARAMETER { tau = 1 }\n\
         ASSIGNED { i }\nINITIAL {\n    tau = 2 * tau\n}\nBREAKPOINT { i = v / tau }\n",
    )
    .unwrap();
    assert!(out.contains("PARAMETER {\n    tau = 1\n"), "{out}");
    assert!(
        out.contains("INITIAL {\n    gm_tau = tau\n    gm_tau = 2 * gm_tau\n"),
        "{out}"
    );
    assert!(out.contains("i = v / gm_tau"), "{out}");
    assert!(
        out.contains("RANGE gm_tau,") && out.contains("GLOBAL tau\n"),
        "{out}"
    );
    // Arbor allows one NONSPECIFIC_CURRENT: the declared ones stay as RANGE values, and one
    // current, their sum, is written with its conductance in sight of modcc.
    let out = emit_text(
        "twoi.mod",
        "NEURON { SUFFIX twoi NONSPECIFIC_CURRENT i, j }\nASSIGNED { i j }\n\
         BREAKPOINT { i = 1e-3 * v  j = 2e-3 * v }\n",
    )
    .unwrap();
    assert!(out.contains("NONSPECIFIC_CURRENT gm_i\n"), "{out}");
    assert!(out.contains("RANGE i, j, gm_vi,"), "{out}");
    assert!(
        out.contains("gm_vi = v\n    gm_i = i + j + g_gm_i * (v - gm_vi)\n"),
        "{out}"
    );
}

#[test]
fn a_parameter_assigned_outside_initial_keeps_its_tangent_from_block_to_block() {
    // NEURON's assignment to a PARAMETER persists: a factor BREAKPOINT assigns and DERIVATIVE
    // reads is the value BREAKPOINT left. Its copy's tangent is kept in a STATE that INITIAL
    // seeds (1 along the parameter itself) and BREAKPOINT updates (here, to the tangent of
    // 2 q10, whatever INITIAL left).
    let text = "NEURON { SUFFIX fac NONSPECIFIC_CURRENT i RANGE q10, g }\n\
                PARAMETER { q10 = 1  g = 1e-3 }\nSTATE { n }\nASSIGNED { i }\n\
                INITIAL { n = 0 }\nBREAKPOINT {\n    SOLVE s METHOD cnexp\n\
                    q10 = 2 * q10\n    i = g * n * v\n}\n\
                DERIVATIVE s { n' = q10 * (1 - n) }\n";
    let front = load_source("fac.mod", text);
    let m = front.module.as_ref().expect("accepted");
    let out = emit(m, &[dir("fac", "q10")], "fac.mod")
        .map_err(|d| d.render(&front.sources))
        .unwrap();
    assert!(out.contains("    dgm_q10_fac_q10\n"), "{out}");
    assert!(
        out.contains("d_fac_q10_gm_q10 = 1\n    gm_q10 = q10\n"),
        "{out}"
    );
    assert!(
        out.contains("dgm_q10_fac_q10 = d_fac_q10_gm_q10\n"),
        "{out}"
    );
    let breakpoint = &out[out.find("BREAKPOINT {").unwrap()..out.find("DERIVATIVE s").unwrap()];
    assert!(
        breakpoint.contains("gm_q10 = 2 * gm_q10") && breakpoint.contains("dgm_q10_fac_q10 = "),
        "{breakpoint}"
    );
}

#[test]
fn exp2syn_clamps_a_working_copy_of_tau1() {
    // NEURON's Exp2Syn: INITIAL clamps tau1 below 0.9999 tau2. The PARAMETER tau1 is the one
    // the user sets (and `--wrt Exp2Syn.tau1` differentiates); the copy gm_tau1 is clamped, its
    // tangent (1 or 0 along tau1, 0 or 0.9999 along tau2) kept in STATEs for the states' block.
    let dirs = [dir("Exp2Syn", "tau1"), dir("Exp2Syn", "tau2")];
    let out = emit_file("exp2syn", &dirs).unwrap();
    assert!(out.contains("gm_tau1 = 0.9999 * tau2"), "{out}");
    assert!(out.contains("A' = -(A / gm_tau1)"), "{out}");
    assert_snapshot!("exp2syn", out);
}

#[test]
fn a_compartment_volume_read_through_a_working_copy_is_rejected_along_its_parameter() {
    // The volumes' tangents are not carried: a volume that reads the copy of the parameter
    // differentiated is rejected as one that reads the parameter is, where it stands.
    let text = "NEURON { SUFFIX kv NONSPECIFIC_CURRENT i RANGE vol, g }\n\
                PARAMETER { vol = 2  g = 1e-3 }\nSTATE { c o }\nASSIGNED { i }\n\
                INITIAL {\n    vol = 2 * vol\n    c = 1\n    o = 0\n}\n\
                BREAKPOINT {\n    SOLVE kin METHOD sparse\n    i = g * o * v\n}\n\
                KINETIC kin {\n    COMPARTMENT vol { c o }\n    ~ c <-> o (1, 2)\n}\n";
    let front = load_source("kv.mod", text);
    let m = front.module.as_ref().expect("accepted");
    let err = emit(m, &[dir("kv", "vol")], "kv.mod")
        .map_err(|d| d.render(&front.sources))
        .unwrap_err();
    assert!(
        err.contains("differentiating along `vol`, on which a COMPARTMENT volume depends"),
        "{err}"
    );
    assert!(err.contains("kv.mod:15:"), "{err}");
    // Along g it is emitted.
    assert!(emit(m, &[dir("kv", "g")], "kv.mod").is_ok());
}
