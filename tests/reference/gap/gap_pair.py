"""NEURON reference for the POINTER gap-junction pair (gap_pair.toml).

Two single-compartment cells (soma 20 um x 20 um, nseg 1) with NEURON's hh (usetable_hh = 0), joined
by tests/mechanisms/gapjunction.mod, whose POINTER vgap each half points (h.setpointer) to the other
soma's v. Cell a gets a 0.3 nA IClamp from 5 to 6 ms. dt 0.025 ms, 1200 steps (30 ms), celsius 6.3,
v_init -65 mV. Writes gap_pair.csv: t, v_a, v_b at every step (row k: after k fadvance calls).

Run with a Python that has NEURON (pip install neuron): python3 tests/reference/gap/gap_pair.py
(it compiles the .mod with nrnivmodl in a temporary folder).
"""

import os
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
mod = os.path.join(here, "..", "..", "mechanisms", "gapjunction.mod")
work = tempfile.mkdtemp()
shutil.copy(mod, work)
nrnivmodl = os.path.join(os.path.dirname(sys.executable), "nrnivmodl")
subprocess.run([nrnivmodl], cwd=work, check=True, stdout=subprocess.DEVNULL)

from neuron import h, load_mechanisms  # noqa: E402

load_mechanisms(work)
h.load_file("stdrun.hoc")
h.usetable_hh = 0
h.celsius = 6.3
h.dt = 0.025
h.secondorder = 0

cells = []
for name in ("a", "b"):
    s = h.Section(name=name)
    s.L = 20.0
    s.diam = 20.0
    s.nseg = 1
    s.Ra = 100.0
    s.cm = 1.0
    s.insert("hh")
    cells.append(s)
a, b = cells
ga = h.GapJunction(a(0.5))
gb = h.GapJunction(b(0.5))
h.setpointer(b(0.5)._ref_v, "vgap", ga)
h.setpointer(a(0.5)._ref_v, "vgap", gb)
stim = h.IClamp(a(0.5))
stim.delay = 5.0
stim.dur = 1.0
stim.amp = 0.3

h.finitialize(-65.0)
rows = [(h.t, a(0.5).v, b(0.5).v)]
for _ in range(1200):
    h.fadvance()
    rows.append((h.t, a(0.5).v, b(0.5).v))
with open(os.path.join(here, "gap_pair.csv"), "w") as f:
    f.write("t,v_a,v_b\n")
    for r in rows:
        f.write(",".join(repr(x) for x in r) + "\n")
shutil.rmtree(work)
