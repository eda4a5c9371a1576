#!/usr/bin/env python3
"""NEURON's traces of the per-connection values and self-events of NET_RECEIVE, into data/events/:

- tmgsyn.csv: the Tsodyks-Markram synapse of PyNN (tests/corpus/files/pynn__pyNN_neuron_nmodl_tmgsyn.mod,
  from tests/corpus/fetch.sh) at soma(0.5) of a passive soma, driven by an irregular event train
  through two NetCons of different weights: v, g and each NetCon's values y, z, u, tsyn.
- selfevent.csv: SelfPulse (tests/mechanisms/selfevent.mod): net_send with flags from INITIAL and
  from NET_RECEIVE, through two NetCons: v, g, nself and each NetCon's count and last.
- mover.csv: Mover (tests/mechanisms/mover.mod): net_move of a pending self-event: n, tlast.

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
cm 1, Ra 100, a soma of 20 x 20 um with pas (g 1e-4, e -65); 1200 steps (30 ms). Every 4th step is
kept: row r is what Vector.record samples after 4 r fadvance() calls (before the events fadvance
delivers at its end, which the next step of gradmod delivers at its start). The parameters, weights and event times are
those of tests/it/netcons.rs.

Usage: python3 tests/reference/netcons.py   (needs `pip install neuron`; compiles the mechanisms
with nrnivmodl in a temporary folder)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "events"
ROOT = HERE.parent.parent
TMGSYN = ROOT / "tests" / "corpus" / "files" / "pynn__pyNN_neuron_nmodl_tmgsyn.mod"

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
STEPS = 1200

def soma():
    s = h.Section(name="soma")
    s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
    s.insert("pas"); s(0.5).pas.g = 1e-4; s(0.5).pas.e = -65.0
    return s

def run(columns, path, trains):
    # columns: (name, pointer) recorded by Vector.record, which samples before the events
    # fadvance delivers at its end; trains: (NetCon, times), queued at finitialize in order.
    h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
    fih = h.FInitializeHandler(lambda: [nc.event(t) for nc, times in trains for t in times])
    vecs = [h.Vector().record(ref) for _, ref in columns]
    h.finitialize(-65.0)
    for _ in range(STEPS):
        h.fadvance()
    with open(path, "w") as f:
        f.write("t," + ",".join(name for name, _ in columns) + "\n")
        for i in range(0, STEPS + 1, 4):
            f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
    del fih

# tmgsyn.csv
s = soma()
syn = h.tmgsyn(s(0.5))
syn.e = 0.0; syn.tau = 3.0; syn.tau_rec = 40.0; syn.tau_facil = 100.0; syn.U = 0.3; syn.u0 = 0.0
trains = []
for w, times in [(0.004, [1.0, 2.3, 4.05, 7.7, 8.2, 15.0, 22.6]), (0.009, [3.1, 4.4, 6.35, 12.9, 13.3, 19.0])]:
    nc = h.NetCon(None, syn); nc.weight[0] = w
    trains.append((nc, times))
cols = [("v", s(0.5)._ref_v), ("g", syn._ref_g)]
for j, (nc, _) in enumerate(trains):
    for a, name in enumerate(["y", "z", "u", "tsyn"]):
        cols.append((f"nc{j}_{name}", nc._ref_weight[a + 1]))
run(cols, out + "/tmgsyn.csv", trains)
del trains, cols, syn
h("forall delete_section()")

# selfevent.csv
s = soma()
p = h.SelfPulse(s(0.5))
trains = []
for w, times in [(0.003, [1.0, 2.0, 6.0, 6.9]), (0.005, [2.5, 9.0, 9.7, 14.2])]:
    nc = h.NetCon(None, p); nc.weight[0] = w
    trains.append((nc, times))
cols = [("v", s(0.5)._ref_v), ("g", p._ref_g), ("nself", p._ref_nself)]
for j, (nc, _) in enumerate(trains):
    for a, name in enumerate(["count", "last"]):
        cols.append((f"nc{j}_{name}", nc._ref_weight[a + 1]))
run(cols, out + "/selfevent.csv", trains)
del trains, cols, p
h("forall delete_section()")

# mover.csv (the passive soma is there because gradmod places the cell on it, and so that
# Vector.record has a section to record with)
s = soma()
c = h.Mover()
nc = h.NetCon(None, c); nc.weight[0] = 1.0
run([("n", c._ref_n), ("tlast", c._ref_tlast)], out + "/mover.csv", [(nc, [2.0, 5.5, 6.0, 14.0])])
"""

with tempfile.TemporaryDirectory() as tmp:
    shutil.copy(TMGSYN, pathlib.Path(tmp) / "tmgsyn.mod")
    for name in ["selfevent.mod", "mover.mod"]:
        shutil.copy(ROOT / "tests" / "mechanisms" / name, tmp)
    subprocess.run(["nrnivmodl", "."], cwd=tmp, check=True, capture_output=True)
    lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
        pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
    )
    DATA.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", CHILD, str(lib), str(DATA)], check=True)
print(f"wrote {DATA}")
