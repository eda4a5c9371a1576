#!/usr/bin/env python3
"""NEURON's trace of EarlyExit (tests/mechanisms/earlyexit.mod), into data/events/earlyexit.csv:
`return` written in VERBATIM as an early exit from NET_RECEIVE (events whose weight is under
wmin only count), from a FUNCTION with a value (weights above wcap are not scaled) and from a
PROCEDURE (only the first three events add half their weight again).

Three connections drive EarlyExit at soma(0.5): weight 0.003 (under wmin), 0.006 and 0.01
(above wcap), their events interleaved. Columns: v, g, n (events received) and last (the time of
the last event that was not cut short).

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
cm 1, Ra 100, a soma of 20 x 20 um with pas (g 1e-4, e -65); 1200 steps (30 ms). Every 4th step is
kept: row r is what Vector.record samples after 4 r fadvance() calls. The weights and event times
are those of tests/it/early_return.rs.

Usage: python3 tests/reference/early_return.py   (needs `pip install neuron`; compiles the
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
    (0.003, [1.0, 3.5, 9.25, 17.0]),
    (0.006, [2.0, 4.4, 6.35, 12.9, 21.3]),
    (0.01, [5.0, 7.7, 15.0, 24.6]),
]

s = h.Section(name="soma")
s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
s.insert("pas"); s(0.5).pas.g = 1e-4; s(0.5).pas.e = -65.0
syn = h.EarlyExit(s(0.5))
trains = []
for w, times in TRAINS:
    nc = h.NetCon(None, syn); nc.weight[0] = w
    trains.append((nc, times))
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
fih = h.FInitializeHandler(lambda: [nc.event(t) for nc, times in trains for t in times])
columns = [("v", s(0.5)._ref_v), ("g", syn._ref_g), ("n", syn._ref_n), ("last", syn._ref_last)]
vecs = [h.Vector().record(ref) for _, ref in columns]
h.finitialize(-65.0)
for _ in range(STEPS):
    h.fadvance()
with open(out + "/earlyexit.csv", "w") as f:
    f.write("t," + ",".join(name for name, _ in columns) + "\n")
    for i in range(0, STEPS + 1, 4):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
"""

build_and_run([ROOT / "tests" / "mechanisms" / "earlyexit.mod"], CHILD, DATA)
print(f"wrote {DATA / 'earlyexit.csv'}")
