#!/usr/bin/env python3
"""NEURON's trace of pyNN's gif.mod (GifCurrent, from the corpus: tests/corpus/fetch.sh), whose
AFTER SOLVE block draws `rand = urand()` once per step, on a passive soma with a current step.
NEURON's random numbers are not gradmod's, so the threshold is set so low (Vt_star = -100 mV) that
the escape rate is huge and p_dontspike = exp(-lambda dt) is 0 outside the refractory period (it is
2 inside it): WATCH
(rand > p_dontspike) then fires at the first test after each refractory period whatever the draws
are, and the trace is deterministic. It still tests the order of the step: when BREAKPOINT sets
p_dontspike, when the WATCH condition is tested, when the self-events reset v.

Columns t, v, eta1, gamma2, isrefrac, every step of 1200 (30 ms).

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3, cm 1, Ra 100. Row k is the state after k fadvance() calls.

Usage: python3 tests/reference/gif.py   (with NEURON installed for that interpreter, and the corpus)
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "gif"
FILES = [HERE.parent / "corpus" / "files" / "pynn__pyNN_neuron_nmodl_gif.mod"]

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]

s = h.Section(name="soma")
s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
s.insert("pas"); s(0.5).pas.g = 1e-4; s(0.5).pas.e = -65.0
gif = h.GifCurrent(s(0.5))
gif.Vt_star = -100.0; gif.Tref = 2.0; gif.Vr = -60.0
gif.a_eta1 = 0.05; gif.a_eta2 = 0.02; gif.a_eta3 = 0.01
stim = h.IClamp(s(0.5)); stim.delay = 5.0; stim.dur = 20.0; stim.amp = 0.2
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
columns = [("v", s(0.5)._ref_v), ("eta1", gif._ref_eta1), ("gamma2", gif._ref_gamma2),
           ("isrefrac", gif._ref_isrefrac)]
vecs = [(name, h.Vector().record(ref)) for name, ref in columns]
steps = 1200
h.finitialize(-65.0)
for _ in range(steps):
    h.fadvance()
with open(out + "/gif.csv", "w") as f:
    f.write("t," + ",".join(name for name, _ in vecs) + "\n")
    for i in range(steps + 1):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for _, v in vecs) + "\n")
"""

DATA.mkdir(parents=True, exist_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    for path in FILES:
        shutil.copy(path, tmp)
    # The nrnivmodl of this interpreter's installation.
    env = dict(os.environ)
    env["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    subprocess.run(["nrnivmodl", "."], cwd=tmp, check=True, capture_output=True, env=env)
    lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
        pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
    )
    subprocess.run([sys.executable, "-c", CHILD, str(lib), str(DATA)], check=True)
print(f"wrote {DATA}")
