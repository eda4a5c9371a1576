#!/usr/bin/env python3
"""NEURON's traces and spike times of point processes that spike (net_event) and of WATCH
conditions, into data/spiking/:

- izhikevich.csv: PyNN's Izhikevich (tests/corpus/files/pynn__pyNN_neuron_nmodl_izhikevich.mod,
  from tests/corpus/fetch.sh: WATCH (v > vthresh) armed from INITIAL through net_send(0, 1), reset
  of v and u with net_event) at soma(0.5) of a bare soma (Cm of the cell's capacitance), driven by
  a current step and kicked twice through a connection: v, u.
- adexp.csv: PyNN's AdExpIF (pynn__pyNN_neuron_nmodl_adexp.mod: WATCH, net_event, a refractory
  clamp through self-events) on a soma with pas (its leak), driven by a current step: v, w.
- watchfire.csv: WatchFire (tests/mechanisms/watchfire.mod, WATCH on a condition over a state)
  on the soma with pas, a current step and two kicks: v, a, nspike.
- watchfire_armed.csv: WatchFire whose condition already holds when it is armed at t = 0 (no
  crossing for NEURON), kicked below it at 10 ms: it fires once, on the recovery.
- invlfire.csv: NEURON's IntervalFire (tests/corpus/files/neuron__neuron_.data_share_nrn_demo_\
  release_invlfire.mod: net_send, net_move, net_event), kicked through a connection: m.
- initkick.csv: InitKick (tests/mechanisms/initkick.mod), whose INITIAL sends a self-event at
  t = 0 that finitialize delivers before its last BREAKPOINT: v, g, i, n from the first sample.
- netstim.csv: NEURON's NetStim (noise 0) driving an ExpSyn on an hh soma through a NetCon of
  delay 1 ms (the model tests/reference/data/spiking/netstim.toml): v, hh's m, h, n, the
  synapse's g.
- spikes.csv: every spike time of the point processes above (NetCon(pp, None).record), as rows
  `model,time`.

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3, Ra 100, a soma of 20 x 20 um, one segment; 3200 steps (80 ms). Every 8th step is
kept: row r is what Vector.record samples after 8 r fadvance() calls (before the events fadvance
delivers at its end, which the next step of gradmod delivers at its start). The parameters are
those of tests/it/spiking.rs.

Usage: python3 tests/reference/spiking.py   (needs `pip install neuron`; compiles the mechanisms
with nrnivmodl in a temporary folder)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "spiking"
ROOT = HERE.parent.parent
CORPUS = ROOT / "tests" / "corpus" / "files"
FILES = {
    "izhikevich.mod": CORPUS / "pynn__pyNN_neuron_nmodl_izhikevich.mod",
    "adexp.mod": CORPUS / "pynn__pyNN_neuron_nmodl_adexp.mod",
    "watchfire.mod": ROOT / "tests" / "mechanisms" / "watchfire.mod",
    "initkick.mod": ROOT / "tests" / "mechanisms" / "initkick.mod",
    "invlfire.mod": CORPUS / "neuron__neuron_.data_share_nrn_demo_release_invlfire.mod",
}

CHILD = r"""
import math
import sys
from neuron import h
h.nrn_load_dll(sys.argv[1])
out = sys.argv[2]
STEPS = 3200
EVERY = 8
AREA = math.pi * 20.0 * 20.0  # um2
spikes = []

def soma(cm=1.0, pas=None, hh=False):
    s = h.Section(name="soma")
    s.L = 20.0; s.diam = 20.0; s.nseg = 1; s.cm = cm; s.Ra = 100.0
    if pas is not None:
        s.insert("pas"); s(0.5).pas.g = pas[0]; s(0.5).pas.e = pas[1]
    if hh:
        s.insert("hh")
    return s

def run(name, columns, sources, trains=(), clamp=None):
    # columns: (name, pointer) recorded by Vector.record; sources: point processes whose
    # net_event spike times are recorded; trains: (NetCon, times) queued at finitialize;
    # clamp: (section, delay, dur, amp).
    h.dt = 0.025; h.celsius = 6.3; h.secondorder = 0; h.CVode().active(0); h.usetable_hh = 0
    keep = []
    if clamp is not None:
        sec, delay, dur, amp = clamp
        ic = h.IClamp(sec(0.5)); ic.delay = delay; ic.dur = dur; ic.amp = amp
        keep.append(ic)
    fih = h.FInitializeHandler(lambda: [nc.event(t) for nc, times in trains for t in times])
    vecs = [h.Vector().record(ref) for _, ref in columns]
    times = []
    for src in sources:
        tv = h.Vector(); nc = h.NetCon(src, None); nc.record(tv)
        keep.append(nc); times.append(tv)
    h.finitialize(-65.0)
    for _ in range(STEPS):
        h.fadvance()
    with open(out + "/" + name + ".csv", "w") as f:
        f.write("t," + ",".join(c for c, _ in columns) + "\n")
        for i in range(0, STEPS + 1, EVERY):
            f.write(repr(i * 0.025) + "," + ",".join(repr(float(v[i])) for v in vecs) + "\n")
    for tv in times:
        spikes.extend((name, float(x)) for x in tv)
    del fih

# izhikevich.csv
s = soma()
izh = h.Izhikevich(s(0.5))
h.Cm_Izhikevich = AREA * 1e-5  # nF (a global): the soma's capacitance, so that v follows Izhikevich's equation
nc = h.NetCon(None, izh); nc.weight[0] = 3.0
run("izhikevich", [("v", s(0.5)._ref_v), ("u", izh._ref_u)], [izh],
    [(nc, [40.0, 40.3])], (s, 5.0, 70.0, 0.1))
del izh, nc
h("forall delete_section()")

# adexp.csv
s = soma(cm=20.0, pas=(0.0024, -70.6))
ad = h.AdExpIF(s(0.5))
run("adexp", [("v", s(0.5)._ref_v), ("w", ad._ref_w)], [ad], (), (s, 5.0, 70.0, 0.8))
del ad
h("forall delete_section()")

# watchfire.csv
s = soma(pas=(1e-4, -65.0))
wf = h.WatchFire(s(0.5))
nc = h.NetCon(None, wf); nc.weight[0] = 0.004
run("watchfire", [("v", s(0.5)._ref_v), ("a", wf._ref_a), ("nspike", wf._ref_nspike)], [wf],
    [(nc, [30.0, 30.2, 61.0])], (s, 5.0, 50.0, 0.03))
del wf, nc
h("forall delete_section()")

# watchfire_armed.csv: the condition already holds when armed at t = 0 (v_init -65 > vth -66),
# which NEURON's WatchCondition does not take for a crossing; a kick down and the recovery
# through the threshold then fire it once.
s = soma(pas=(1e-4, -65.0))
wf = h.WatchFire(s(0.5)); wf.vth = -66.0
nc = h.NetCon(None, wf); nc.weight[0] = -0.003
run("watchfire_armed", [("v", s(0.5)._ref_v), ("a", wf._ref_a), ("nspike", wf._ref_nspike)], [wf],
    [(nc, [10.0])])
del wf, nc
h("forall delete_section()")

# invlfire.csv: NEURON's IntervalFire (an artificial cell: self-events at times of a logarithm,
# net_move, net_event), placed on the soma as gradmod places it, kicked through a connection.
s = soma(pas=(1e-4, -65.0))
fire = h.IntervalFire(s(0.5))
nc = h.NetCon(None, fire); nc.weight[0] = 0.4
run("invlfire", [("v", s(0.5)._ref_v), ("m", fire._ref_m)], [fire], [(nc, [3.0, 3.5, 22.0, 40.0])])
del fire, nc
h("forall delete_section()")

# initkick.csv: INITIAL's net_send(0, 1) is delivered by finitialize, before its last BREAKPOINT.
s = soma(pas=(1e-4, -65.0))
ik = h.InitKick(s(0.5))
run("initkick", [("v", s(0.5)._ref_v), ("g", ik._ref_g), ("i", ik._ref_i), ("n", ik._ref_n)], [])
del ik
h("forall delete_section()")

# netstim.csv
s = soma(hh=True)
ns = h.NetStim(); ns.start = 5.0; ns.interval = 7.0; ns.number = 8; ns.noise = 0.0
syn = h.ExpSyn(s(0.5)); syn.tau = 2.0; syn.e = 0.0
nc = h.NetCon(ns, syn); nc.delay = 1.0; nc.weight[0] = 0.004
seg = s(0.5)
run("netstim", [("v", seg._ref_v), ("m", seg.hh._ref_m), ("h", seg.hh._ref_h), ("n", seg.hh._ref_n),
                ("g", syn._ref_g)], [ns])

with open(out + "/spikes.csv", "w") as f:
    f.write("model,time\n")
    for name, t in spikes:
        f.write(name + "," + repr(t) + "\n")
"""

with tempfile.TemporaryDirectory() as tmp:
    for name, path in FILES.items():
        shutil.copy(path, pathlib.Path(tmp) / name)
    subprocess.run(["nrnivmodl", "."], cwd=tmp, check=True, capture_output=True)
    lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
        pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
    )
    DATA.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", CHILD, str(lib), str(DATA)], check=True)
print(f"wrote {DATA}")
