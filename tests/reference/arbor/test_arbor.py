"""The Arbor back end against Arbor itself (run by .ci/run where Arbor installs from PyPI).

Each test builds a catalogue with `gradmod emit arbor` and arbor-build-catalogue, and compares
dv/dθ from it with Arbor's central finite differences at the same dt. GRADMOD_CLI names the
gradmod binary (default target/debug/gradmod).
"""

import os

import numpy as np
import pytest

A = pytest.importorskip("arbor")

import check_models as C  # noqa: E402
import diffusivity as D  # noqa: E402
import gm_arbor as G  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
GRADMOD = os.environ.get("GRADMOD_CLI", os.path.join(ROOT, "target", "debug", "gradmod"))


def central_difference(cat, cable, mechs, mech, param, stim, tstop, cv, ions, rel_h=1e-4, simulate=C.simulate):
    """The unperturbed run, and max |tangent - central difference| / max |central difference|
    at CV `cv` along `mech.param` (step `rel_h` of its value), with the species `ions`;
    `simulate` (check_models.simulate's arguments) runs the cell."""
    ion = f"dv_{mech}_{param}"
    base = simulate(cat, cable, mechs, ions, stim, tstop)
    h = rel_h * mechs[mech][param]
    runs = []
    for sign in (1, -1):
        ms = {k: dict(v) for k, v in mechs.items()}
        ms[mech][param] += sign * h
        runs.append(simulate(cat, cable, ms, ions, stim, tstop)["v"])
    fd = (runs[0] - runs[1]) / (2 * h)
    return base, G.rel_err(base[ion][:, 1:][:, cv], fd[:, 1:][:, cv])


def fd_error(cat, cable, mechs, mech, param, stim, tstop, cv):
    """max |tangent - central difference| / max |central difference| at CV `cv`."""
    wrt = [(m, p) for m in mechs for p in ["gbar", "gnabar", "gkbar", "gl", "e", "g"] if p in mechs[m]]
    ions = [f"dv_{m}_{p}" for m, p in wrt]
    return central_difference(cat, cable, mechs, mech, param, stim, tstop, cv, ions)[1]


@pytest.fixture(scope="module")
def hh_cat(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("hh"))
    files = [os.path.join(ROOT, "mod_files/hh.mod")]
    return G.build_catalogue(GRADMOD, files, ["hh.gnabar", "hh.gkbar", "hh.gl"], work)


def test_diffusivity_makes_diffusion_equal_the_cable(tmp_path):
    cat = G.build_catalogue(GRADMOD, [os.path.join(ROOT, "mod_files/pas.mod")], ["pas.e"], str(tmp_path))
    for diam in (1.0, 4.0):
        exact, _ = D.relax(cat, diam, 1.0)
        off, _ = D.relax(cat, diam, 1.01)
        assert exact < 1e-12, (diam, exact)
        assert off > 1e-3, (diam, off)


def test_face_coefficient_law():
    # Arbor 0.12's face coefficient is 1e10 D L / ∫ dx / A over the span between the CVs'
    # midpoints (faces.py): on a uniform cylinder it does not fall with the CVs' length.
    import faces as F

    for g in F.GEOMETRIES:
        k, law, conservation = F.measure(*g)
        assert abs(k / law - 1) < 1e-9, (g, k, law)
        assert abs(conservation - 1) < 1e-9, (g, conservation)


def test_scales_make_diffusion_the_axial_solve_on_any_cvs(tmp_path):
    # CVs of 5 and 20 µm, and model A's 20 µm soma on a 1 µm axon of 40 µm CVs: one diffusivity
    # (right for 10 µm CVs of one diameter) is far off; the per-span diffusivities and per-CV
    # scales of gm_arbor.cv_scales reproduce the cable to rounding.
    cat = G.build_catalogue(GRADMOD, [os.path.join(ROOT, "mod_files/pas.mod")], ["pas.e"], str(tmp_path))
    for name, sections in D.CHAINS.items():
        before = D.relax_chain(cat, sections, scaled=False)
        after = D.relax_chain(cat, sections, scaled=True)
        assert before > 1e-2, (name, before)
        assert after < 1e-12, (name, after)


def test_model_a_agrees_with_finite_differences(hh_cat):
    # The soma-axon junction is exact in the axial term; what is left is the splitting of the
    # membrane conductance from the axial solve (docs/arbor.md).
    cable = G.Cable([("soma", 20.0, 20.0, 1), ("axon", 400.0, 1.0, 10)])
    hh = {"hh": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003}}
    stim = (cable.loc("soma", 0.5), 10.0, 1.0, 0.5)
    err_soma = fd_error(hh_cat, cable, hh, "hh", "gnabar", stim, 30.0, 0)
    err_end = fd_error(hh_cat, cable, hh, "hh", "gnabar", stim, 30.0, -1)
    assert err_soma < 1e-2, err_soma
    assert err_end < 6e-2, err_end


def test_model_a_with_two_mechanisms_per_cv(tmp_path):
    # hh and pas on every CV of model A: one of them (hh, the first) applies the scales; with
    # none doing it (gm_axial = 0 on both) the errors were 1.3e-1 and 2.9e-1.
    files = [os.path.join(ROOT, "mod_files/hh.mod"), os.path.join(ROOT, "mod_files/pas.mod")]
    cat = G.build_catalogue(GRADMOD, files, ["hh.gnabar", "hh.gkbar", "hh.gl", "pas.e", "pas.g"], str(tmp_path))
    cable = G.Cable([("soma", 20.0, 20.0, 1), ("axon", 400.0, 1.0, 10)])
    mechs = {"hh": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003}, "pas": {"g": 1e-5, "e": -65.0}}
    stim = (cable.loc("soma", 0.5), 10.0, 1.0, 0.5)
    err_soma = fd_error(cat, cable, mechs, "hh", "gnabar", stim, 30.0, 0)
    err_end = fd_error(cat, cable, mechs, "hh", "gnabar", stim, 30.0, -1)
    assert err_soma < 1e-2, err_soma
    assert err_end < 6e-2, err_end


def test_hh_on_one_compartment_is_the_derivative_of_arbors_step(hh_cat):
    soma = G.Cable([("soma", 20.0, 20.0, 1)])
    hh = {"hh": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003}}
    stim = (soma.loc("soma", 0.5), 1.0, 1.0, 0.5)
    for param in ("gnabar", "gkbar", "gl"):
        err = fd_error(hh_cat, soma, hh, "hh", param, stim, 15.0, 0)
        assert err < 1e-6, (param, err)


def test_hh_cable_agrees_with_finite_differences_to_a_few_percent(hh_cat):
    cable = G.Cable([("cable", 300.0, 1.0, 30)])
    hh = {"hh": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003}}
    stim = (cable.loc("cable", 0.0167), 2.0, 1.0, 0.1)
    err_first = fd_error(hh_cat, cable, hh, "hh", "gnabar", stim, 15.0, 0)
    err_last = fd_error(hh_cat, cable, hh, "hh", "gnabar", stim, 15.0, -1)
    assert err_first < 3e-2, err_first
    assert err_last < 8e-2, err_last


def test_io_channel_on_one_compartment(tmp_path):
    files = [os.path.join(ROOT, "mod_files/io_na_s.mod")]
    cat = G.build_catalogue(GRADMOD, files, ["io_na_s.gbar"], str(tmp_path))
    soma = G.Cable([("soma", 20.0, 20.0, 1)])
    stim = (soma.loc("soma", 0.5), 2.0, 10.0, 0.2)
    err = fd_error(cat, soma, {"io_na_s": {"gbar": 0.003}}, "io_na_s", "gbar", stim, 20.0, 0)
    assert err < 1e-6, err
    assert np.isfinite(err)


def hh_text(suffix, assigned, solve, rest):
    """An hh mechanism named `suffix`: NEURON's hh currents, with `assigned` added to its ASSIGNED
    variables, `solve` the first statement of BREAKPOINT, and `rest` its other blocks."""
    return f"""
NEURON {{
    SUFFIX {suffix}
    USEION na READ ena WRITE ina
    USEION k READ ek WRITE ik
    NONSPECIFIC_CURRENT il
    RANGE gnabar, gkbar, gl, el
}}
PARAMETER {{ gnabar = 0.12  gkbar = 0.036  gl = 0.0003  el = -54.3 }}
STATE {{ m h n }}
ASSIGNED {{ v ena ek ina ik il {assigned} }}
BREAKPOINT {{
    {solve}
    ina = gnabar * m * m * m * h * (v - ena)
    ik = gkbar * n * n * n * n * (v - ek)
    il = gl * (v - el)
}}
{rest}"""


HH_LOCALS = hh_text(
    "hhl",
    "celsius",
    "SOLVE states METHOD cnexp",
    """INITIAL { m = 0.0529  h = 0.596  n = 0.3177 }
DERIVATIVE states {
    LOCAL a, b
    a = 0.1 * (v + 40) / (1 - exp(-(v + 40) / 10))
    b = 4 * exp(-(v + 65) / 18)
    m' = a - m * (a + b)
    a = 0.07 * exp(-(v + 65) / 20)
    b = 1 / (exp(-(v + 35) / 10) + 1)
    h' = a - h * (a + b)
    a = 0.01 * (v + 55) / (1 - exp(-(v + 55) / 10))
    b = 0.125 * exp(-(v + 65) / 80)
    n' = a - n * (a + b)
}
""",
)


@pytest.mark.parametrize("method", ["cnexp", "sparse"])
def test_derivative_block_that_reuses_its_locals(tmp_path, method):
    # hh written as Arbor's own hh.mod is, the rates of each gate in the same LOCALs after the
    # previous gate's ODE: each ODE's coefficients are held where it stands. Along gnabar the
    # error is 1.7e-10 at h = 1e-5 (2.7e-10 on Arbor's own hh.mod from the corpus, and 1.4e-10
    # along its gkbar). Solved with sparse, the block is a linear scheme with constant terms
    # (the STATE gm_one that stays 1 carries them): 1.7e-10 too.
    src = tmp_path / "hh_locals.mod"
    src.write_text(HH_LOCALS.replace("METHOD cnexp", f"METHOD {method}"))
    cat = G.build_catalogue(GRADMOD, [str(src)], ["hhl.gnabar"], str(tmp_path))
    soma = G.Cable([("soma", 20.0, 20.0, 1)])
    stim = (soma.loc("soma", 0.5), 1.0, 1.0, 0.5)
    mechs = {"hhl": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003}}
    base, err = central_difference(cat, soma, mechs, "hhl", "gnabar", stim, 15.0, 0, ["dv_hhl_gnabar"], 1e-5)
    assert base["v"][:, 1].max() > 0.0
    assert err < 1e-7, err


def test_a_factor_initial_makes_from_a_parameter(tmp_path):
    # INITIAL sets q from the parameter q10 and only DERIVATIVE reads it: q's tangent is carried
    # there in a STATE (it was dropped before, and dv/dq10 was zero: relative error 1).
    text = HH_LOCALS.replace("gl, el", "gl, el, q10").replace("el = -54.3", "el = -54.3  q10 = 1")
    text = text.replace("celsius }", "celsius q }").replace("INITIAL {", "INITIAL { q = 1.5 * q10 ")
    for gate in "mhn":
        text = text.replace(f"{gate}' = a", f"{gate}' = q * (a")
        text = text.replace(f"- {gate} * (a + b)", f"- {gate} * (a + b))")
    src = tmp_path / "hh_q.mod"
    src.write_text(text)
    cat = G.build_catalogue(GRADMOD, [str(src)], ["hhl.q10"], str(tmp_path))
    soma = G.Cable([("soma", 20.0, 20.0, 1)])
    stim = (soma.loc("soma", 0.5), 1.0, 1.0, 0.5)
    mechs = {"hhl": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003, "q10": 1.0}}
    _, err = central_difference(cat, soma, mechs, "hhl", "q10", stim, 15.0, 0, ["dv_hhl_q10"], 1e-5)
    assert err < 1e-7, err


def test_kinetic_channel_on_one_compartment(tmp_path):
    # A six-state Markov Na channel (KINETIC with COMPARTMENT and CONSERVE, its steady state
    # solved in INITIAL): the states and their tangents are one linear system that modcc's sparse
    # solves, so dv/dθ is the derivative of Arbor's step. Along gbar (RANGE) and the rate a0
    # (GLOBAL, set by deriving the mechanism), the error falls as h² (1.6e-4, 1.6e-6, 1.6e-8 for
    # gbar and 8e-4, 8e-6, 8e-8 for a0 at h = 1e-3, 1e-4, 1e-5 of θ): central differences'
    # own truncation.
    files = [os.path.join(ROOT, "compiler/tests/parse_extra/na_markov.mod")]
    cat = G.build_catalogue(GRADMOD, files, ["nakin.gbar", "nakin.a0"], str(tmp_path))
    soma = G.Cable([("soma", 20.0, 20.0, 1)])
    ions = ["dv_nakin_gbar", "dv_nakin_a0"]
    U = A.units

    def run(gbar=0.01, a0=None):
        dec = A.decor()
        dec.set_property(Vm=-65 * U.mV, cm=0.01 * U.F / U.m2, rL=100 * U.Ohm * U.cm, tempK=(6.3 + 273.15) * U.Kelvin)
        name = "nakin" if a0 is None else f"nakin/a0={a0!r}"
        soma.paint_gradient(dec, ions, [(None, name, {"gbar": gbar})], 100.0, 1.0, C.DT)
        dec.place(soma.loc("soma", 0.5), A.i_clamp(1.0 * U.ms, 1.0 * U.ms, 0.05 * U.nA))
        cell = A.cable_cell(soma.morph, dec, soma.labels, soma.policy)
        probes = lambda gid: [A.cable_probe_membrane_voltage_cell("v")] + [  # noqa: E731
            A.cable_probe_density_state_cell("gm::" + name, "gm_" + ion, ion) for ion in ions
        ]
        rec = G.Recipe([cell], G.properties(cat, ions), probes)
        return G.run(rec, 10.0, C.DT, [("v", 0, "v")] + [(ion, 0, ion) for ion in ions])

    base = run()
    assert base["v"][:, 1].max() > 0.0  # the channel fires
    h = 1e-5 * 0.01
    fd = (run(gbar=0.01 + h)["v"][:, 1] - run(gbar=0.01 - h)["v"][:, 1]) / (2 * h)
    err = G.rel_err(base["dv_nakin_gbar"][:, 1], fd)
    assert err < 1e-6, err
    h = 1e-5 * 20.0
    fd = (run(a0=20.0 + h)["v"][:, 1] - run(a0=20.0 - h)["v"][:, 1]) / (2 * h)
    err = G.rel_err(base["dv_nakin_a0"][:, 1], fd)
    assert err < 1e-6, err


def read_csv(path):
    with open(path) as f:
        head = f.readline().strip().split(",")
    return head, np.loadtxt(path, delimiter=",", skiprows=1)


@pytest.mark.parametrize("name", ["B100_hh_cable", "A_hh_axon"])
def test_model_emission_runs_the_model_like_gradmod(tmp_path, name):
    import subprocess
    import sys

    # Model A has a 20 µm soma on a 1 µm axon: the scales of model.py make its junction exact.
    model = os.path.join(ROOT, f"models/{name}.toml")
    out = tmp_path / "arbor"
    subprocess.run([GRADMOD, "emit", "arbor", os.path.join(ROOT, "mod_files/hh.mod"), "--model", model, "-o", str(out)], check=True)
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    subprocess.run([os.path.join(bindir, "arbor-build-catalogue"), "gm", "mods"], cwd=out, check=True, capture_output=True, env=env)
    subprocess.run([sys.executable, "model.py", "gm-catalogue.so", "res"], cwd=out, check=True, capture_output=True)
    ref = tmp_path / "gradmod"
    subprocess.run([GRADMOD, "run", model, "--out", str(ref), "--no-plot"], check=True, capture_output=True)
    ha, va = read_csv(out / "res" / "traces.csv")
    hg, vg = read_csv(ref / "traces.csv")
    n = min(len(va), len(vg))
    for col in ha[1:]:
        # Arbor's and gradmod's schemes differ (cnexp forms, CV layout): V agrees to a fraction of a mV.
        assert np.max(np.abs(va[:n, ha.index(col)] - vg[:n, hg.index(col)])) < 0.5, col
    ha, ta = read_csv(out / "res" / "tangents.csv")
    hg, tg = read_csv(ref / "tangents.csv")
    assert ha[1:] == [h for h in hg[1:] if h in ha], (ha, hg)
    for col in ha[1:]:
        err = G.rel_err(ta[:n, ha.index(col)], tg[:n, hg.index(col)])
        assert err < 0.1, (col, err)


def test_model_emission_refuses_what_it_cannot_build(tmp_path):
    import subprocess

    model = os.path.join(ROOT, "models/io_cell.toml")
    r = subprocess.run([GRADMOD, "emit", "arbor", "--model", model, "-o", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode != 0
    assert "[morphology] (SWC) is not supported by `gradmod emit arbor --model` yet" in r.stderr


def synapse_simulate(syn, weight, events):
    """A `simulate` for central_difference: the density mechanisms of `mechs` painted as
    check_models.simulate paints them, and the point process `syn` (its entry of `mechs`, whose
    `weight` is the scale λ of the event weight `weight` µS) at the middle of the soma, with events
    at `events` ms; dv/dθ is read from the first density mechanism's STATE gm_dv_*."""

    def simulate(cat, cable, mechs, ions, stim, tstop):
        U = A.units
        dec = A.decor()
        dec.set_property(Vm=-65 * U.mV, cm=0.01 * U.F / U.m2, rL=100 * U.Ohm * U.cm, tempK=(6.3 + 273.15) * U.Kelvin)
        density = [(m, p) for m, p in mechs.items() if m != syn]
        cable.paint_gradient(dec, ions, [(None, m, p) for m, p in density], 100.0, 1.0, C.DT)
        params = {k: v for k, v in mechs[syn].items() if k != "weight"}
        dec.place(cable.loc("soma", 0.5), A.synapse(f"gm::{syn}", dict(params, gm_cm=1.0, gm_pre=1.0)), "syn")
        cell = A.cable_cell(cable.morph, dec, cable.labels, cable.policy)
        scale = mechs[syn].get("weight", 1.0)
        times = A.explicit_schedule([t * U.ms for t in events])
        gens = {0: [A.event_generator("syn", weight * scale, times)]}
        first = density[0][0]
        probes = lambda gid: [A.cable_probe_membrane_voltage_cell("v")] + [  # noqa: E731
            A.cable_probe_density_state_cell(f"gm::{first}", "gm_" + ion, ion) for ion in ions
        ]
        rec = G.Recipe([cell], G.properties(cat, ions), probes, generators=gens)
        return G.run(rec, tstop, C.DT, [("v", 0, "v")] + [(ion, 0, ion) for ion in ions])

    return simulate


def leak_first(tmp_path):
    """pas.mod renamed `Apas`: Arbor runs a cell's mechanisms in the order of their names, so this
    leak's BREAKPOINT, which copies dv/dθ into its probe STATE, runs before a point process named
    with a later letter (Exp2Syn) adds its step to the species (read after it, the probe is one
    step ahead: 3e-2 along tau1)."""
    with open(os.path.join(ROOT, "mod_files/pas.mod")) as f:
        text = f.read().replace("SUFFIX pas", "SUFFIX Apas")
    src = tmp_path / "apas.mod"
    src.write_text(text)
    return str(src)


@pytest.mark.parametrize("tau1", [0.5, 12.0])
@pytest.mark.parametrize("g", [0.0, 1e-4])
def test_exp2syn_with_its_clamp_of_tau1(tmp_path, tau1, g):
    # NEURON's Exp2Syn assigns its PARAMETER tau1 in INITIAL (tau1 = 0.9999 tau2 where
    # tau1 > 0.9999 tau2): the emitted mechanism keeps tau1 as the user's PARAMETER and works on a
    # copy, whose tangent follows the clamp (0 along tau1 and 0.9999 along tau2 where it acts,
    # tau1 = 12 here). Two events on a soma with a leak (g = 0: the synapse alone carries a
    # current; g = 1e-4 S/cm2: two mechanisms take their shares one after the other). Measured
    # (g = 0 / 1e-4), clamp inactive: along tau1 8.7e-10 / 1.3e-5, tau2 2.9e-9 / 7.8e-6, the
    # weight scale 7.7e-6 / 2.3e-5; active: along tau1 the tangent and the differences are both
    # exactly zero, tau2 3.2e-7 / 1.3e-5, the weight scale 7.7e-6 / 2.2e-5. The step is 1e-5 of
    # θ, but 1e-3 along the weight (Arbor's event weights are floats: at 1e-5 their rounding is
    # 5e-3 of the difference) and along tau2 with the clamp active (tau2 - tau1 = 1e-4 tau2
    # there, and the differences' rounding error grows as 1/h: 2.6e-5 at 1e-5, 3.2e-7 at 1e-3).
    files = [leak_first(tmp_path), os.path.join(ROOT, "mod_files/exp2syn.mod")]
    wrt = ["Exp2Syn.tau1", "Exp2Syn.tau2", "Exp2Syn.weight"]
    cat = G.build_catalogue(GRADMOD, files, wrt, str(tmp_path))
    soma = G.Cable([("soma", 20.0, 20.0, 1)])
    ions = ["dv_" + w.replace(".", "_") for w in wrt]
    sim = synapse_simulate("Exp2Syn", 0.002, [2.0, 6.0])
    mechs = {"Apas": {"g": g, "e": -65.0}, "Exp2Syn": {"tau1": tau1, "tau2": 10.0, "e": 0.0, "weight": 1.0}}
    clamped = tau1 > 0.9999 * 10.0
    for param in ("tau1", "tau2", "weight"):
        rel_h = 1e-3 if param == "weight" or clamped else 1e-5
        base, err = central_difference(cat, soma, mechs, "Exp2Syn", param, None, 15.0, 0, ions, rel_h, sim)
        print(f"Exp2Syn tau1={tau1} g={g} d/d{param}: {err:.2e}")
        assert base["v"][:, 1].max() > -60.0  # the events depolarise the soma
        if clamped and param == "tau1":
            # The clamp makes v independent of tau1: the tangent is zero, the differences are
            # rounding.
            assert np.abs(base["dv_Exp2Syn_tau1"][:, 1]).max() == 0.0
        else:
            assert err < (1e-6 if g == 0.0 and param != "weight" else 1e-4), (param, err)


HH_TWO_CURRENTS = HH_LOCALS.replace("USEION k READ ek WRITE ik", "NONSPECIFIC_CURRENT ik").replace(
    "gl, el", "gl, el, ek"
).replace("el = -54.3", "el = -54.3  ek = -77").replace("ASSIGNED { v ena ek", "ASSIGNED { v ena")


def test_two_nonspecific_currents(tmp_path):
    # hh with its potassium and leak currents both NONSPECIFIC_CURRENTs: the emitted mechanism
    # has one, gm_i, their sum, whose conductance and tangents are the sums of theirs. Along
    # the conductance of each (h = 1e-5): gkbar 2.3e-10, gl 3.9e-10, as for the same hh with
    # USEION k. (Written as ik + il alone, the sum has no conductance for modcc, which
    # differentiates through LOCALs but not RANGE values, and Arbor's step is explicit in it:
    # 5.2e-2 and 1.2e-1.)
    check_hh_variant(tmp_path, HH_TWO_CURRENTS, "hhl", ("gkbar", "gl"), "two currents")


def check_hh_variant(tmp_path, text, mech, params, label):
    """An hh variant `text` (SUFFIX `mech`) on one stimulated compartment that fires: the tangents
    along `params` against Arbor's central differences (h = 1e-5), to 1e-7."""
    src = tmp_path / f"{mech}.mod"
    src.write_text(text)
    cat = G.build_catalogue(GRADMOD, [str(src)], [f"{mech}.{p}" for p in params], str(tmp_path))
    soma = G.Cable([("soma", 20.0, 20.0, 1)])
    stim = (soma.loc("soma", 0.5), 1.0, 1.0, 0.5)
    mechs = {mech: {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003}}
    ions = [f"dv_{mech}_{p}" for p in params]
    for param in params:
        base, err = central_difference(cat, soma, mechs, mech, param, stim, 15.0, 0, ions, 1e-5)
        print(f"{label} d/d{param}: {err:.2e}")
        assert base["v"][:, 1].max() > 0.0
        assert err < 1e-7, (param, err)


HH_ARRAYS = hh_text(
    "hha",
    "celsius ra[3] rb[3]",
    "SOLVE states METHOD cnexp",
    """INITIAL {
    LOCAL i
    FROM i = 0 TO 2 { ra[i] = 0  rb[i] = 1 }
    m = 0.0529  h = 0.596  n = 0.3177
}
DERIVATIVE states {
    rates(v)
    m' = ra[0] - m * (ra[0] + rb[0])
    h' = ra[1] - h * (ra[1] + rb[1])
    n' = ra[2] - n * (ra[2] + rb[2])
}
PROCEDURE rates(v (mV)) {
    ra[0] = 0.1 * (v + 40) / (1 - exp(-(v + 40) / 10))
    rb[0] = 4 * exp(-(v + 65) / 18)
    ra[1] = 0.07 * exp(-(v + 65) / 20)
    rb[1] = 1 / (exp(-(v + 35) / 10) + 1)
    ra[2] = 0.01 * (v + 55) / (1 - exp(-(v + 55) / 10))
    rb[2] = 0.125 * exp(-(v + 65) / 80)
}
""",
)


def test_arrays_indexed_by_constants(tmp_path):
    # hh whose rates are kept in arrays, every index a constant (or a FROM loop's, unrolled): the
    # elements are emitted as scalars ra_0, ..., with the same tangents as hh's (1.7e-10 along
    # gnabar, 2.3e-10 along gkbar at h = 1e-5).
    check_hh_variant(tmp_path, HH_ARRAYS, "hha", ("gnabar", "gkbar"), "arrays")


HH_PROCEDURE = hh_text(
    "hhp",
    "minf hinf ninf mexp hexp nexp",
    "SOLVE states",
    """INITIAL { SOLVE start }
PROCEDURE start() {
    rates(v)
    m = minf  h = hinf  n = ninf
}
PROCEDURE states() {
    rates(v)
    m = m + mexp * (minf - m)
    h = h + hexp * (hinf - h)
    n = n + nexp * (ninf - n)
}
PROCEDURE rates(u) {
    LOCAL a, b
    a = 0.1 * (u + 40) / (1 - exp(-(u + 40) / 10))
    b = 4 * exp(-(u + 65) / 18)
    minf = a / (a + b)
    mexp = 1 - exp(-dt * (a + b))
    a = 0.07 * exp(-(u + 65) / 20)
    b = 1 / (exp(-(u + 35) / 10) + 1)
    hinf = a / (a + b)
    hexp = 1 - exp(-dt * (a + b))
    a = 0.01 * (u + 55) / (1 - exp(-(u + 55) / 10))
    b = 0.125 * exp(-(u + 65) / 80)
    ninf = a / (a + b)
    nexp = 1 - exp(-dt * (a + b))
}
""",
)


def test_states_updated_by_a_solved_procedure(tmp_path):
    # hh whose gates are updated by explicit assignments in a PROCEDURE that BREAKPOINT SOLVEs
    # (exponential Euler, as in the corpus's mathews_KLT), and set in INITIAL by another: the
    # emitted DERIVATIVE block without equations makes the same assignments once a step, with
    # their exact tangents.
    check_hh_variant(tmp_path, HH_PROCEDURE, "hhp", ("gnabar", "gkbar"), "solved procedure")
