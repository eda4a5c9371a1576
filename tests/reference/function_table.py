#!/usr/bin/env python3
"""NEURON's trace of ftab (tests/mechanisms/ftab.mod), whose FUNCTION_TABLEs hoc fills, into
data/function_table/ftab.csv, and of ftabi (the same solved by derivimplicit) into ftabi.csv:
ninf at points of v (`table_ninf_ftab(y, x)`), ntau at points equally spaced from VMIN to VMAX (`table_ntau_ftab(&y[0], n, VMIN, VMAX)`) and scale a constant
(`table_scale_ftab(SCALE)`), the values below; tests/it/function_table.rs gives gradmod the same.

A soma of 20 x 20 um (one segment, cm 1, Ra 100) with ftab (its defaults) and an IClamp of
0.3 nA at soma(0.5) from 2 to 20 ms, so that v sweeps the tables and leaves their range; dt 0.025
ms, finitialize(-65), fixed step, secondorder 0, celsius 6.3; 1200 steps (30 ms). Columns: v, n.
Every 4th step is kept: row r is what Vector.record samples after 4 r fadvance() calls.

Usage: python3 tests/reference/function_table.py   (needs `pip install neuron`; compiles the
mechanism with nrnivmodl in a temporary folder, nrnivmodl taken from beside the interpreter when
it is not on PATH)
"""
import pathlib

from neuron_build import build_and_run

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "function_table"
ROOT = HERE.parent.parent

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
STEPS = 1200
NINF_X = [-100.0, -80.0, -60.0, -40.0, -20.0, 0.0, 20.0]
NINF_Y = [0.0, 0.01, 0.05, 0.3, 0.7, 0.9, 0.97]
NTAU_Y = [1.0, 2.0, 4.0, 5.0, 3.0, 1.5, 1.0, 0.8]
VMIN, VMAX = -90.0, 15.0
SCALE = 1.5
for mech in ["ftab", "ftabi"]:
    getattr(h, f"table_ninf_{mech}")(h.Vector(NINF_Y), h.Vector(NINF_X))
    ntau = h.Vector(NTAU_Y)
    getattr(h, f"table_ntau_{mech}")(ntau._ref_x[0], len(NTAU_Y), VMIN, VMAX)
    getattr(h, f"table_scale_{mech}")(SCALE)
    s = h.Section(name="soma_" + mech)
    s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
    s.insert(mech)
    clamp = h.IClamp(s(0.5)); clamp.delay = 2.0; clamp.dur = 18.0; clamp.amp = 0.3
    h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
    columns = [("v", s(0.5)._ref_v), ("n", getattr(s(0.5), "_ref_n_" + mech))]
    vecs = [h.Vector().record(ref) for _, ref in columns]
    h.finitialize(-65.0)
    for _ in range(STEPS):
        h.fadvance()
    with open(out + f"/{mech}.csv", "w") as f:
        f.write("t," + ",".join(name for name, _ in columns) + "\n")
        for i in range(0, STEPS + 1, 4):
            f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
    h.delete_section(sec=s)
    del clamp
"""

build_and_run([ROOT / "tests" / "mechanisms" / m for m in ["ftab.mod", "ftabi.mod"]], CHILD, DATA)
print("wrote tests/reference/data/function_table/ftab.csv and ftabi.csv")
