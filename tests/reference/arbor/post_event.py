"""Arbor 0.12's built-in expsyn_stdp (POST_EVENT: spike-timing plasticity), as reference traces.

A soma of 20 µm × 20 µm (one CV) with Arbor's `pas` (g 0.001 S/cm², e -70 mV), cm 1 µF/cm², v_init
-65 mV, a threshold detector at -60 mV and expsyn_stdp (Apre 0.01, Apost -0.01, taupre = taupost =
10 ms, tau 2 ms) in its middle. Current pulses of 0.5 nA for 2 ms at 5, 15, 25 and 35 ms drive v
above the threshold (each a spike, whose POST_EVENT adds Apost to apost and apre to the plastic
weight); events of weight 0.002 µS at 3.005, 8.005, 17.005, 26.005 and 31.005 ms (mid-step, so that
Arbor and gradmod deliver them in the same step) raise g and apre and add apost to the plastic
weight. dt 0.025 ms for 40 ms.

Writes ../data/arbor/post_event.csv (t, v, g, apre, apost, weight_plastic) every fourth step.
Arbor samples at the start of a step, after that step's events (and the POST_EVENTs of the step
before): v is gradmod's sample of the same row, the synapse's states are what gradmod holds after
the deliveries of the next step.

Usage: python post_event.py
"""

import os

import arbor as A
import numpy as np

U = A.units
DT, TSTOP, EVERY = 0.025, 40.0, 4
PULSES = [5.0, 15.0, 25.0, 35.0]
EVENTS = [3.005, 8.005, 17.005, 26.005, 31.005]
STATES = ["g", "apre", "apost", "weight_plastic"]


class Recipe(A.recipe):
    def __init__(self, cell):
        A.recipe.__init__(self)
        self.cell = cell
        self.props = A.neuron_cable_properties()
        self.props.set_property(Vm=-65 * U.mV, cm=0.01 * U.F / U.m2, rL=100 * U.Ohm * U.cm)

    def num_cells(self):
        return 1

    def cell_kind(self, gid):
        return A.cell_kind.cable

    def cell_description(self, gid):
        return self.cell

    def probes(self, gid):
        out = [A.cable_probe_membrane_voltage("(location 0 0.5)", "v")]
        out += [A.cable_probe_point_state("syn", "expsyn_stdp", s, s) for s in STATES]
        return out

    def global_properties(self, kind):
        return self.props

    def event_generators(self, gid):
        return [A.event_generator("syn", 0.002, A.explicit_schedule([t * U.ms for t in EVENTS]))]


def main():
    r = 10.0
    tree = A.segment_tree()
    tree.append(A.mnpos, A.mpoint(-r, 0, 0, r), A.mpoint(r, 0, 0, r), tag=1)
    dec = A.decor()
    dec.paint("(all)", A.density("pas"))
    dec.place("(location 0 0.5)", A.synapse("expsyn_stdp"), "syn")
    dec.place("(location 0 0.5)", A.threshold_detector(-60 * U.mV), "det")
    for t in PULSES:
        dec.place("(location 0 0.5)", A.i_clamp(t * U.ms, 2 * U.ms, 0.5 * U.nA))
    cell = A.cable_cell(A.morphology(tree), dec, A.label_dict(), A.cv_policy_fixed_per_branch(1))
    rec = Recipe(cell)
    ctx = A.context(threads=1)
    sim = A.simulation(rec, ctx, A.partition_load_balance(rec, ctx))
    tags = ["v"] + STATES
    handles = [sim.sample((0, tag), A.regular_schedule(DT * U.ms)) for tag in tags]
    sim.run(TSTOP * U.ms, DT * U.ms)
    cols = [np.asarray(sim.samples(h)[0][0]) for h in handles]
    data = np.column_stack([cols[0][:, 0]] + [c[:, 1] for c in cols])[::EVERY]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../data/arbor")
    os.makedirs(out, exist_ok=True)
    header = "t," + ",".join(tags)
    np.savetxt(os.path.join(out, "post_event.csv"), data, delimiter=",", header=header, comments="", fmt="%.17g")
    print("post_event", data.shape)


if __name__ == "__main__":
    main()
