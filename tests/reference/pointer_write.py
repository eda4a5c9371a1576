#!/usr/bin/env python3
"""NEURON's trace of data/pointer_write/songabbott.toml: pyNN's weight adjuster stdwa_songabbott.mod
(from the corpus: tests/corpus/fetch.sh) writing, through its POINTER wsyn, the weight w of the
synapse WSyn (tests/mechanisms/wsyn.mod), with presynaptic and postsynaptic event trains and a current
step. Columns t, v, g, w, deltaw, every step.

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3, cm 1, Ra 100. Row k is the state after k fadvance() calls.

Usage: python3 tests/reference/pointer_write.py   (needs `pip install neuron` and the corpus)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "pointer_write"
FILES = [
    HERE.parent / "mechanisms" / "wsyn.mod",
    HERE.parent / "corpus" / "files" / "pynn__pyNN_neuron_nmodl_stdwa_songabbott.mod",
]

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]

s = h.Section(name="soma")
s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
s.insert("pas"); s(0.5).pas.g = 1e-4; s(0.5).pas.e = -65.0
syn = h.WSyn(s(0.5))
adj = h.StdwaSA(s(0.5))
adj.wmax = 0.01; adj.aLTP = 0.1; adj.aLTD = 0.05
h.setpointer(syn._ref_w, "wsyn", adj)
stim = h.IClamp(s(0.5)); stim.delay = 1.0; stim.dur = 30.0; stim.amp = 0.01
events = [(syn, t, 1.0) for t in [2.0, 12.0, 22.0, 32.0]]
events += [(adj, t, w) for t, w in [(2.1, 1.0), (5.0, -1.0), (11.0, -1.0), (12.1, 1.0),
                                     (15.0, -1.0), (22.1, 1.0), (26.0, -1.0), (32.1, 1.0)]]
ncs = []
for target, time, weight in events:
    n = h.NetCon(None, target)
    n.weight[0] = weight
    ncs.append((n, time))
fih = h.FInitializeHandler(lambda: [n.event(time) for n, time in ncs])
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
columns = [("v", s(0.5)._ref_v), ("g", syn._ref_g), ("w", syn._ref_w), ("deltaw", adj._ref_deltaw)]
vecs = [(name, h.Vector().record(ref)) for name, ref in columns]
steps = 1600
h.finitialize(-65.0)
for _ in range(steps):
    h.fadvance()
with open(out + "/songabbott.csv", "w") as f:
    f.write("t," + ",".join(name for name, _ in vecs) + "\n")
    for i in range(steps + 1):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for _, v in vecs) + "\n")
"""

with tempfile.TemporaryDirectory() as tmp:
    for path in FILES:
        shutil.copy(path, tmp)
    subprocess.run(["nrnivmodl", "."], cwd=tmp, check=True, capture_output=True)
    lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
        pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
    )
    subprocess.run([sys.executable, "-c", CHILD, str(lib), str(DATA)], check=True)
print(f"wrote {DATA}")
