"""Arbor 0.12's diffusive concentration Xd on a cable, as reference traces for gradmod.

A cable of 100 µm and diameter 2 µm in 5 equal CVs carries the ion species `x` (valence 1,
inner concentration 1 mM, gradmod's default for a species it does not know) with diffusivity
1e-9 m²/s. Arbor's built-in point process `inject` sits in the first CV (at 0.1 of the cable;
alpha 200) and gets one event of weight 0.5 at 0.1 ms, which adds 100 mM to that CV's Xd; in
the second scenario Arbor's density mechanism `decay` (tau 0.5 /ms) is painted everywhere too.
Xd of every CV is sampled each step (dt 0.025 ms) for 1 ms.

Arbor 0.12's face coefficient between two CVs does not depend on their distance (measured:
1e10 · D · A µm³/ms for D in m²/s and the cross-section A in µm²), so on these CVs of length
h = 20 µm gradmod's diffusivity is 1e10 · D · h = 200 µm²/ms (runtime/src/diffusion.rs).

Writes ../data/arbor/diffusion_inject.csv and diffusion_inject_decay.csv (t, x0..x4). Arbor
samples after the BREAKPOINT of the step starting at t (after `inject` added to Xd), gradmod
at the end of the step before; rows other than the injection's agree.

Usage: python diffusion.py
"""

import os

import arbor as A
import numpy as np

U = A.units
LENGTH, DIAM, NCV, DT, TSTOP = 100.0, 2.0, 5, 0.025, 1.0
DIFFUSIVITY = 1e-9  # m²/s


class Recipe(A.recipe):
    def __init__(self, cell):
        A.recipe.__init__(self)
        self.cell = cell
        self.props = A.neuron_cable_properties()
        self.props.set_ion("x", valence=1, int_con=1 * U.mM, ext_con=1 * U.mM, rev_pot=0 * U.mV)

    def num_cells(self):
        return 1

    def cell_kind(self, gid):
        return A.cell_kind.cable

    def cell_description(self, gid):
        return self.cell

    def probes(self, gid):
        return [A.cable_probe_ion_diff_concentration_cell("x", "xd")]

    def global_properties(self, kind):
        return self.props

    def event_generators(self, gid):
        return [A.event_generator("syn", 0.5, A.explicit_schedule([0.1 * U.ms]))]


def run(decay):
    tree = A.segment_tree()
    tree.append(A.mnpos, A.mpoint(0, 0, 0, DIAM / 2), A.mpoint(LENGTH, 0, 0, DIAM / 2), tag=1)
    labels = A.label_dict({"site": "(location 0 0.1)"})
    cuts = " ".join(f"(location 0 {k / NCV!r})" for k in range(1, NCV))
    policy = A.cv_policy_explicit(f"(join {cuts})")
    dec = A.decor()
    dec.set_ion("x", int_con=1 * U.mM, diff=DIFFUSIVITY * U.m2 / U.s)
    dec.place('"site"', A.synapse("inject", {"alpha": 200.0}), "syn")
    if decay:
        dec.paint("(all)", A.density("decay", {"tau": 0.5}))
    cell = A.cable_cell(A.morphology(tree), dec, labels, policy)
    rec = Recipe(cell)
    ctx = A.context(threads=1)
    sim = A.simulation(rec, ctx, A.partition_load_balance(rec, ctx))
    handle = sim.sample((0, "xd"), A.regular_schedule(DT * U.ms))
    sim.run(TSTOP * U.ms, DT * U.ms)
    data, _meta = sim.samples(handle)[0]
    return np.asarray(data)


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../data/arbor")
    os.makedirs(out, exist_ok=True)
    for name, decay in [("diffusion_inject", False), ("diffusion_inject_decay", True)]:
        data = run(decay)
        header = "t," + ",".join(f"x{i}" for i in range(NCV))
        np.savetxt(os.path.join(out, f"{name}.csv"), data, delimiter=",", header=header, comments="", fmt="%.17g")
        print(name, data.shape)


if __name__ == "__main__":
    main()
