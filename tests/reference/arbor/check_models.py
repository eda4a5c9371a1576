"""dV/dθ from the catalogue `gradmod emit arbor` writes, against Arbor's own central finite
differences (same dt) and against gradmod's exact tangents, on model A (HH axon), B(100) (HH
cable) and single-compartment cells of the IO channels.

For each model, parameter and probe the script prints and writes (agreement.txt) the relative
error max_t |a - b| / max_t |b| of the Arbor tangent a against b = the finite difference, and of
gradmod's tangent against the same finite difference. The voltage is read per CV (the soma CV and
the last CV), as is the dv/dθ species.

Usage: python check_models.py GRADMOD WORKDIR [quick]
"""

import csv
import os
import subprocess
import sys

import arbor as A
import numpy as np

import gm_arbor as G

U = A.units
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
DT = 0.025


def hh_cell(cable, cat_params, diff, stim, extra=None, celsius=6.3):
    """A cable cell with the emitted mechanisms `cat_params` {name: params} on every region."""
    dec = A.decor()
    dec.set_property(Vm=-65 * U.mV, cm=0.01 * U.F / U.m2, rL=100 * U.Ohm * U.cm, tempK=(celsius + 273.15) * U.Kelvin)
    # Per-span diffusivities and per-CV scales that make the species' diffusion the exact axial
    # solve (gm_arbor.cv_scales, docs/arbor.md).
    cable.paint_gradient(dec, diff, [(None, m, p) for m, p in cat_params.items()], 100.0, 1.0, DT)
    if stim:
        where, delay, dur, amp = stim
        dec.place(where, A.i_clamp(delay * U.ms, dur * U.ms, amp * U.nA))
    return A.cable_cell(cable.morph, dec, cable.labels, cable.policy)


def simulate(cat, cable, mechs, ions, stim, tstop, celsius=6.3):
    """v per CV and dv/dθ per CV; dv/dθ is read from the first mechanism's copy of it at the start
    of each step (its STATE gm_dv_<mech>_<param>), since Arbor samples the species after the
    mechanisms have added to it."""
    cell = hh_cell(cable, mechs, ions, stim, celsius=celsius)
    props = G.properties(cat, ions)
    first = next(iter(mechs))
    probes = lambda gid: [A.cable_probe_membrane_voltage_cell("v")] + [  # noqa: E731
        A.cable_probe_density_state_cell(f"gm::{first}", "gm_" + ion, ion) for ion in ions
    ]
    handles = [("v", 0, "v")] + [(ion, 0, ion) for ion in ions]
    return G.run(G.Recipe([cell], props, probes), tstop, DT, handles)


def gradmod_tangents(gradmod, model, tstop, work):
    out = os.path.join(work, "gradmod_" + os.path.basename(model).replace(".toml", ""))
    subprocess.run([gradmod, "run", model, "--out", out, "--no-plot", "--set", f"tstop={tstop}"], check=True, capture_output=True)
    with open(os.path.join(out, "tangents.csv")) as f:
        rows = list(csv.reader(f))
    head, data = rows[0], np.array(rows[1:], dtype=float)
    return {h: data[:, i] for i, h in enumerate(head)}


def compare(label, cat, cable, mechs, wrt, stim, tstop, probes, gm=None, rel_h=1e-4, celsius=6.3, only=None):
    """probes: [(probe name, CV index)]; gm: gradmod's tangents by column name, or None."""
    ions = [f"dv_{m}_{p}" for m, p in wrt]
    base = simulate(cat, cable, mechs, ions, stim, tstop, celsius)
    lines = []
    for (mech, param), ion in zip(wrt, ions):
        if only is not None and (mech, param) not in only:
            continue
        theta = mechs[mech][param]
        h = rel_h * abs(theta)
        runs = []
        for sign in (1, -1):
            ms = {k: dict(v) for k, v in mechs.items()}
            ms[mech][param] = theta + sign * h
            runs.append(simulate(cat, cable, ms, ions, stim, tstop, celsius)["v"])
        fd = (runs[0] - runs[1]) / (2 * h)
        for pname, cv in probes:
            a = base[ion][:, 1:][:, cv]
            b = fd[:, 1:][:, cv]
            line = f"{label} {pname} d/d{mech}.{param}: arbor tangent vs arbor FD {G.rel_err(a, b):.2e}"
            col = f"d({pname})/d({mech}.{param})"
            if gm is not None and col in gm:
                n = min(len(gm[col]), len(b))
                line += f"; gradmod vs arbor FD {G.rel_err(gm[col][:n], b[:n]):.2e}; arbor tangent vs gradmod {G.rel_err(a[:n], gm[col][:n]):.2e}"
            print(line, flush=True)
            lines.append(line)
    return lines


def synapse_check(cat, weight, tstop=30.0):
    """hh and an ExpSyn (tau 2 ms, events at 5 and 15 ms of `weight` µS) on one 20 µm by 20 µm
    compartment: dv/dθ along hh.gnabar and along the weight scale against central differences."""
    soma = G.Cable([("soma", 20.0, 20.0, 1)])
    ions = ["dv_hh_gnabar", "dv_ExpSyn_weight"]

    def run(gnabar=0.12, scale=1.0):
        dec = A.decor()
        dec.set_property(Vm=-65 * U.mV, cm=0.01 * U.F / U.m2, rL=100 * U.Ohm * U.cm, tempK=(6.3 + 273.15) * U.Kelvin)
        soma.paint_gradient(dec, ions, [(None, "hh", {"gnabar": gnabar, "gkbar": 0.036, "gl": 0.0003})], 100.0, 1.0, DT)
        syn = {"tau": 2.0, "gm_cm": 1.0, "gm_pre": 1.0}
        dec.place(soma.loc("soma", 0.5), A.synapse("gm::ExpSyn", syn), "syn")
        cell = A.cable_cell(soma.morph, dec, soma.labels, soma.policy)
        gens = {0: [A.event_generator("syn", weight * scale, A.explicit_schedule([5.0 * U.ms, 15.0 * U.ms]))]}
        probes = lambda gid: [A.cable_probe_membrane_voltage_cell("v")] + [  # noqa: E731
            A.cable_probe_density_state_cell("gm::hh", "gm_" + ion, ion) for ion in ions
        ]
        rec = G.Recipe([cell], G.properties(cat, ions), probes, generators=gens)
        return G.run(rec, tstop, DT, [("v", 0, "v")] + [(ion, 0, ion) for ion in ions])

    base = run()
    lines = []
    for ion, (plus, minus, h) in zip(ions, [(run(gnabar=0.12 * (1 + 1e-4)), run(gnabar=0.12 * (1 - 1e-4)), 0.12e-4), (run(scale=1 + 1e-4), run(scale=1 - 1e-4), 1e-4)]):
        fd = (plus["v"][:, 1] - minus["v"][:, 1]) / (2 * h)
        err = G.rel_err(base[ion][:, 1], fd)
        line = f"ExpSyn-1CV w={weight} v d/d{ion[3:].replace('_', '.', 1)}: arbor tangent vs arbor FD {err:.2e}"
        print(line, flush=True)
        lines.append(line)
    return lines


def main():
    gradmod, work = sys.argv[1], sys.argv[2]
    quick = len(sys.argv) > 3
    os.makedirs(work, exist_ok=True)
    lines = []
    # Model A and B(100): hh everywhere.
    wrt = [("hh", "gnabar"), ("hh", "gkbar"), ("hh", "gl")]
    cat = G.build_catalogue(gradmod, [os.path.join(ROOT, "mod_files/hh.mod")], [f"{m}.{p}" for m, p in wrt], os.path.join(work, "hh"))
    hh = {"hh": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003}}
    tstop = 30.0 if quick else 100.0
    a = G.Cable([("soma", 20.0, 20.0, 1), ("axon", 400.0, 1.0, 10)])
    gm = gradmod_tangents(gradmod, os.path.join(ROOT, "models/A_hh_axon.toml"), tstop, work)
    lines += compare("A", cat, a, hh, wrt, (a.loc("soma", 0.5), 10.0, 1.0, 0.5), tstop, [("v_soma", 0), ("v_axon_end", -1)], gm)
    b = G.Cable([("cable", 1000.0, 1.0, 100)])
    stim = (b.loc("cable", 0.005), 10.0, 1.0, 0.1)
    gm = gradmod_tangents(gradmod, os.path.join(ROOT, "models/B100_hh_cable.toml"), tstop, work)
    lines += compare("B100", cat, b, hh, wrt, stim, tstop, [("v_first", 0), ("v_last", -1)], gm)
    # The IO cell's channels, one at a time on one compartment (20 µm by 20 µm, 0.2 nA from 2 to
    # 12 ms), and three of them together on one compartment, where the mechanisms' shares of the
    # membrane step are taken one after another.
    io = ["io_na_s", "io_na_a", "io_kdr", "io_k", "io_cal", "io_cah", "io_h", "io_kca"]
    wrt = [(m, "gbar") for m in io]
    cat = G.build_catalogue(gradmod, [os.path.join(ROOT, f"mod_files/{m}.mod") for m in io], [f"{m}.{p}" for m, p in wrt], os.path.join(work, "io"))
    info = A.load_catalogue(cat)
    soma = G.Cable([("soma", 20.0, 20.0, 1)])
    stim = (soma.loc("soma", 0.5), 2.0, 10.0, 0.2)
    for m in io:
        params = {"gbar": info[m].parameters["gbar"].default}
        lines += compare("IO-1CV", cat, soma, {m: params}, wrt, stim, 20.0, [("v", 0)], only=[(m, "gbar")])
    trio = {m: {"gbar": info[m].parameters["gbar"].default} for m in ["io_na_s", "io_kdr", "io_h"]}
    lines += compare("IO-1CV-3mech", cat, soma, trio, wrt, stim, 20.0, [("v", 0)], only=[(m, "gbar") for m in trio])
    # hh and a weak and a strong ExpSyn on one compartment (the synapse's share of the step is
    # taken after or before hh's).
    cat = G.build_catalogue(gradmod, [os.path.join(ROOT, "mod_files/hh.mod"), os.path.join(ROOT, "mod_files/expsyn.mod")], ["hh.gnabar", "ExpSyn.weight"], os.path.join(work, "syn"))
    for weight in (0.005, 0.05):
        lines += synapse_check(cat, weight)
    with open(os.path.join(HERE, "agreement.txt" if not quick else "agreement_quick.txt"), "w") as f:
        f.write("# relative error max_t |a - b| / max_t |b|, dt = 0.025 ms, central differences with h = 1e-4 theta;\n")
        f.write(f"# A and B100 to {tstop} ms, the IO compartments to 20 ms (written by check_models.py)\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
