"""Shared by the reference scripts that compile their own mechanisms: build `.mod` files with
NEURON's nrnivmodl in a temporary folder and run a script (the child) in a fresh interpreter that
loads them, so that NEURON's built-in mechanisms and the test's never share a process.

nrnivmodl is taken from PATH, else from beside the interpreter (a virtual environment with
`pip install neuron`)."""

import pathlib
import shutil
import subprocess
import sys
import tempfile


def build_and_run(mods, child, data, *args):
    """Compiles the files `mods` and runs the Python text `child` with the arguments: the built
    library, the folder `data` (made if missing), then `args`."""
    nrnivmodl = shutil.which("nrnivmodl") or str(pathlib.Path(sys.executable).parent / "nrnivmodl")
    with tempfile.TemporaryDirectory() as tmp:
        for mod in mods:
            shutil.copy(mod, tmp)
        subprocess.run([nrnivmodl, "."], cwd=tmp, check=True, capture_output=True)
        lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
            pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
        )
        pathlib.Path(data).mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", child, str(lib), str(data), *args], check=True)


# What the children of the protocols below share: the library and the output folder from the
# arguments, a JSON spec, a soma of 20 x 20 um (one segment, cm 1, Ra 100); at the end, the
# `columns` recorded, STEPS fixed steps from finitialize(-65) and every 4th row written to
# spec["csv"].
CHILD_HEAD = r"""
import json
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
spec = json.loads(sys.argv[3])
"""
SOMA = r"""
s = h.Section(name="soma")
s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = 1.0; s.Ra = 100.0
"""
CHILD_TAIL = r"""
vecs = [h.Vector().record(ref) for _, ref in columns]
h.finitialize(-65.0)
for _ in range(STEPS):
    h.fadvance()
with open(out + "/" + spec["csv"], "w") as f:
    f.write("t," + ",".join(name for name, _ in columns) + "\n")
    for i in range(0, STEPS + 1, 4):
        f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
"""


# The protocol of the event tests (tests/it/netcons.rs, `with_trains`): a soma of 20 x 20 um (one
# segment, cm 1, Ra 100) with pas (g 1e-4, e -65), the point process at soma(0.5) and one NetCon
# per train (weight, event times); dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
# celsius 6.3; 1200 steps (30 ms), every 4th kept (row r is what Vector.record samples after 4 r
# fadvance() calls). The columns: v, the point process's `fields`, then for each connection j and
# each name of `netcon_args` (its NET_RECEIVE arguments after the weight) `ncJ_NAME`.
TRAINS_CHILD = CHILD_HEAD + "STEPS = 1200\n" + SOMA + r"""
s.insert("pas"); s(0.5).pas.g = 1e-4; s(0.5).pas.e = -65.0
syn = getattr(h, spec["mechanism"])(s(0.5))
trains = []
for w, times in spec["trains"]:
    nc = h.NetCon(None, syn); nc.weight[0] = w
    trains.append((nc, times))
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
fih = h.FInitializeHandler(lambda: [nc.event(t) for nc, times in trains for t in times])
columns = [("v", s(0.5)._ref_v)] + [(f, getattr(syn, "_ref_" + f)) for f in spec["fields"]]
for j, (nc, _) in enumerate(trains):
    for i, a in enumerate(spec["netcon_args"]):
        columns.append((f"nc{j}_{a}", nc._ref_weight[i + 1]))
""" + CHILD_TAIL


def run_trains(mod, mechanism, trains, fields, netcon_args, data, csv):
    """Runs the event tests' protocol (TRAINS_CHILD) on point process `mechanism` of file `mod`,
    writing `csv` into `data`."""
    import json

    spec = {
        "mechanism": mechanism,
        "trains": trains,
        "fields": fields,
        "netcon_args": netcon_args,
        "csv": csv,
    }
    build_and_run([mod], TRAINS_CHILD, data, json.dumps(spec))


# The protocol of the single-mechanism tests (tests/it/runge.rs, library_functions.rs,
# recursion.rs; `models::soma_with_pulse`): a soma of 20 x 20 um (one segment, cm 1, Ra 100) with
# the density mechanism only, its defaults, and an IClamp of `amp` nA at soma(0.5) from 2 to 12 ms;
# dt 0.025 ms, finitialize(-65), fixed step, secondorder 0, celsius 6.3; 800 steps (20 ms), every
# 4th kept (row r is what Vector.record samples after 4 r fadvance() calls). The columns: v, then
# the mechanism's `fields`.
PULSE_CHILD = CHILD_HEAD + "STEPS = 800\n" + SOMA + r"""
s.insert(spec["suffix"])
clamp = h.IClamp(s(0.5)); clamp.delay = 2.0; clamp.dur = 10.0; clamp.amp = spec["amp"]
h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0)
x = s(0.5)
columns = [("v", x._ref_v)] + [
    (f, getattr(x, "_ref_" + f + "_" + spec["suffix"])) for f in spec["fields"]
]
""" + CHILD_TAIL


def run_pulse(mod, suffix, fields, amp, data, csv):
    """Runs the single-mechanism protocol (PULSE_CHILD) on density mechanism `suffix` of file
    `mod` with a pulse of `amp` nA, recording v and `fields` into `data`/`csv`."""
    import json

    spec = {"suffix": suffix, "fields": fields, "amp": amp, "csv": csv}
    build_and_run([mod], PULSE_CHILD, data, json.dumps(spec))
