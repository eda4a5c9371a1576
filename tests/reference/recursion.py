#!/usr/bin/env python3
"""NEURON's trace of recur (tests/mechanisms/recur.mod), a gate whose steady state a FUNCTION
sums by calling itself, into data/recursion/recur.csv.

A soma of 20 x 20 um (one segment, cm 1, Ra 100) with recur only, its defaults, and an IClamp
of 0.5 nA at soma(0.5) from 2 to 12 ms; dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3; 800 steps (20 ms). Columns: v, m, s (the series), c (the PROCEDURE's count). Every
4th step is kept: row r is what Vector.record samples after 4 r fadvance() calls.
tests/it/recursion.rs runs the same protocol.

Usage: python3 tests/reference/recursion.py   (needs `pip install neuron`; compiles the
mechanism with nrnivmodl in a temporary folder)
"""
import pathlib

from neuron_build import build_and_run

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "recursion"
ROOT = HERE.parent.parent

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
STEPS = 800
s = h.Section(name="soma")
s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
s.insert("recur")
clamp = h.IClamp(s(0.5)); clamp.delay = 2.0; clamp.dur = 10.0; clamp.amp = 0.5
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
x = s(0.5)
columns = [("v", x._ref_v), ("m", x._ref_m_recur), ("s", x._ref_s_recur),
           ("c", x._ref_c_recur)]
vecs = [h.Vector().record(ref) for _, ref in columns]
h.finitialize(-65.0)
for _ in range(STEPS):
    h.fadvance()
with open(out + "/recur.csv", "w") as f:
    f.write("t," + ",".join(name for name, _ in columns) + "\n")
    for i in range(0, STEPS + 1, 4):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
"""

build_and_run([ROOT / "tests" / "mechanisms" / "recur.mod"], CHILD, DATA)
print("wrote tests/reference/data/recursion/recur.csv")
