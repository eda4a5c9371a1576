#!/usr/bin/env python3
"""NEURON's trace of hnn-core's dipole (density, AFTER SOLVE / AFTER INITIAL) and Dipole (point
process, BEFORE INITIAL / BEFORE BREAKPOINT too), tests/mechanisms/dipole.mod and dipole_pp.mod, on
a soma with hh and a five-segment dendrite with pas: every dipole instance adds its Q into the Qsum
of its section's Dipole and into one shared Qtotal (the Q of tests/mechanisms/qsink.mod, at the
soma's middle), through POINTERs, as hnn-core binds them. Each dipole's pv points to v at the node
before its own (the section's 0-end for the first segment), each Dipole's pv to v at its
section's middle. ri and ztan are set per instance from its position (see below). An IClamp of
0.3 nA from 1 to 4 ms makes the soma spike.

Columns t, v (soma middle), Qsum_soma, Qsum_dend (the Dipoles' Qsum, at soma(1) and dend(1)),
Qtotal (qsink.Q) and Q_dend (the dipole at dend(0.7)), every 4th step of 400.

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3, cm 1, Ra 100, usetable_hh 0. Row i is the state after 4 i fadvance() calls.

Usage: python3 tests/reference/before_after.py   (with NEURON installed for that interpreter)
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "before_after"
FILES = [HERE.parent / "mechanisms" / f for f in ["dipole.mod", "dipole_pp.mod", "qsink.mod"]]

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]

soma = h.Section(name="soma")
soma.L = 20.0; soma.diam = 20.0; soma.nseg = 1
dend = h.Section(name="dend")
dend.L = 200.0; dend.diam = 2.0; dend.nseg = 5
dend.connect(soma(1.0), 0.0)
for s in (soma, dend):
    s.cm = 1.0; s.Ra = 100.0
    s.insert("dipole")
soma.insert("hh")
dend.insert("pas")
for seg in dend:
    seg.pas.g = 1e-4; seg.pas.e = -65.0

# ri and ztan of an instance at (section index, x), the same in tests/it/before_after.rs.
def ri(si, x): return 0.5 + si + 0.3 * x
def ztan(si, x): return 10.0 + 40.0 * si + 25.0 * x

sink = h.QSink(soma(0.5))
dpps = []
for si, s in enumerate((soma, dend)):
    dpp = h.Dipole(s(1.0))
    dpp.ri = ri(si, 1.0); dpp.ztan = ztan(si, 1.0)
    h.setpointer(s(0.5)._ref_v, "pv", dpp)
    h.setpointer(sink._ref_Q, "Qtotal", dpp)
    dpps.append(dpp)
    xs = [seg.x for seg in s]
    for i, seg in enumerate(s):
        seg.dipole.ri = ri(si, seg.x); seg.dipole.ztan = ztan(si, seg.x)
        before = s(0.0) if i == 0 else s(xs[i - 1])
        h.setpointer(before._ref_v, "pv", seg.dipole)
        h.setpointer(dpp._ref_Qsum, "Qsum", seg.dipole)
        h.setpointer(sink._ref_Q, "Qtotal", seg.dipole)

stim = h.IClamp(soma(0.5)); stim.delay = 1.0; stim.dur = 3.0; stim.amp = 0.3
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0); h.usetable_hh = 0
columns = [("v", soma(0.5)._ref_v), ("Qsum_soma", dpps[0]._ref_Qsum),
           ("Qsum_dend", dpps[1]._ref_Qsum), ("Qtotal", sink._ref_Q),
           ("Q_dend", dend(0.7)._ref_Q_dipole)]
vecs = [(name, h.Vector().record(ref)) for name, ref in columns]
steps = 400
h.finitialize(-65.0)
for _ in range(steps):
    h.fadvance()
with open(out + "/dipole.csv", "w") as f:
    f.write("t," + ",".join(name for name, _ in vecs) + "\n")
    for i in range(0, steps + 1, 4):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for _, v in vecs) + "\n")
"""

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
