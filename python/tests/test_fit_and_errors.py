"""Fitting with scipy and with gradmod's Adam, a user's own .mod file, and bad input raising
the right exception."""

import math
import pathlib

import numpy as np
import pytest

import gradmod

MODEL_A = pathlib.Path(__file__).resolve().parents[2] / "models" / "A_hh_axon.toml"

PAS_LIKE = """
NEURON {
    SUFFIX leak2
    NONSPECIFIC_CURRENT i
    RANGE g, e
}
PARAMETER {
    g = 0.001 (S/cm2)
    e = -70 (mV)
}
ASSIGNED {
    v (mV)
    i (mA/cm2)
}
BREAKPOINT {
    i = g * (v - e)
}
"""


def test_scipy_recovers_gnabar_and_gkbar_from_twenty_percent_off(model_a):
    scipy_optimize = pytest.importorskip("scipy.optimize")
    target = model_a.run(tstop=20.0).traces[:, 0]
    short = gradmod.Model.load(MODEL_A)
    short.set("tstop", 20.0)
    objective = short.objective(
        target,
        params=["hh.gnabar", "hh.gkbar"],
        start={"hh.gnabar": 1.2, "hh.gkbar": 0.8},
    )
    np.testing.assert_allclose(objective.x0, [math.log(1.2), math.log(0.8)])
    result = scipy_optimize.minimize(
        objective, objective.x0, jac=True, method="L-BFGS-B", bounds=objective.bounds
    )
    values = objective.values(result.x)
    assert abs(values[0] / 0.12 - 1) < 1e-3, values
    assert abs(values[1] / 0.036 - 1) < 1e-3, values


def test_the_objective_gradient_equals_a_central_difference(model_a):
    target = model_a.run(tstop=20.0, set={"hh.gnabar": 0.13}).traces[:, 0]
    m = gradmod.Model.load(MODEL_A)
    m.set("tstop", 20.0)
    objective = m.objective(target, params=["hh.gnabar", "hh.gl"])
    x = np.array([0.05, -0.1])
    loss, grad = objective(x)
    for k in range(2):
        h = 1e-5
        e = np.zeros(2)
        e[k] = h
        fd = (objective.loss(x + e) - objective.loss(x - e)) / (2 * h)
        assert abs(grad[k] - fd) <= 1e-6 * max(abs(fd), 1e-12), (k, grad[k], fd)


def test_adam_lowers_the_loss(model_a):
    target = model_a.run(tstop=20.0).traces[:, 0]
    m = gradmod.Model.load(MODEL_A)
    m.set("tstop", 20.0)
    fit = m.fit(target, params=["hh.gnabar"], iterations=20, rate=0.05, start={"hh.gnabar": 1.3})
    assert fit.loss.shape == (20,)
    assert fit.x.shape == (20, 1)
    assert fit.best_loss < 0.1 * fit.loss[0]


def test_a_user_mod_file_from_a_temporary_folder_runs(tmp_path):
    (tmp_path / "leak2.mod").write_text(PAS_LIKE)
    lib = gradmod.Library(mods=[tmp_path])
    assert "leak2" in lib.names()
    assert lib.describe("leak2")["parameters"]["g"] == (0.001, "S/cm2")
    cell = gradmod.Cell()
    cell.section("soma", length=20.0, diameter=20.0)
    cell.paint("leak2", g=0.0005)
    cell.iclamp("soma(0.5)", delay=1.0, dur=5.0, amp=0.05)
    cell.probe("v", "soma(0.5)")
    cell.parameter("leak2.g")
    r = cell.model(library=lib).run(tstop=10.0)
    assert r.traces[0, 0] == -65.0
    assert r.traces[-1, 0] > -70.0
    assert np.all(np.isfinite(r.tangents))
    assert r.tangents[-1, 0, 0] < 0  # more leak, lower potential


def test_unknown_mechanism_raises_model_error():
    cell = gradmod.Cell()
    cell.section("soma", length=20.0, diameter=20.0)
    cell.paint("no_such_channel")
    with pytest.raises(gradmod.ModelError) as e:
        cell.model().run(tstop=1.0)
    assert "unknown mechanism `no_such_channel`" in str(e.value)
    assert e.value.key == "mechanism[0].name"
    assert isinstance(e.value, gradmod.Error)


def test_malformed_mod_file_raises_mod_error_with_its_place(tmp_path):
    (tmp_path / "broken.mod").write_text("NEURON {\n    SUFFIX broken\n    RANGE g\n\nPARAMETER { g = 1 }\n")
    with pytest.raises(gradmod.ModError) as e:
        gradmod.Library(mods=[tmp_path])
    err = e.value
    assert err.file.endswith("broken.mod")
    assert err.line >= 1 and err.column >= 1
    assert err.errors[0][0] == err.file
    assert "broken.mod" in str(err)


def test_nan_parameter_raises():
    cell = gradmod.Cell()
    cell.section("soma", length=20.0, diameter=20.0)
    cell.paint("hh", gnabar=float("nan"))
    with pytest.raises(gradmod.Error) as e:
        cell.model().run(tstop=1.0)
    assert "gnabar" in str(e.value) or "finite" in str(e.value)
    m = gradmod.Model.load(MODEL_A)
    with pytest.raises(gradmod.Error):
        m.set("hh.gnabar", float("nan"))


def test_bad_override_raises_model_error(model_a):
    with pytest.raises(gradmod.ModelError):
        model_a.run(set={"nothing.here": 1.0})
