#!/usr/bin/env python3
"""NEURON's trace of data/ghk/ghk.toml: one soma with pas and a GHK calcium current
(data/ghk/ghkca.mod), a 0.2 nA step from 5 to 25 ms, 30 ms at 34 degC. gradmod run with
`--slope neuron` (NEURON's finite-difference di/dv) must reproduce it to rounding; with the
symbolic slope it differs, since the current is nonlinear in v.

Usage: python3 tests/reference/ghk_slope.py   (needs `pip install neuron numpy`; compiles
data/ghk/ghkca.mod with nrnivmodl in a temporary folder)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "ghk"

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
soma = h.Section(name="soma")
soma.L = 20.0; soma.diam = 20.0; soma.nseg = 1; soma.cm = 1.0; soma.Ra = 100.0
soma.insert("pas"); soma(0.5).pas.g = 1e-4; soma(0.5).pas.e = -65.0
soma.insert("ghkca"); soma(0.5).ghkca.pbar = 1e-6
stim = h.IClamp(soma(0.5)); stim.delay = 5.0; stim.dur = 20.0; stim.amp = 0.2
h.dt = 0.025; h.celsius = 34.0; h.secondorder = 0; h.CVode().active(0)
v = h.Vector().record(soma(0.5)._ref_v)
h.finitialize(-65.0)
for _ in range(1200):
    h.fadvance()
with open(sys.argv[2], "w") as f:
    f.write("t,v\n")
    for i, x in enumerate(v):
        f.write(f"{repr(i * 0.025)},{repr(float(x))}\n")
"""

with tempfile.TemporaryDirectory() as tmp:
    shutil.copy(DATA / "ghkca.mod", tmp)
    subprocess.run(["nrnivmodl", "."], cwd=tmp, check=True, capture_output=True)
    lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
        pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
    )
    subprocess.run(
        [sys.executable, "-c", CHILD, str(lib), str(DATA / "neuron.csv")], check=True
    )
print(f"wrote {DATA / 'neuron.csv'}")
