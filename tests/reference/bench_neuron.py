#!/usr/bin/env python3
"""Wall-clock benchmark of model B(N) (HH cable, N CVs of 10 um, diam 1 um) in NEURON and Arbor.

Single thread, fixed step dt 0.025 ms, hh everywhere (NEURON: usetable_hh = 0), IClamp 0.1 nA
10-11 ms into CV 0. Reports CV-steps per second = N x steps / seconds (best of REPEATS runs,
simulation only: model building and initialisation are excluded). Writes data/timings.json.

Usage: python3 tests/reference/bench_neuron.py [--quick]   (needs neuron; arbor optional)
"""
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DT = 0.025
SIZES = [(100, 100.0), (1000, 100.0), (10000, 100.0)]  # (N, simulated ms)
REPEATS = 3


def bench_neuron(n, tstop, repeats):
    from neuron import h
    h.load_file("stdrun.hoc")
    cable = h.Section(name="cable")
    cable.L, cable.diam, cable.nseg = 10.0 * n, 1.0, n
    cable.Ra, cable.cm = 100.0, 1.0
    cable.insert("hh")
    stim = h.IClamp(cable(0.5 / n))
    stim.delay, stim.dur, stim.amp = 10.0, 1.0, 0.1
    h.dt, h.celsius, h.secondorder = DT, 6.3, 0
    h.usetable_hh = 0
    h.CVode().active(0)
    nsteps = int(round(tstop / DT))
    vlast = h.Vector()
    vlast.record(cable((n - 0.5) / n)._ref_v)
    best = None
    for _ in range(repeats):
        h.finitialize(-65.0)
        t0 = time.perf_counter()
        for _ in range(nsteps):
            h.fadvance()
        el = time.perf_counter() - t0
        best = el if best is None else min(best, el)
    res = {"N": n, "tstop_ms": tstop, "steps": nsteps, "seconds": best,
           "cv_steps_per_s": n * nsteps / best, "max_v_last_mV": max(vlast)}
    del stim, cable
    return res


def single_cell_recipe(cell, probe, tag):
    """An Arbor recipe of one cable cell with NEURON's cable properties and a voltage probe."""
    import arbor as A

    class Recipe(A.recipe):
        def __init__(self):
            super().__init__()
            self.props = A.neuron_cable_properties()

        def num_cells(self):
            return 1

        def cell_kind(self, gid):
            return A.cell_kind.cable

        def cell_description(self, gid):
            return cell

        def global_properties(self, kind):
            return self.props

        def probes(self, gid):
            return [A.cable_probe_membrane_voltage(probe, tag)]

    return Recipe()


def bench_arbor(n, tstop, repeats):
    import arbor as A
    from arbor import units as U

    L = 10.0 * n
    tree = A.segment_tree()
    tree.append(A.mnpos, A.mpoint(0, 0, 0, 0.5), A.mpoint(L, 0, 0, 0.5), tag=1)
    decor = A.decor()
    decor.set_property(Vm=-65 * U.mV, cm=0.01 * U.F / U.m2, rL=100 * U.Ohm * U.cm,
                       tempK=(6.3 + 273.15) * U.Kelvin)
    decor.paint("(all)", A.density("hh"))
    decor.place(f"(location 0 {0.5 / n!r})", A.i_clamp(10 * U.ms, 1 * U.ms, 0.1 * U.nA))
    cell = A.cable_cell(tree, decor, A.label_dict(), discretization=A.cv_policy_fixed_per_branch(n))

    probe = f"(location 0 {(n - 0.5) / n!r})"
    best, vmax = None, None
    for _ in range(repeats):
        sim = A.simulation(single_cell_recipe(cell, probe, "vlast"), A.context(threads=1))
        handle = sim.sample((0, "vlast"), A.regular_schedule(1 * U.ms))
        t0 = time.perf_counter()
        sim.run(tstop * U.ms, DT * U.ms)
        el = time.perf_counter() - t0
        best = el if best is None else min(best, el)
        data, _meta = sim.samples(handle)[0]
        vmax = float(data[:, 1].max())
    nsteps = int(round(tstop / DT))
    return {"N": n, "tstop_ms": tstop, "steps": nsteps, "seconds": best,
            "cv_steps_per_s": n * nsteps / best, "max_v_last_mV": vmax}


def main():
    quick = "--quick" in sys.argv
    repeats = 1 if quick else REPEATS
    import neuron
    out = {
        "model": "B(N): HH cable, diam 1 um, N CVs of 10 um, dt 0.025 ms, IClamp 0.1 nA 10-11 ms at CV 0",
        "metric": "cv_steps_per_s = N * steps / seconds (simulation loop only, best of repeats, 1 thread)",
        "repeats": repeats,
        "versions": {"python": platform.python_version(), "neuron": neuron.__version__},
        "machine": {"processor": platform.processor() or platform.machine(), "system": platform.system(),
                    "cpu_count": os.cpu_count(), "loadavg_at_start": os.getloadavg()},
        "neuron": [], "arbor": [],
    }
    for n, tstop in SIZES:
        r = bench_neuron(n, tstop, repeats)
        print(f"NEURON N={n}: {r['seconds']:.3f} s for {r['steps']} steps -> {r['cv_steps_per_s']:.3e} CV-steps/s"
              f" (max v_last {r['max_v_last_mV']:.1f})", flush=True)
        out["neuron"].append(r)
    try:
        import arbor
        out["versions"]["arbor"] = arbor.__version__
        for n, tstop in SIZES:
            r = bench_arbor(n, tstop, repeats)
            print(f"Arbor  N={n}: {r['seconds']:.3f} s for {r['steps']} steps -> {r['cv_steps_per_s']:.3e} CV-steps/s"
                  f" (max v_last {r['max_v_last_mV']:.1f})", flush=True)
            out["arbor"].append(r)
    except ImportError as e:
        out["arbor_error"] = str(e)
        print("arbor not available:", e)
    out["machine"]["loadavg_at_end"] = os.getloadavg()
    (DATA / "timings.json").write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", DATA / "timings.json")


if __name__ == "__main__":
    main()
