#!/usr/bin/env python3
"""NEURON's traces of large nonlinear KINETIC schemes, which gradmod solves by Newton's method
kept as loops (docs/DESIGN.md, "Newton's method kept as a loop"), into data/newton/:

- cabuf.csv: the test mechanism tests/mechanisms/cabuf.mod (14 states, calcium with four
  buffers and a pump), always;
- cdp5_CR.csv: the published calretinin variant of cdp5 (22 states) from the corpus,
  tests/corpus/files/dbbs_catalogue__dbbs_catalogue_mods_neuron_cdp5__CR.mod, when the corpus
  has been fetched (tests/corpus/fetch.sh).

The protocol is the crosscheck's (tests/reference/crosscheck/crosscheck.py): a soma of 20 x 20 um,
one segment, cm 1, Ra 100, pas (g 1e-4, e -65), the mechanism inserted, an IClamp of 0.2 nA from 5
to 25 ms at soma(0.5); dt 0.025 ms, finitialize(-65), fixed step, secondorder 0, celsius 6.3;
1200 steps (30 ms). Every 4th step is kept: row r is what Vector.record samples after 4 r
fadvance() calls. Columns: t, v and the STATEs named in STATES.

Usage: python3 tests/reference/newton_kinetic.py   (needs `pip install neuron`; compiles the
mechanisms with nrnivmodl in a temporary folder, nrnivmodl taken from beside the interpreter when
it is not on PATH)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "newton"
ROOT = HERE.parent.parent

# (output stem, source file, mechanism name, STATEs recorded)
FILES = [
    ("cabuf", ROOT / "tests" / "mechanisms" / "cabuf.mod", "cabuf",
     ["ca", "B1ca", "C2", "PVca", "PVmg", "pumpca"]),
    ("cdp5_CR",
     ROOT / "tests" / "corpus" / "files" / "dbbs_catalogue__dbbs_catalogue_mods_neuron_cdp5__CR.mod",
     "glia__dbbs__cdp5__CR", ["ca", "Buff2_ca", "CR_1C_0N", "CR_2C_2N", "CR_1V", "pumpca"]),
]

CHILD = r"""
import json, sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
STEPS = 1200
for stem, name, states in json.loads(sys.argv[3]):
    s = h.Section(name="soma_" + stem)
    s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
    s.insert("pas"); s(0.5).pas.g = 1e-4; s(0.5).pas.e = -65.0
    s.insert(name)
    stim = h.IClamp(s(0.5)); stim.delay = 5.0; stim.dur = 20.0; stim.amp = 0.2
    mech = getattr(s(0.5), name)
    columns = [("v", s(0.5)._ref_v)] + [(x, getattr(mech, "_ref_" + x)) for x in states]
    vecs = [h.Vector().record(ref) for _, ref in columns]
    h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
    h.finitialize(-65.0)
    for _ in range(STEPS):
        h.fadvance()
    with open(out + "/" + stem + ".csv", "w") as f:
        f.write("t," + ",".join(c for c, _ in columns) + "\n")
        for i in range(0, STEPS + 1, 4):
            f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
    h.delete_section(sec=s)
"""

nrnivmodl = shutil.which("nrnivmodl") or str(pathlib.Path(sys.executable).parent / "nrnivmodl")
present = [f for f in FILES if f[1].exists()]
for stem, path, _, _ in FILES:
    if not path.exists():
        print(f"note: {path.name} is not there (tests/corpus/fetch.sh fetches it); {stem}.csv left as it is")
with tempfile.TemporaryDirectory() as tmp:
    for _, path, _, _ in present:
        shutil.copy(path, tmp)
    subprocess.run([nrnivmodl, "."], cwd=tmp, check=True, capture_output=True)
    lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
        pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
    )
    DATA.mkdir(parents=True, exist_ok=True)
    jobs = [[stem, name, states] for stem, _, name, states in present]
    import json

    subprocess.run([sys.executable, "-c", CHILD, str(lib), str(DATA), json.dumps(jobs)], check=True)
for stem, *_ in present:
    print(f"wrote {DATA / (stem + '.csv')}")
