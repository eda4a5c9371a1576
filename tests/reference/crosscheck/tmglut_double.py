#!/usr/bin/env python3
"""The tangent check of snudda's tmglut_double.mod with its time constants set, against central
differences: the crosscheck's protocol leaves its PARAMETERs without values (tau1_ampa ...
tau3_nmda, I2_*, I3_*, nmda_ratio) at 0, which snudda sets per synapse; at tau = 0 the cnexp
rate -1/tau is infinite (the states stay 0, in NEURON too) and its tangent dtau/tau^2 is 0/0,
NaN, for every direction. With values set (below, of snudda's order) the tangent of v with
respect to U equals a central difference (relative step 1e-5).

Usage (in the crosscheck's virtual environment): python3 tests/reference/crosscheck/tmglut_double.py
"""
import pathlib

import numpy as np

import gradmod

PATH = (pathlib.Path(__file__).resolve().parents[2] / "corpus" / "files"
        / "snudda__snudda_data_neurons_mechanisms_tmglut_double.mod")
lib = gradmod.Library(mods=[str(PATH)], replace_builtins=True, slope="neuron")
NAME = lib.names()[0]
# Values of snudda's order for what it sets per synapse.
SET = dict(
    tau1_ampa=1.1, tau2_ampa=5.75, tau3_ampa=1.0, tau1_nmda=5.63, tau2_nmda=320.0,
    tau3_nmda=1.0, I2_ampa=1.0, I3_ampa=0.5, I2_nmda=1.0, I3_nmda=0.5, nmda_ratio=0.5,
    factor_ampa=1.0, factor_nmda=1.0,
)


def run(with_values, set_=None, tangents=True):
    """The crosscheck's protocol for a point process: v at the soma and dv/dU."""
    cell = gradmod.Cell()
    cell.simulation(tstop=30.0, dt=0.025, celsius=6.3, v_init=-65.0)
    cell.cable(cm=1.0, Ra=100.0)
    cell.section("soma", length=20.0, diameter=20.0, nseg=1)
    cell.paint("pas", g=1e-4, e=-65.0)
    values = SET if with_values else {}
    cell.place(NAME, "soma(0.5)", label="pp", netcons=[(0.005, [2.0, 8.0, 15.0])], **values)
    cell.iclamp("soma(0.5)", delay=5.0, dur=20.0, amp=0.2)
    cell.probe("v", "soma(0.5)")
    if tangents:
        cell.parameter(f"{NAME}.U")
    return cell.model(library=lib).run(set=set_)


for with_values in (False, True):
    label = "values set" if with_values else "defaults (0)"
    try:
        r = run(with_values)
    except gradmod.Error as e:
        print(f"{label}: {str(e).splitlines()[0]}")
        continue
    t, theta = r.tangents[:, 0, 0], r.theta[0]
    h = 1e-5 * theta
    plus = run(with_values, {f"{NAME}.U": theta + h}, False).traces[:, 0]
    minus = run(with_values, {f"{NAME}.U": theta - h}, False).traces[:, 0]
    dev = np.max(np.abs(t - (plus - minus) / (2 * h))) / np.max(np.abs(t))
    print(f"{label}: max |dv/dU| {np.max(np.abs(t)):.3e}, deviation from the difference {dev:.1e}")
