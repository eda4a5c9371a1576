#!/usr/bin/env python3
"""NEURON's trace of WhileLoop (tests/mechanisms/whileloop.mod), into data/events/whileloop.csv:
while loops in a FUNCTION (a Taylor series of exp summed until its terms no longer change the
sum, so the number of terms follows v) and in NET_RECEIVE (7/8 of each weight added in halving
steps).

Three connections drive WhileLoop at soma(0.5): weights 0.004, 0.009 and 0.0 (a zero weight:
its loop runs no iteration), their events interleaved. Columns: v, g, nterms (terms of the last
series) and nhalf (halvings of the last event).

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
cm 1, Ra 100, a soma of 20 x 20 um with pas (g 1e-4, e -65); 1200 steps (30 ms). Every 4th step is
kept: row r is what Vector.record samples after 4 r fadvance() calls. The weights and event times
are those of tests/it/while_loops.rs.

Usage: python3 tests/reference/while_loop.py   (needs `pip install neuron`; compiles the
mechanism with nrnivmodl in a temporary folder, nrnivmodl taken from beside the interpreter when
it is not on PATH)
"""
import pathlib

from neuron_build import build_and_run

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "events"
ROOT = HERE.parent.parent

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
STEPS = 1200
TRAINS = [
    (0.004, [1.0, 3.5, 9.25, 17.0]),
    (0.009, [2.0, 4.4, 6.35, 12.9, 21.3]),
    (0.0, [5.0, 7.7, 15.0, 24.6]),
]

s = h.Section(name="soma")
s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
s.insert("pas"); s(0.5).pas.g = 1e-4; s(0.5).pas.e = -65.0
syn = h.WhileLoop(s(0.5))
trains = []
for w, times in TRAINS:
    nc = h.NetCon(None, syn); nc.weight[0] = w
    trains.append((nc, times))
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
fih = h.FInitializeHandler(lambda: [nc.event(t) for nc, times in trains for t in times])
columns = [("v", s(0.5)._ref_v), ("g", syn._ref_g), ("nterms", syn._ref_nterms), ("nhalf", syn._ref_nhalf)]
vecs = [h.Vector().record(ref) for _, ref in columns]
h.finitialize(-65.0)
for _ in range(STEPS):
    h.fadvance()
with open(out + "/whileloop.csv", "w") as f:
    f.write("t," + ",".join(name for name, _ in columns) + "\n")
    for i in range(0, STEPS + 1, 4):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
"""

build_and_run([ROOT / "tests" / "mechanisms" / "whileloop.mod"], CHILD, DATA)
print(f"wrote {DATA / 'whileloop.csv'}")
