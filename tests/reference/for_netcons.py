#!/usr/bin/env python3
"""NEURON's trace of ForNetcons (tests/mechanisms/fornetcons.mod), into
data/events/fornetcons.csv: a self-event every 6 ms runs a FOR_NETCONS loop that raises the
potentiation A of every connection onto the synapse by how recently that connection fired.

Three connections drive ForNetcons at soma(0.5): weights 0.002, 0.004 and 0.003 uS, their events
interleaved (TRAINS below). Columns: v, g, tlast (the time of the last loop), and per connection
J its values A and tpre (ncJ_A, ncJ_tpre), recorded from the NetCon's weight vector.

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
cm 1, Ra 100, a soma of 20 x 20 um with pas (g 1e-4, e -65); 1200 steps (30 ms). Every 4th step is
kept: row r is what Vector.record samples after 4 r fadvance() calls. The weights and event times are those of
tests/it/for_netcons.rs.

Usage: python3 tests/reference/for_netcons.py   (needs `pip install neuron`; compiles the
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
    (0.002, [1.0, 3.5, 9.25, 17.0, 23.3]),
    (0.004, [2.0, 4.4, 11.35, 12.9, 21.3]),
    (0.003, [5.0, 7.7, 15.0, 24.6]),
]
s = h.Section(name="soma")
s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
s.insert("pas"); s(0.5).pas.g = 1e-4; s(0.5).pas.e = -65.0
syn = h.ForNetcons(s(0.5))
trains = []
for w, times in TRAINS:
    nc = h.NetCon(None, syn); nc.weight[0] = w
    trains.append((nc, times))
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
fih = h.FInitializeHandler(lambda: [nc.event(t) for nc, times in trains for t in times])
columns = [("v", s(0.5)._ref_v), ("g", syn._ref_g), ("tlast", syn._ref_tlast)]
for j, (nc, _) in enumerate(trains):
    columns += [(f"nc{j}_A", nc._ref_weight[1]), (f"nc{j}_tpre", nc._ref_weight[2])]
vecs = [h.Vector().record(ref) for _, ref in columns]
h.finitialize(-65.0)
for _ in range(STEPS):
    h.fadvance()
with open(out + "/fornetcons.csv", "w") as f:
    f.write("t," + ",".join(name for name, _ in columns) + "\n")
    for i in range(0, STEPS + 1, 4):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
"""

build_and_run([ROOT / "tests" / "mechanisms" / "fornetcons.mod"], CHILD, DATA)
print("wrote tests/reference/data/events/fornetcons.csv")
