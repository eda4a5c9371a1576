"""Runs from Python: model A against the command line, tangents against central differences,
parallel runs against one-by-one runs, models built in Python."""

import subprocess

import numpy as np
import pytest

import gradmod


def test_model_a_equals_the_command_line_bit_for_bit(model_a, model_a_path, gradmod_cli, tmp_path):
    subprocess.run(
        [str(gradmod_cli), "run", str(model_a_path), "--out", str(tmp_path), "--no-plot"],
        check=True,
        capture_output=True,
    )
    cli_traces = np.load(tmp_path / "traces.npy")
    cli_t = np.load(tmp_path / "t.npy")
    r = model_a.run()
    assert r.traces.shape == (4001, 2)
    assert r.tangents.shape == (4001, 2, 4)
    assert r.probes == ["v_soma", "v_axon_end"]
    assert r.parameters == ["hh.gnabar", "hh.gkbar", "hh.gl", "IClamp.amp"]
    np.testing.assert_array_equal(r.t, cli_t)
    # The command line writes the probes as rows of (P, T) or columns of (T, P).
    cli = cli_traces if cli_traces.shape == r.traces.shape else cli_traces.T
    np.testing.assert_array_equal(r.traces, cli)
    assert r.traces.max() > 30, "model A fires a spike"


@pytest.mark.parametrize("k,key", [(0, "hh.gnabar"), (1, "hh.gkbar"), (2, "hh.gl"), (3, "IClamp.amp")])
def test_tangents_equal_central_differences(model_a, k, key):
    r = model_a.run()
    theta = r.theta[k]
    h = 1e-5 * abs(theta)
    plus = model_a.run(set={key: theta + h}).traces
    minus = model_a.run(set={key: theta - h}).traces
    fd = (plus - minus) / (2 * h)
    tangent = r.tangents[:, :, k]
    scale = np.abs(tangent).max()
    assert scale > 0
    assert np.abs(tangent - fd).max() / scale < 1e-6


def test_run_many_equals_runs_one_by_one(model_a):
    sets = [{"hh.gnabar": g} for g in (0.10, 0.12, 0.14)]
    many = model_a.run_many(sets, threads=2)
    assert len(many) == 3
    for s, r in zip(sets, many):
        one = model_a.run(set=s)
        np.testing.assert_array_equal(r.traces, one.traces)
        np.testing.assert_array_equal(r.tangents, one.tangents)


def test_set_and_get_by_name(model_a, model_a_path):
    np.testing.assert_array_equal(model_a.get("hh.gnabar"), np.full(11, 0.12))
    m = gradmod.Model.load(model_a_path)
    m.set("hh.gnabar", 0.1)
    assert m.overrides == {"hh.gnabar": 0.1}
    np.testing.assert_array_equal(m.get("hh.gnabar"), np.full(11, 0.1))
    assert m.get("tstop") == 100.0
    assert m.run().theta[0] == 0.1


def test_a_cell_built_in_python_is_model_a(model_a):
    cell = gradmod.Cell()
    cell.simulation(tstop=100.0, dt=0.025, celsius=6.3, v_init=-65.0)
    cell.cable(cm=1.0, Ra=100.0)
    cell.section("soma", length=20.0, diameter=20.0, nseg=1)
    cell.section("axon", parent="soma", at=1.0, length=400.0, diameter=1.0, nseg=10)
    cell.paint("hh", region="all")
    cell.iclamp("soma(0.5)", delay=10.0, dur=1.0, amp=0.5)
    cell.probe("v_soma", "soma(0.5)")
    cell.probe("v_axon_end", "axon(0.95)")
    for target in ("hh.gnabar", "hh.gkbar", "hh.gl", "IClamp.amp"):
        cell.parameter(target)
    r = cell.model().run()
    a = model_a.run()
    np.testing.assert_array_equal(r.traces, a.traces)
    np.testing.assert_array_equal(r.tangents, a.tangents)


def test_forgetting_makes_old_sensitivities_decay(model_a):
    # The clamp acts from 10 to 11 ms: with a forgetting rate of 1/ms its tangent at 100 ms has
    # decayed by about e^-89, while the voltage is the exact run's.
    exact = model_a.run()
    online = model_a.run(forgetting=1.0)
    np.testing.assert_array_equal(online.traces, exact.traces)
    amp = exact.parameters.index("IClamp.amp")
    assert abs(exact.tangents[-1, 0, amp]) > 1e-8
    assert abs(online.tangents[-1, 0, amp]) < 1e-30
    # Sensitivities with a source of their own at rest (gnabar) settle to a recent average.
    assert 0 < online.tangents[-1, 0, 0] < exact.tangents[-1, 0, 0]


def hh_cell_with_synapse(amp):
    """A one-compartment hh cell with an ExpSyn, a detector and an IClamp of `amp` nA."""
    c = gradmod.Cell()
    c.section("soma", length=20.0, diameter=20.0)
    c.paint("hh")
    c.place("ExpSyn", "soma(0.5)", label="syn", tau=2.0)
    c.iclamp("soma(0.5)", delay=5.0, dur=1.0, amp=amp)
    c.probe("v", "soma(0.5)")
    c.detector("spike", "soma(0.5)", threshold=0.0)
    c.parameter("hh.gnabar")
    return c


def test_a_network_built_in_python_runs_with_spikes():
    net = gradmod.Network(tstop=40.0)
    net.cell("pre", hh_cell_with_synapse(0.5))
    net.cell("post", hh_cell_with_synapse(0.0))
    net.connect("pre.spike", "post.syn", weight=0.05, delay=1.0)
    net.gap_junction("pre.soma(0.5)", "post.soma(0.5)", g=0.0)
    r = net.model().run()
    assert set(r.cells) == {"pre", "post"}
    cells = {name for name, _, _ in r.spikes}
    assert cells == {"pre", "post"}, r.spikes
    assert r.cells["post"].traces.max() > 0


def test_a_networks_results_do_not_depend_on_the_threads():
    # A ring of six cells, only the first stimulated.
    net = gradmod.Network(tstop=40.0)
    for i in range(6):
        net.cell(f"c{i}", hh_cell_with_synapse(0.5 if i == 0 else 0.0))
    for i in range(6):
        net.connect(f"c{i}.spike", f"c{(i + 1) % 6}.syn", weight=0.05, delay=1.5)
    model = net.model()
    one, three = model.run(threads=1), model.run(threads=3)
    assert len({name for name, _, _ in one.spikes}) == 6, one.spikes
    assert one.spikes == three.spikes
    for name in one.cells:
        assert np.array_equal(one.cells[name].traces, three.cells[name].traces)
        assert np.array_equal(one.cells[name].tangents, three.cells[name].tangents)
    with pytest.raises(gradmod.Error, match="threads"):
        model.run(threads=0)


MODEL_WITH_A_SELF_CONNECTION = """
[simulation]
tstop = 40.0

[[section]]
name = "soma"
length = 20.0
diameter = 20.0

[[mechanism]]
name = "hh"

[[point_process]]
name = "ExpSyn"
at = "soma(0.5)"
label = "syn"
parameters = { tau = 2.0, e = -80.0 }
netcons = [{ weight = 0.02, from = "spike", delay = 3.0 }, { weight = 0.01, times = [30.0] }]

[[iclamp]]
at = "soma(0.5)"
delay = 5.0
dur = 1.0
amp = 0.5

[[detector]]
name = "spike"
at = "soma(0.5)"
threshold = 0.0

[[probe]]
name = "v"
at = "soma(0.5)"

[[parameter]]
target = "hh.gnabar"
"""


def test_netcons_with_a_source_and_a_delay_equal_the_model_file(tmp_path):
    path = tmp_path / "selfcon.toml"
    path.write_text(MODEL_WITH_A_SELF_CONNECTION)
    expected = gradmod.Model.load(path).run()

    def cell(netcons):
        c = gradmod.Cell()
        c.simulation(tstop=40.0)
        c.section("soma", length=20.0, diameter=20.0)
        c.paint("hh")
        c.place("ExpSyn", "soma(0.5)", label="syn", netcons=netcons, tau=2.0, e=-80.0)
        c.iclamp("soma(0.5)", delay=5.0, dur=1.0, amp=0.5)
        c.detector("spike", "soma(0.5)", threshold=0.0)
        c.probe("v", "soma(0.5)")
        c.parameter("hh.gnabar")
        return c

    r = cell([{"weight": 0.02, "from_": "spike", "delay": 3.0}, (0.01, [30.0])]).model().run()
    np.testing.assert_array_equal(r.traces, expected.traces)
    np.testing.assert_array_equal(r.tangents, expected.tangents)
    # The inhibitory connection from the cell's own spike changes the trace after it.
    alone = cell([(0.01, [30.0])]).model().run()
    assert np.abs(alone.traces - r.traces).max() > 0.1
    # The model file's checks: a delay needs a source, and the source must exist.
    with pytest.raises(Exception, match="a delay needs a source"):
        cell([{"weight": 0.02, "delay": 3.0}]).model().run()
    with pytest.raises(Exception, match="nowhere"):
        cell([{"weight": 0.02, "from_": "nowhere"}]).model().run()
    with pytest.raises(ValueError, match="given twice"):
        cell([{"weight": 0.02, "from_": "spike", "from": "spike"}])
