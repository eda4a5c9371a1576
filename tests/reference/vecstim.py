#!/usr/bin/env python3
"""NEURON's trace of a VecStim driving an ExpSyn on an hh soma, into data/vecstim/:

- vecstim.csv: NEURON's VecStim playing the spike times of TIMES below, connected to an ExpSyn (tau 2 ms, e 0 mV) on an hh soma through a NetCon of
  delay 1 ms and weight 0.004 uS (the model data/vecstim/vecstim.toml): v, hh's m, h, n, the
  synapse's g.
- spikes.csv: the VecStim's spike times (NetCon(vs, None).record), as rows `model,time`.

Two of the times share a step and one lies beyond tstop, so that the test sees events delivered
in one step and a vector read past its last delivered element. gradmod runs the same model with
each accepted VecStim and VecEvent file of the corpus (tests/it/vecstim.rs).

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3, Ra 100, a soma of 20 x 20 um, one segment; 3200 steps (80 ms). Every 8th step is
kept: row r is what Vector.record samples after 8 r fadvance() calls.

NEURON 9.0.2 from PyPI does not build VecStim in: the script compiles NEURON's own
share/examples/nrniv/netcon/vecevent.mod, in the copy of hnn-core
(tests/corpus/files/hnn_core__hnn_core_mod_vecevent.mod, from tests/corpus/fetch.sh), with
nrnivmodl in a temporary folder.

Usage: python3 tests/reference/vecstim.py   (needs `pip install neuron`)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
VECEVENT = HERE.parent / "corpus" / "files" / "hnn_core__hnn_core_mod_vecevent.mod"

if len(sys.argv) == 1:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(VECEVENT, pathlib.Path(tmp) / "vecevent.mod")
        subprocess.run(["nrnivmodl", "."], cwd=tmp, check=True, capture_output=True)
        lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
            pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
        )
        subprocess.run([sys.executable, __file__, str(lib)], check=True)
    sys.exit(0)

from neuron import h  # noqa: E402

h.nrn_load_dll(sys.argv[1])

TIMES = [3.0, 10.5, 10.51, 24.0, 24.8, 41.3, 60.0, 95.0]
STEPS = 3200
EVERY = 8
DATA = HERE / "data" / "vecstim"

h.dt = 0.025
h.celsius = 6.3
h.secondorder = 0
h.CVode().active(0)
h.usetable_hh = 0
s = h.Section(name="soma")
s.L = 20.0
s.diam = 20.0
s.nseg = 1
s.cm = 1.0
s.Ra = 100.0
s.insert("hh")
times = h.Vector(TIMES)
vs = h.VecStim()
vs.play(times)
syn = h.ExpSyn(s(0.5))
syn.tau = 2.0
syn.e = 0.0
nc = h.NetCon(vs, syn)
nc.delay = 1.0
nc.weight[0] = 0.004
seg = s(0.5)
columns = [("v", seg._ref_v), ("m", seg.hh._ref_m), ("h", seg.hh._ref_h),
           ("n", seg.hh._ref_n), ("g", syn._ref_g)]
vecs = [h.Vector().record(ref) for _, ref in columns]
spikes = h.Vector()
rec = h.NetCon(vs, None)
rec.record(spikes)
h.finitialize(-65.0)
for _ in range(STEPS):
    h.fadvance()
DATA.mkdir(parents=True, exist_ok=True)
with open(DATA / "vecstim.csv", "w") as f:
    f.write("t," + ",".join(c for c, _ in columns) + "\n")
    for i in range(0, STEPS + 1, EVERY):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
with open(DATA / "spikes.csv", "w") as f:
    f.write("model,time\n")
    for t in spikes:
        f.write("vecstim," + repr(float(t)) + "\n")
print(f"wrote {DATA}")
