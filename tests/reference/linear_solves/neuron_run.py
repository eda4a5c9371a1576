"""Single-compartment NEURON run (usage: neuron_run.py SUFFIX OUT.csv STATE...; V_INIT in the
environment changes v_init) matching the gradmod TOML models here: soma 20x20 um, pas
(g 1e-4, e -65), the mechanism, 0.2 nA from 5 to 25 ms, dt 0.025, 30 ms, 34 degC, v_init -65."""
import os
import sys
from neuron import h
h.load_file("stdrun.hoc")
mech, out = sys.argv[1], sys.argv[2]
states = sys.argv[3:]
soma = h.Section(name="soma")
soma.L = soma.diam = 20
soma.cm = 1
soma.Ra = 100
soma.insert("pas")
soma.g_pas = 1e-4
soma.e_pas = -65
soma.insert(mech)
stim = h.IClamp(soma(0.5))
stim.delay, stim.dur, stim.amp = 5, 20, 0.2
h.celsius = 34
h.dt = 0.025
h.secondorder = 0
recs = [h.Vector().record(soma(0.5)._ref_v)]
for s in states:
    recs.append(h.Vector().record(getattr(soma(0.5), "_ref_%s_%s" % (s, mech))))
t = h.Vector().record(h._ref_t)
v_init = float(os.environ.get("V_INIT", "-65"))
h.finitialize(v_init)
h.continuerun(30)
with open(out, "w") as f:
    f.write(",".join(["t", "v"] + states) + "\n")
    for i in range(len(t)):
        f.write(",".join(repr(r[i]) for r in [t] + recs) + "\n")
