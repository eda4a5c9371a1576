"""Measures Arbor 0.12's face coefficient between two CVs for its ion diffusion.

Two cylinders (lengths L0, L1 µm, diameters d0, d1 µm), one CV each, carry a diffusive species
(D = 1e-9 m²/s) at 100 mM in the first and 0 in the second; one step of dt = 0.025 ms gives X'.
Arbor solves V_i (X_i' - X_i) / dt = k (X_j' - X_i') with V_i the CV's volume (µm³; the
conservation V0 ΔX0 + V1 ΔX1 = 0 checks it), so k = V0 (X0' - X0) / (dt (X1' - X0')) in µm³/ms.
The law that fits every geometry to rounding:

    k = 1e10 · D · L / ∫ dx / A(x)

over the span of length L between the two CVs' midpoints (A the cross-section, µm²): on a
uniform cylinder 1e10 · D · A whatever the CVs' length, where a cable's face conductance,
100 / (Ra ∫ dx / A) µS, falls with the distance. Prints k over the law for each geometry.

Usage: python faces.py
"""

import arbor as A
import numpy as np

U = A.units
DT, D = 0.025, 1e-9


class Recipe(A.recipe):
    def __init__(self, cell):
        A.recipe.__init__(self)
        self.cell = cell
        self.props = A.neuron_cable_properties()
        self.props.set_ion("x", valence=1, int_con=0 * U.mM, ext_con=0 * U.mM, rev_pot=0 * U.mV)

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


def measure(l0, l1, d0, d1):
    """Returns (k measured, k of the law, conservation ratio) for one pair of cylinders."""
    tree = A.segment_tree()
    p = tree.append(A.mnpos, A.mpoint(0, 0, 0, d0 / 2), A.mpoint(l0, 0, 0, d0 / 2), tag=1)
    tree.append(p, A.mpoint(l0, 0, 0, d1 / 2), A.mpoint(l0 + l1, 0, 0, d1 / 2), tag=2)
    dec = A.decor()
    dec.set_ion("x", int_con=0 * U.mM, diff=D * U.m2 / U.s)
    dec.paint("(tag 1)", ion="x", int_con=100 * U.mM)
    policy = A.cv_policy_explicit(f"(location 0 {l0 / (l0 + l1)!r})")
    cell = A.cable_cell(A.morphology(tree), dec, A.label_dict(), policy)
    rec = Recipe(cell)
    ctx = A.context(threads=1)
    sim = A.simulation(rec, ctx, A.partition_load_balance(rec, ctx))
    h = sim.sample((0, "xd"), A.regular_schedule(DT * U.ms))
    sim.run(2 * DT * U.ms, DT * U.ms)
    x = np.asarray(sim.samples(h)[0][0])
    (x0, x1), (y0, y1) = x[0, 1:], x[1, 1:]
    v0, v1 = np.pi * d0**2 / 4 * l0, np.pi * d1**2 / 4 * l1
    k = v0 * (y0 - x0) / (DT * (y1 - y0))
    span = (l0 / 2) / (np.pi * d0**2 / 4) + (l1 / 2) / (np.pi * d1**2 / 4)
    law = 1e10 * D * ((l0 + l1) / 2) / span
    return k, law, -(v1 * (y1 - x1)) / (v0 * (y0 - x0))


GEOMETRIES = [(10, 10, 1, 1), (5, 5, 1, 1), (20, 20, 1, 1), (10, 30, 1, 1), (10, 10, 2, 2), (20, 20, 20, 1), (20, 40, 20, 1), (5, 20, 4, 1)]


def main():
    print("# L0 L1 d0 d1  k/law  conservation")
    for g in GEOMETRIES:
        k, law, cons = measure(*g)
        print(*g, f"{k / law:.15f}", f"{cons:.15f}")


if __name__ == "__main__":
    main()
