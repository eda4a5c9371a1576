"""Arbor 0.12's built-in voltage processes v_limit and v_clamp, as reference traces for gradmod.

Arbor runs a VOLTAGE_PROCESS's BREAKPOINT after its cable solve, every other mechanism's state
update and the ion update, and before its threshold test: the process sets v at its CVs for the
next step. Two scenarios, dt 0.025 ms for 30 ms, v_init -65 mV, Arbor's `pas` (g 0.001 S/cm²,
e -70 mV) everywhere, cm 1 µF/cm², Ra 100 Ω·cm:

- `vp_limit`: a soma of 20 µm × 20 µm (one CV) with `v_limit` (v_low -68, v_high -60 mV) and a
  current clamp of 0.2 nA from 5 to 25 ms: v rests toward -70 mV and is held at -68, then the
  step drives it toward -54 mV and it is held at -60.
- `vp_clamp`: a cable of 100 µm × 2 µm in 5 CVs with `v_clamp` (v0 -50 mV) painted on its first
  fifth (the first CV) and the same clamp at 0.9 of the cable; every CV's v.

Writes ../data/arbor/vp_limit.csv (t, v) and vp_clamp.csv (t, v0..v4), every fourth step (0.1 ms)
to keep the files small: Arbor samples v at the start of each step, which is what the step before
left (gradmod's sample at the end of that step), so row i is gradmod's sample 4 i.

Usage: python voltage_process.py
"""

import os

import arbor as A
import numpy as np

U = A.units
DT, TSTOP = 0.025, 30.0
EVERY = 4


class Recipe(A.recipe):
    def __init__(self, cell, probes):
        A.recipe.__init__(self)
        self.cell = cell
        self.the_probes = probes
        self.props = A.neuron_cable_properties()
        self.props.set_property(Vm=-65 * U.mV, cm=0.01 * U.F / U.m2, rL=100 * U.Ohm * U.cm)

    def num_cells(self):
        return 1

    def cell_kind(self, gid):
        return A.cell_kind.cable

    def cell_description(self, gid):
        return self.cell

    def probes(self, gid):
        return self.the_probes

    def global_properties(self, kind):
        return self.props


def simulate(cell, probes, tags):
    rec = Recipe(cell, probes)
    ctx = A.context(threads=1)
    sim = A.simulation(rec, ctx, A.partition_load_balance(rec, ctx))
    handles = [sim.sample((0, tag), A.regular_schedule(DT * U.ms)) for tag in tags]
    sim.run(TSTOP * U.ms, DT * U.ms)
    return [np.asarray(sim.samples(h)[0][0]) for h in handles]


def limit():
    r = 10.0
    tree = A.segment_tree()
    tree.append(A.mnpos, A.mpoint(-r, 0, 0, r), A.mpoint(r, 0, 0, r), tag=1)
    dec = A.decor()
    dec.paint("(all)", A.density("pas"))
    dec.paint("(all)", A.voltage_process("v_limit/v_low=-68,v_high=-60"))
    dec.place("(location 0 0.5)", A.i_clamp(5 * U.ms, 20 * U.ms, 0.2 * U.nA))
    cell = A.cable_cell(A.morphology(tree), dec, A.label_dict(), A.cv_policy_fixed_per_branch(1))
    (data,) = simulate(cell, [A.cable_probe_membrane_voltage("(location 0 0.5)", "v")], ["v"])
    return data


def clamp():
    length, diam, ncv = 100.0, 2.0, 5
    tree = A.segment_tree()
    tree.append(A.mnpos, A.mpoint(0, 0, 0, diam / 2), A.mpoint(length, 0, 0, diam / 2), tag=1)
    cuts = " ".join(f"(location 0 {k / ncv!r})" for k in range(1, ncv))
    policy = A.cv_policy_explicit(f"(join {cuts})")
    dec = A.decor()
    dec.paint("(all)", A.density("pas"))
    dec.paint("(cable 0 0 0.2)", A.voltage_process("v_clamp/v0=-50"))
    dec.place("(location 0 0.9)", A.i_clamp(5 * U.ms, 20 * U.ms, 0.2 * U.nA))
    cell = A.cable_cell(A.morphology(tree), dec, A.label_dict(), policy)
    probes = [
        A.cable_probe_membrane_voltage(f"(location 0 {(k + 0.5) / ncv!r})", f"v{k}") for k in range(ncv)
    ]
    data = simulate(cell, probes, [f"v{k}" for k in range(ncv)])
    return np.column_stack([data[0][:, 0]] + [d[:, 1] for d in data])


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../data/arbor")
    os.makedirs(out, exist_ok=True)
    data = limit()[::EVERY]
    np.savetxt(os.path.join(out, "vp_limit.csv"), data, delimiter=",", header="t,v", comments="", fmt="%.17g")
    print("vp_limit", data.shape)
    data = clamp()[::EVERY]
    header = "t," + ",".join(f"v{k}" for k in range(data.shape[1] - 1))
    np.savetxt(os.path.join(out, "vp_clamp.csv"), data, delimiter=",", header=header, comments="", fmt="%.17g")
    print("vp_clamp", data.shape)


if __name__ == "__main__":
    main()
