#!/usr/bin/env python3
"""The tangents of v and of a density mechanism's states against central differences, on the
crosscheck's single-compartment protocol at 6.3 degC, at several relative steps: for a parameter
that moves v too little for a difference of v to resolve its tangent (crosscheck.py checks v
only), the states it acts through show whether the tangent is right.

Usage (in the crosscheck's virtual environment):

    python3 tests/reference/crosscheck/state_tangents.py FILE.mod MECH.PARAM STATE [STATE...]

e.g. `... neuron__neuron_.data_share_nrn_demo_release_capmpr.mod capmpr.k1 cai pump pumpca`
prints, per relative step and per trace, the largest |tangent - difference| over the largest
|tangent|.
"""
import sys

import numpy as np

import gradmod

path, param, states = sys.argv[1], sys.argv[2], sys.argv[3:]
mech = param.split(".")[0]
lib = gradmod.Library(mods=[path], replace_builtins=True, slope="neuron")


def run(set_=None, tangents=True):
    cell = gradmod.Cell()
    cell.simulation(tstop=30.0, dt=0.025, celsius=6.3, v_init=-65.0)
    cell.cable(cm=1.0, Ra=100.0)
    cell.section("soma", length=20.0, diameter=20.0, nseg=1)
    cell.paint("pas", g=1e-4, e=-65.0)
    cell.paint(mech)
    cell.iclamp("soma(0.5)", delay=5.0, dur=20.0, amp=0.2)
    cell.probe("v", "soma(0.5)")
    for s in states:
        cell.probe(s, "soma(0.5)", variable=f"{mech}.{s}", tangents=tangents)
    if tangents:
        cell.parameter(param)
    return cell.model(library=lib).run(set=set_)


r = run()
theta = r.theta[0]
for step in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6):
    h = step * abs(theta)
    fd = (run({param: theta + h}, False).traces - run({param: theta - h}, False).traces) / (2 * h)
    for j, name in enumerate(["v"] + states):
        t = r.tangents[:, j, 0]
        scale = np.max(np.abs(t))
        dev = np.max(np.abs(t - fd[:, j])) / scale if scale > 0 else np.max(np.abs(fd[:, j]))
        print(f"relative step {step:g}  {name}: max |tangent| {scale:.3e}, deviation {dev:.2e}")
