"""Finds the diffusivity that makes Arbor's ion diffusion reproduce its cable equation.

A passive cable with no membrane current (the emitted `pas` with g = 0, which adds nothing to
dv/dθ along pas.e) starts with v = -65 mV on its left half and +35 mV on its right half, and the
dv/dθ species with 0 and 100 mM: both relax by the same equation when the diffusivity is right,
so v + 65 and the diffusive concentration agree at every CV and step. The script scans multiples
beta of D = 1e-4 d / (4 Ra cm) m²/s (d in µm, Ra in Ω·cm, cm in µF/cm²) on cables of two diameters and writes the error of each
(max over CVs and steps of |v + 65 - Xd| / 100) to diffusivity.txt.

On CVs other than 10 µm long, or where the diameter changes, one diffusivity is not enough
(Arbor 0.12's face coefficient does not fall with the CVs' distance, and a CV's diffusive
capacity is its volume while its electrical one is its area): relax_chain checks the per-span
diffusivities and per-CV scales of gm_arbor.cv_scales the same way, against the one diffusivity.

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
    dec.paint("(all)", A.density("gm::pas", {"g": 0.0, "e": 0.0, "gm_cm": cm}))
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


def relax_chain(cat, sections, scaled=True, ra=100.0, cm=1.0, dt=0.025, tstop=5.0):
    """As relax, on a chain of sections [(name, length, diameter, ncv)] with the per-span
    diffusivities and per-CV scales of gm_arbor.cv_scales (scaled), or with the one diffusivity
    1e-4 d / (4 Ra cm) of the thinnest section and no scales (as before them). The left half of
    the cable starts at -65 mV and S = 0, the right half at +35 mV and S = 100. Returns
    max |v + 65 - S| / 100 over CVs and steps, S read from the mechanism's probe STATE."""
    cable = G.Cable(sections)
    ion = "dv_pas_e"
    dec = A.decor()
    dec.set_property(Vm=-65 * U.mV, cm=cm * 0.01 * U.F / U.m2, rL=ra * U.Ohm * U.cm)
    pas = {"g": 0.0, "e": 0.0}
    cvs = cable.cvs()
    if scaled:
        pre, _post = cable.paint_gradient(dec, [ion], [(None, "pas", pas)], ra, cm, dt)
    else:
        pre = np.ones(len(cvs))
        d_ref = min(c[2] for c in cvs)
        dec.set_ion(ion, int_con=0 * U.mM, diff=G.diffusivity(d_ref, ra, cm) * U.m2 / U.s)
        dec.paint("(all)", A.density("gm::pas", dict(pas, gm_cm=cm, gm_axial=1.0)))
    for i, (_sec, _h, _d, a, b) in enumerate(cvs):
        if (a + b) / 2 > 0.5:
            region = f"(cable 0 {a!r} {b!r})"
            dec.paint(region, Vm=35 * U.mV)
            dec.paint(region, ion=ion, int_con=100 * pre[i] * U.mM)
    cell = A.cable_cell(cable.morph, dec, cable.labels, cable.policy)
    props = G.properties(cat, [ion], dt)
    probes = lambda gid: [  # noqa: E731
        A.cable_probe_membrane_voltage_cell("v"),
        A.cable_probe_density_state_cell("gm::pas", "gm_" + ion, "s"),
    ]
    rec = G.Recipe([cell], props, probes)
    out = G.run(rec, tstop, dt, [("v", 0, "v"), ("s", 0, "s")])
    v, s = out["v"][:, 1:], out["s"][:, 1:]
    return float(np.max(np.abs(v + 65.0 - s)) / 100.0)


# Chains on which the scales matter: CVs of 5 and 20 µm (the diffusivity of 10 µm CVs is wrong
# on both), and model A's 20 µm soma on a 1 µm axon of 40 µm CVs.
CHAINS = {
    "cvs_5_and_20_um": [("left", 100.0, 1.0, 20), ("right", 100.0, 1.0, 5)],
    "soma_20_axon_1": [("soma", 20.0, 20.0, 1), ("axon", 400.0, 1.0, 10)],
}


def main():
    gradmod, work = sys.argv[1], sys.argv[2]
    cat = G.build_catalogue(gradmod, [os.path.join(os.path.dirname(__file__), "../../../mod_files/pas.mod")], ["pas.e"], work)
    lines = ["# diameter_um beta max_rel_err   (|v + 65 - Xd| / 100 over all CVs and steps, t <= 5 ms)"]
    for diam in [1.0, 4.0]:
        for beta in [0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 2.0]:
            err, _spread = relax(cat, diam, beta)
            lines.append(f"{diam} {beta} {err:.3e}")
    lines.append("# chain scaled max_rel_err   (the same check on chains of CVs of other lengths and diameters)")
    for name, sections in CHAINS.items():
        for scaled in (False, True):
            lines.append(f"{name} {scaled} {relax_chain(cat, sections, scaled):.3e}")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "diffusivity.txt"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
