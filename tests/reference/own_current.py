#!/usr/bin/env python3
"""NEURON's trace of a mechanism that reads back the current it writes, beside another mechanism
writing the same current, into data/own_current/capool_cacur.csv.

capool (tests/ion_writes/capool.mod) writes ica and reads it in its DERIVATIVE block without
declaring it READ, as NEURON's capmpr.mod does; cacur (tests/ion_writes/cacur.mod) is a calcium
leak writing ica too. NEURON's capool reads its own copy of ica, not the ion's total: its state c
does not see cacur's current. Columns: v, c (capool's state), ica (the ion's total).

Settings as tests/it/ion_writes.rs builds the cell: dt 0.025 ms, finitialize(-65), fixed step,
secondorder 0, celsius 6.3, cm 1, Ra 100, a soma of 20 x 20 um with pas, capool and cacur, all
with their defaults (pas: g 0.001 S/cm2, e -70 mV), an IClamp of 0.05 nA at soma(0.5) from 1 to
3 ms; 400 steps (10 ms). Every 4th step is kept: row r is what Vector.record samples after 4 r fadvance() calls.

Usage: python3 tests/reference/own_current.py   (needs `pip install neuron`; compiles the
mechanisms with nrnivmodl in a temporary folder, nrnivmodl taken from beside the interpreter
when it is not on PATH)
"""
import pathlib

from neuron_build import build_and_run

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "own_current"
ROOT = HERE.parent.parent

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
STEPS = 400
s = h.Section(name="soma")
s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
s.insert("pas")
s.insert("capool"); s.insert("cacur")
clamp = h.IClamp(s(0.5)); clamp.delay = 1.0; clamp.dur = 2.0; clamp.amp = 0.05
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
columns = [("v", s(0.5)._ref_v), ("c", s(0.5)._ref_c_capool), ("ica", s(0.5)._ref_ica)]
vecs = [h.Vector().record(ref) for _, ref in columns]
h.finitialize(-65.0)
for _ in range(STEPS):
    h.fadvance()
with open(out + "/capool_cacur.csv", "w") as f:
    f.write("t," + ",".join(name for name, _ in columns) + "\n")
    for i in range(0, STEPS + 1, 4):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
"""

build_and_run([ROOT / "tests" / "ion_writes" / name for name in ["capool.mod", "cacur.mod"]], CHILD, DATA)
print("wrote tests/reference/data/own_current/capool_cacur.csv")
