"""A VecStim built from Python: ``Cell.vector`` gives a point process its spike times (NEURON's
``vs.play(vec)``), which equals the model file's ``[[vector]]``; the synapse it drives responds at
those times, with the connection weight's tangent; a missing or misplaced vector is an error
that names what to give."""

import numpy as np
import pytest

import gradmod

# VecStim as NEURON's examples write it: a self-event at each element of a hoc Vector, read in
# VERBATIM C that gradmod translates into reads of the instance's vector.
VECSTIM = """NEURON { THREADSAFE ARTIFICIAL_CELL VecStim POINTER ptr }
ASSIGNED { index etime (ms) ptr }
INITIAL {
    index = 0
    element()
    if (index > 0) { net_send(etime - t, 1) }
}
NET_RECEIVE (w) {
    if (flag == 1) {
        net_event(t)
        element()
        if (index > 0) { net_send(etime - t, 1) }
    }
}
PROCEDURE element() {
VERBATIM
  { void* vv; int i, size; double* px;
    i = (int)index;
    if (i >= 0) {
        vv = (void*)(_p_ptr);
        if (vv) {
            size = vector_capacity(vv);
            px = vector_vec(vv);
            if (i < size) {
                etime = px[i];
                index += 1.;
            } else {
                index = -1.;
            }
        } else {
            index = -1.;
        }
    }
  }
ENDVERBATIM
}
"""

SPIKES = [5.0, 20.0, 20.5]

MODEL = """
[simulation]
tstop = 40.0

[mechanisms]
paths = ["{folder}"]

[[section]]
name = "soma"
length = 20.0
diameter = 20.0

[[mechanism]]
name = "pas"
parameters = {{ g = 0.0001, e = -65.0 }}

[[point_process]]
name = "VecStim"
at = "soma(0.5)"
label = "stim"

[[vector]]
point_process = "stim"
values = [5.0, 20.0, 20.5]

[[point_process]]
name = "ExpSyn"
at = "soma(0.5)"
label = "syn"
parameters = {{ tau = 2.0, e = 0.0 }}
netcons = [{{ name = "input", from = "stim", delay = 1.0, weight = 0.001 }}]

[[probe]]
name = "v"
at = "soma(0.5)"

[[parameter]]
target = "input.weight"
"""


def cell(folder, spikes=SPIKES, label="stim"):
    c = gradmod.Cell()
    c.simulation(tstop=40.0)
    c.mechanisms(folder)
    c.section("soma", length=20.0, diameter=20.0)
    c.paint("pas", g=0.0001, e=-65.0)
    c.place("VecStim", "soma(0.5)", label="stim")
    if spikes is not None:
        c.vector(label, spikes)
    netcon = {"name": "input", "from_": "stim", "delay": 1.0, "weight": 0.001}
    c.place("ExpSyn", "soma(0.5)", label="syn", netcons=[netcon], tau=2.0, e=0.0)
    c.probe("v", "soma(0.5)")
    c.parameter("input.weight")
    return c


@pytest.fixture
def folder(tmp_path):
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "vecstim.mod").write_text(VECSTIM)
    return mods


def test_a_vector_from_python_equals_the_model_files(folder, tmp_path):
    path = tmp_path / "vecstim.toml"
    path.write_text(MODEL.format(folder=folder.as_posix()))
    expected = gradmod.Model.load(path).run()
    r = cell(folder).model().run()
    np.testing.assert_array_equal(r.traces, expected.traces)
    np.testing.assert_array_equal(r.tangents, expected.tangents)

    # Each spike reaches the synapse 1 ms later: rest until 6 ms, a rise after it, and the
    # weight's tangent positive where the synapse conducts.
    v = r.traces[:, 0]
    t = r.t
    assert np.all(np.abs(v[t <= 6.0] + 65.0) < 1e-9)
    assert v[(t > 6.0) & (t < 10.0)].max() > -64.0
    # Two spikes half a millisecond apart sum: the second depolarisation is the larger.
    first = v[(t > 6.0) & (t < 15.0)].max()
    second = v[(t > 21.0) & (t < 30.0)].max()
    assert second > first + 0.1
    assert r.tangents[(t > 6.0) & (t < 10.0), 0, 0].max() > 0

    # Other spike times move the response: the vector is what drives the synapse.
    later = cell(folder, spikes=[12.0]).model().run().traces[:, 0]
    assert np.all(np.abs(later[t <= 13.0] + 65.0) < 1e-9)
    assert later[(t > 13.0) & (t < 17.0)].max() > -64.0


def test_a_vecstim_without_its_vector_is_an_error_naming_it(folder):
    with pytest.raises(gradmod.ModelError, match=r"`stim`.*\[\[vector\]\]"):
        cell(folder, spikes=None).model().run()


def test_a_vector_for_an_unknown_point_process_is_an_error(folder):
    with pytest.raises(gradmod.ModelError, match="nowhere"):
        cell(folder, label="nowhere").model().run()
