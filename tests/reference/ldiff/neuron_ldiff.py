#!/usr/bin/env python3
"""NEURON's run of tests/reference/ldiff/ldiff.toml, into data/ldiff/ldiff.csv: LONGITUDINAL_DIFFUSION
of an array species (ca[0..2], coefficient DFree*frat[i]) and a scalar one (b, Dfb*diam) of
tests/mechanisms/ldifca.mod along a soma, a dendrite and its two branches, with the calcium current
of caleak.mod on the soma and b1 only and a 0.2 nA IClamp at the soma from 2 to 7 ms.

Columns: the probes of ldiff.toml, in its order. Settings: dt 0.025 ms, finitialize(-65), fixed step,
secondorder 0, celsius 6.3, cm 1, Ra 100, pas at NEURON's defaults (g 0.001, e -70); 800 steps
(20 ms), every 20th kept: row r is what Vector.record samples after 20 r fadvance() calls.
With `--set NAME=VALUE` (DFree, Dfb, kp, kr of ldifca), the file is data/ldiff/ldiff_NAME.csv.

Usage: python3 tests/reference/ldiff/neuron_ldiff.py [--set Dfb=0.9]   (needs `pip install neuron`;
compiles the mechanisms with nrnivmodl in a temporary folder, nrnivmodl taken from beside the
interpreter when it is not on PATH)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
DATA = HERE.parent / "data" / "ldiff"

CHILD = r"""
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
sets = [a.split("=") for a in sys.argv[3:]]
STEPS, EVERY = 800, 20

def section(name, L, diam, nseg, parent=None):
    s = h.Section(name=name)
    s.L = L; s.diam = diam; s.nseg = nseg; s.cm = 1.0; s.Ra = 100.0
    if parent is not None:
        s.connect(parent(1.0), 0.0)
    s.insert("pas"); s.insert("ldifca")
    return s

soma = section("soma", 20.0, 10.0, 1)
dend = section("dend", 100.0, 2.0, 5, soma)
b1 = section("b1", 50.0, 1.0, 3, dend)
b2 = section("b2", 60.0, 1.5, 3, dend)
for s in (soma, b1):
    s.insert("caleak")
for name, value in sets:
    for s in (soma, dend, b1, b2):
        for seg in s:
            setattr(seg.ldifca, name, float(value))
stim = h.IClamp(soma(0.5)); stim.delay = 2.0; stim.dur = 5.0; stim.amp = 0.2
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
columns = [
    ("v_soma", soma(0.5)._ref_v),
    ("ca0_soma", soma(0.5).ldifca._ref_ca[0]),
    ("ca0_dend1", dend(0.1).ldifca._ref_ca[0]),
    ("ca0_dend9", dend(0.9).ldifca._ref_ca[0]),
    ("ca2_dend5", dend(0.5).ldifca._ref_ca[2]),
    ("ca0_b1", b1(0.5).ldifca._ref_ca[0]),
    ("ca0_b2", b2(0.5).ldifca._ref_ca[0]),
    ("b_dend5", dend(0.5).ldifca._ref_b),
    ("b_b2", b2(0.833).ldifca._ref_b),
    ("cai_dend9", dend(0.9)._ref_cai),
]
vecs = [h.Vector().record(ref) for _, ref in columns]
h.finitialize(-65.0)
for _ in range(STEPS):
    h.fadvance()
with open(out, "w") as f:
    f.write("t," + ",".join(name for name, _ in columns) + "\n")
    for i in range(0, STEPS + 1, EVERY):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
"""

sets = [a for a in sys.argv[1:] if a != "--set"]
name = "ldiff" + "".join("_" + a.split("=")[0] for a in sets) + ".csv"
nrnivmodl = shutil.which("nrnivmodl") or str(pathlib.Path(sys.executable).parent / "nrnivmodl")
with tempfile.TemporaryDirectory() as tmp:
    for mod in ("ldifca.mod", "caleak.mod"):
        shutil.copy(ROOT / "tests" / "mechanisms" / mod, tmp)
    subprocess.run([nrnivmodl, "."], cwd=tmp, check=True, capture_output=True)
    lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
        pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
    )
    DATA.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", CHILD, str(lib), str(DATA / name), *sets], check=True)
print(f"wrote {DATA / name}")
