#!/usr/bin/env python3
"""NEURON's traces of the event test models in data/events/ (the test mechanisms of tests/mechanisms/):

- attime.toml: a passive soma with AtTimePulse (attime.mod), one-step current pulses from at_time().
- counter.toml: the artificial cell EventCounter (counter.mod) receiving three events.
- vkick.toml: a passive soma with VKick (vkick.mod), whose NET_RECEIVE sets v, an event train and a
  current step.

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3, cm 1, Ra 100. Row k is the state after k fadvance() calls.

Usage: python3 tests/reference/events.py   (needs `pip install neuron`; compiles the test mechanisms
with nrnivmodl in a temporary folder)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "events"
MECHS = HERE.parent / "mechanisms"

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]

def soma():
    s = h.Section(name="soma")
    s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
    s.insert("pas"); s(0.5).pas.g = 1e-4; s(0.5).pas.e = -65.0
    return s

def run(steps, columns, path):
    h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
    vecs = [(name, h.Vector().record(ref)) for name, ref in columns]
    h.finitialize(-65.0)
    for _ in range(steps):
        h.fadvance()
    with open(path, "w") as f:
        f.write("t," + ",".join(name for name, _ in vecs) + "\n")
        for i in range(steps + 1):
            f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for _, v in vecs) + "\n")

# attime.toml
s = soma()
p = h.AtTimePulse(s(0.5))
run(240, [("v", s(0.5)._ref_v)], out + "/attime.csv")

# counter.toml (the passive soma is there only because gradmod places the counter on it)
c = h.EventCounter()
events = [(1.0, 2.0), (2.51, 0.5), (4.0125, 1.0)]
# An event carries the weight its NetCon has when it is delivered: one NetCon per event.
ncs = []
for time, weight in events:
    n = h.NetCon(None, c)
    n.weight[0] = weight
    ncs.append((n, time))
fih = h.FInitializeHandler(lambda: [n.event(time) for n, time in ncs])
run(240, [("total", c._ref_total), ("n", c._ref_n)], out + "/counter.csv")
del fih, ncs, c

# vkick.toml: a new soma (the earlier ones stay, unconnected and passive, which changes nothing)
s = soma()
k = h.VKick(s(0.5))
stim = h.IClamp(s(0.5)); stim.delay = 2.0; stim.dur = 8.0; stim.amp = 0.02
events = [(1.0, 5.0), (3.0125, 3.0), (5.0, -1.0), (7.5, 4.0), (7.505, -1.0), (9.01, -1.0)]
ncs = []
for time, weight in events:
    n = h.NetCon(None, k)
    n.weight[0] = weight
    ncs.append((n, time))
fih = h.FInitializeHandler(lambda: [n.event(time) for n, time in ncs])
run(480, [("v", s(0.5)._ref_v), ("u", k._ref_u), ("seen", k._ref_seen)], out + "/vkick.csv")
"""

with tempfile.TemporaryDirectory() as tmp:
    for name in ["attime.mod", "counter.mod", "vkick.mod"]:
        shutil.copy(MECHS / name, tmp)
    subprocess.run(["nrnivmodl", "."], cwd=tmp, check=True, capture_output=True)
    lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
        pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
    )
    subprocess.run([sys.executable, "-c", CHILD, str(lib), str(DATA)], check=True)
print(f"wrote {DATA}")
