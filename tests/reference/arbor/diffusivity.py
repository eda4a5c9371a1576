"""Finds the diffusivity that makes Arbor's ion diffusion reproduce its cable equation.

A passive cable with no membrane current (the emitted `pas` with g = 0, which adds nothing to
dv/dθ along pas.e) starts with v = -65 mV on its left half and +35 mV on its right half, and the
dv/dθ species with 0 and 100 mM: both relax by the same equation when the diffusivity is right,
so v + 65 and the diffusive concentration agree at every CV and step. The script scans multiples
beta of D = 1e-4 d / (4 Ra cm) m²/s (d in µm, Ra in Ω·cm, cm in µF/cm²) on cables of two diameters and writes the error of each
(max over CVs and steps of |v + 65 - Xd| / 100) to diffusivity.txt.

Usage: python diffusivity.py GRADMOD WORKDIR
"""

import os
import sys

import arbor as A
import numpy as np

import gm_arbor as G

U = A.units


def relax(cat, diam, beta, ra=100.0, cm=1.0, dt=0.025, tstop=5.0):
    cable = G.Cable([("left", 100.0, diam, 10), ("right", 100.0, diam, 10)])
    ion = "dv_pas_e"
    dec = A.decor()
    dec.set_property(Vm=-65 * U.mV, cm=cm * 0.01 * U.F / U.m2, rL=ra * U.Ohm * U.cm)
    dec.set_ion(ion, int_con=0 * U.mM, diff=G.diffusivity(diam, ra, cm, beta) * U.m2 / U.s)
    dec.paint('"right"', Vm=35 * U.mV)
    dec.paint('"right"', ion=ion, int_con=100 * U.mM)
    dec.paint("(all)", A.density("gm::pas", {"g": 0.0, "e": 0.0, "gm_dt": dt, "gm_cm": cm}))
    cell = A.cable_cell(cable.morph, dec, cable.labels, cable.policy)
    props = G.properties(cat, [ion], dt)
    probes = lambda gid: [  # noqa: E731
        A.cable_probe_membrane_voltage_cell("v"),
        A.cable_probe_ion_diff_concentration_cell(ion, "x"),
    ]
    rec = G.Recipe([cell], props, probes)
    out = G.run(rec, tstop, dt, [("v", 0, "v"), ("x", 0, "x")])
    v, x = out["v"][:, 1:], out["x"][:, 1:]
    return float(np.max(np.abs(v + 65.0 - x)) / 100.0), float(np.max(np.abs(v[-1] - v[-1].mean())))


def main():
    gradmod, work = sys.argv[1], sys.argv[2]
    cat = G.build_catalogue(gradmod, [os.path.join(os.path.dirname(__file__), "../../../mod_files/pas.mod")], ["pas.e"], work)
    lines = ["# diameter_um beta max_rel_err   (|v + 65 - Xd| / 100 over all CVs and steps, t <= 5 ms)"]
    for diam in [1.0, 4.0]:
        for beta in [0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 2.0]:
            err, _spread = relax(cat, diam, beta)
            lines.append(f"{diam} {beta} {err:.3e}")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "diffusivity.txt"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
