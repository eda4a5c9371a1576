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


def fd_error(cat, cable, mechs, mech, param, stim, tstop, cv):
    """max |tangent - central difference| / max |central difference| at CV `cv`."""
    wrt = [(m, p) for m in mechs for p in ["gbar", "gnabar", "gkbar", "gl", "e", "g"] if p in mechs[m]]
    ions = [f"dv_{m}_{p}" for m, p in wrt]
    ion = f"dv_{mech}_{param}"
    base = C.simulate(cat, cable, mechs, ions, stim, tstop)
    h = 1e-4 * mechs[mech][param]
    runs = []
    for sign in (1, -1):
        ms = {k: dict(v) for k, v in mechs.items()}
        ms[mech][param] += sign * h
        runs.append(C.simulate(cat, cable, ms, ions, stim, tstop)["v"])
    fd = (runs[0] - runs[1]) / (2 * h)
    return G.rel_err(base[ion][:, 1:][:, cv], fd[:, 1:][:, cv])


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
