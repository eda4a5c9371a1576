"""A network of 100 model-A cells (hh everywhere, an ExpSyn at each soma) run by Arbor on 2
threads, with the tangents of hh.gnabar and of the common scale of the synaptic weights
(ExpSyn.weight) from the emitted catalogue, against Arbor's central differences. Cells 0-4 get a
0.5 nA pulse at 10 ms; each cell listens to the cells 1, 3 and 10 before it (threshold -10 mV,
ExpSyn tau 2 ms, weight 0.02 uS, delay 5 ms). Spike times are not differentiated (nor moved by the
small differences).

Usage: python network.py GRADMOD WORKDIR; appends its lines to agreement.txt.
"""

import os
import sys

import arbor as A
import numpy as np

import check_models as C
import gm_arbor as G

U = A.units
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
N, W, DELAY, TSTOP, DT = 100, 0.02, 5.0, 60.0, 0.025
# Each cell listens to the cells 1, 3 and 10 before it; cells 0-4 get the pulse.
SOURCES = (1, 3, 10)
WRT = [("hh", "gnabar"), ("ExpSyn", "weight")]
IONS = [f"dv_{m}_{p}" for m, p in WRT]


class Ring(G.Recipe):
    def __init__(self, cat, gnabar, wscale):
        self.cable = G.Cable([("soma", 20.0, 20.0, 1), ("axon", 400.0, 1.0, 10)])
        props = G.properties(cat, IONS)
        self.soma = self.cable.loc("soma", 0.5)
        cells = [self.cell(gid, gnabar) for gid in range(N)]
        conns = {
            gid: [A.connection(((gid - k) % N, "det"), "syn", W * wscale, DELAY * U.ms) for k in SOURCES]
            for gid in range(N)
        }
        probes = lambda gid: [A.cable_probe_membrane_voltage(self.soma, "v")] + [  # noqa: E731
            A.cable_probe_density_state(self.soma, "gm::hh", "gm_" + ion, ion) for ion in IONS
        ]
        G.Recipe.__init__(self, cells, props, probes, conns)

    def cell(self, gid, gnabar):
        cable = self.cable
        dec = A.decor()
        dec.set_property(Vm=-65 * U.mV, cm=0.01 * U.F / U.m2, rL=100 * U.Ohm * U.cm, tempK=(6.3 + 273.15) * U.Kelvin)
        hh = {"gnabar": gnabar, "gkbar": 0.036, "gl": 0.0003}
        pre, _post = cable.paint_gradient(dec, IONS, [(None, "hh", hh)], 100.0, 1.0, DT)
        syn = {"tau": 2.0, "gm_cm": 1.0, "gm_pre": pre[cable.cv_of("soma", 0.5)]}
        dec.place(self.soma, A.synapse("gm::ExpSyn", syn), "syn")
        dec.place(self.soma, A.threshold_detector(-10 * U.mV), "det")
        if gid < 5:
            dec.place(self.soma, A.i_clamp(10 * U.ms, 1 * U.ms, 0.5 * U.nA))
        return A.cable_cell(cable.morph, dec, cable.labels, cable.policy)


def simulate(cat, gnabar=0.12, wscale=1.0, watch=(0, 1, 50, 99)):
    rec = Ring(cat, gnabar, wscale)
    handles = [((key, gid), gid, key) for gid in watch for key in ["v"] + IONS]
    out = G.run(rec, TSTOP, DT, handles, threads=2)
    return {k: v[:, 1] for k, v in out.items()}


def main():
    gradmod, work = sys.argv[1], sys.argv[2]
    files = [os.path.join(ROOT, "mod_files/hh.mod"), os.path.join(ROOT, "mod_files/expsyn.mod")]
    cat = G.build_catalogue(gradmod, files, [f"{m}.{p}" for m, p in WRT], work)
    base = simulate(cat)
    lines = []
    for (mech, param), ion in zip(WRT, IONS):
        if param == "gnabar":
            h = 1e-4 * 0.12
            plus, minus = simulate(cat, gnabar=0.12 + h), simulate(cat, gnabar=0.12 - h)
        else:
            h = 1e-4
            plus, minus = simulate(cat, wscale=1 + h), simulate(cat, wscale=1 - h)
        for gid in (0, 1, 50, 99):
            fd = (plus[("v", gid)] - minus[("v", gid)]) / (2 * h)
            err = G.rel_err(base[(ion, gid)], fd)
            spikes = int(np.sum((base[("v", gid)][1:] > -10) & (base[("v", gid)][:-1] <= -10)))
            line = f"net100 cell {gid} soma d/d{mech}.{param}: arbor tangent vs arbor FD {err:.2e} ({spikes} spikes)"
            print(line, flush=True)
            lines.append(line)
    with open(os.path.join(HERE, "agreement.txt"), "a") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
