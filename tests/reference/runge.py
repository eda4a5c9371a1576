#!/usr/bin/env python3
"""NEURON's trace of rk4 (tests/mechanisms/rk4.mod), a DERIVATIVE block solved by METHOD runge
(scopmath's fourth-order Runge-Kutta step), into data/runge/rk4.csv.

A soma of 20 x 20 um (one segment, cm 1, Ra 100) with rk4 only, its defaults, and an IClamp of
0.1 nA at soma(0.5) from 2 to 12 ms; dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3; 800 steps (20 ms). Columns: v, m, h. Every 4th step is kept: row r is what
Vector.record samples after 4 r fadvance() calls. tests/it/runge.rs runs the same protocol.

Usage: python3 tests/reference/runge.py   (needs `pip install neuron`; compiles the mechanism
with nrnivmodl in a temporary folder, nrnivmodl taken from beside the interpreter when it is not
on PATH)
"""
import pathlib

from neuron_build import build_and_run

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "runge"
ROOT = HERE.parent.parent

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
STEPS = 800
s = h.Section(name="soma")
s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
s.insert("rk4")
clamp = h.IClamp(s(0.5)); clamp.delay = 2.0; clamp.dur = 10.0; clamp.amp = 0.1
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
columns = [("v", s(0.5)._ref_v), ("m", s(0.5)._ref_m_rk4), ("h", s(0.5)._ref_h_rk4)]
vecs = [h.Vector().record(ref) for _, ref in columns]
h.finitialize(-65.0)
for _ in range(STEPS):
    h.fadvance()
with open(out + "/rk4.csv", "w") as f:
    f.write("t," + ",".join(name for name, _ in columns) + "\n")
    for i in range(0, STEPS + 1, 4):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
"""

build_and_run([ROOT / "tests" / "mechanisms" / "rk4.mod"], CHILD, DATA)
print("wrote tests/reference/data/runge/rk4.csv")
