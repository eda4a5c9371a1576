#!/usr/bin/env python3
"""gradmod, NEURON and Arbor side by side on the same models, in one run, one table.

Models (docs/MODELS.md; dt 0.025 ms, 100 ms = 4000 steps, celsius 6.3, v_init -65 mV, Ra 100 ohm cm,
cm 1 uF/cm2):
  B(1000)  one cable 10000 um x 1 um, 1000 CVs, hh, IClamp 0.1 nA 10-11 ms at CV 0;
  C hh     C4A.swc read as NEURON's Import3d does, one CV per SWC segment (nseg = n3d - 1),
           hh everywhere, IClamp 0.2 nA 10-60 ms at soma[0](0.5);
  C pas    the same with pas (default g 0.001 S/cm2, e -70 mV) instead of hh.

gradmod: the bench binary of benches/generated.rs (`cargo bench --bench generated -- json`),
forward only (no tangents), generated hh / pas from the built-in catalogue, and on B(1000) also the
runtime's hand-written hh. NEURON 9 (h.usetable_hh = 0: exact rate functions, as gradmod evaluates
them; Python loop of h.fadvance()). Arbor 0.12 (default-catalogue hh and pas, context(threads=1);
B: cv_policy_fixed_per_branch(1000); C: load_swc_neuron + cv_policy_every_segment()).

Everything is single-threaded. Timed: the simulation loop only (model building and initialisation
excluded). The figure of merit is CPU time (gradmod: the thread's CPU time; NEURON and Arbor:
time.process_time() of this process), so that other load on a shared machine distorts it less;
wall time is recorded too. Best of REPEATS rounds; the rounds are interleaved (gradmod, NEURON,
Arbor, gradmod, ...) so that a change of machine load during the run affects all three alike.
CV-steps/s = (the simulator's own number of CVs) x steps / CPU seconds; the CV counts are printed.

Writes data/timings_side_by_side.json.

Usage (from anywhere; needs cargo, neuron and arbor):
    python3 tests/reference/bench_side_by_side.py [--quick]      (--quick: one round)
"""
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench_neuron import single_cell_recipe

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = HERE / "data"
SWC = DATA / "C4A.swc"
OUT = DATA / "timings_side_by_side.json"

DT = 0.025
TSTOP = 100.0
STEPS = int(round(TSTOP / DT))
V_INIT, CELSIUS, RA, CM = -65.0, 6.3, 100.0, 1.0
N_B = 1000
REPEATS = 3

MODELS = [  # key, description
    ("B1000_hh", "B(1000) hh"),
    ("C_hh", "C (C4A) hh"),
    ("C_pas", "C (C4A) pas"),
]


# ---------------------------------------------------------------- gradmod


def gradmod_build():
    """Builds the bench binary (cargo bench --no-run) and returns its path."""
    cmd = ["cargo", "bench", "--bench", "generated", "--no-run", "--message-format=json-render-diagnostics"]
    res = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, check=True, text=True)
    exe = None
    for line in res.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == "generated" \
                and msg.get("executable"):
            exe = msg["executable"]
    if exe is None:
        raise RuntimeError("cargo did not report the executable of the bench `generated`")
    return exe


def gradmod_round(exe):
    """One round of the bench binary (`json repeats=1`): key -> record."""
    res = subprocess.run([exe, "json", "repeats=1"], cwd=ROOT, stdout=subprocess.PIPE, check=True, text=True)
    out = {}
    for line in res.stdout.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            if r["steps"] != STEPS:
                raise RuntimeError(f"gradmod ran {r['steps']} steps, expected {STEPS}")
            out[r["key"]] = {"cvs": r["cvs"], "cpu_s": r["cpu_s"], "wall_s": r["wall_s"],
                             "cpu_measured": r["cpu_measured"],
                             "v_probe_mV": [r["min_v_probe_mV"], r["max_v_probe_mV"]]}
    return out


# ---------------------------------------------------------------- NEURON

_neuron = {}


def neuron_h():
    if not _neuron:
        from neuron import h
        h.load_file("stdrun.hoc")
        h.load_file("import3d.hoc")
        _neuron["h"] = h
    return _neuron["h"]


def neuron_clear():
    h = neuron_h()
    for s in list(h.allsec()):
        h.delete_section(sec=s)


def neuron_setup():
    h = neuron_h()
    h.dt, h.steps_per_ms = DT, 1.0 / DT
    h.celsius, h.secondorder = CELSIUS, 0
    h.CVode().active(0)
    h.ParallelContext().nthread(1)
    h.usetable_hh = 0


def neuron_nodes(secs):
    """(number of nodes NEURON solves for: segment centres + section ends, number of segments)."""
    nodes = 0
    for s in secs:
        root = s.parentseg() is None
        nodes += s.nseg + 1 + (1 if root else 0)  # centres, x=1 end, and x=0 of a root section
    return nodes, sum(s.nseg for s in secs)


def neuron_build(key):
    """Builds one model; returns (sections, probe segment, objects to keep alive)."""
    h = neuron_h()
    neuron_clear()
    if key == "B1000_hh":
        # as neuron_traces.build_B
        cable = h.Section(name="cable")
        cable.L, cable.diam, cable.nseg = 10.0 * N_B, 1.0, N_B
        cable.Ra, cable.cm = RA, CM
        cable.insert("hh")
        stim = h.IClamp(cable(0.5 / N_B))
        stim.delay, stim.dur, stim.amp = 10.0, 1.0, 0.1
        return [cable], cable((N_B - 0.5) / N_B), (cable, stim)
    # as neuron_traces.load_C4A
    r = h.Import3d_SWC_read()
    r.input(str(SWC))
    g = h.Import3d_GUI(r, False)
    g.instantiate(None)
    secs = list(h.allsec())
    for s in secs:
        s.nseg = int(s.n3d()) - 1  # one segment per pair of consecutive 3-D points
        s.Ra, s.cm = RA, CM
        s.insert("hh" if key == "C_hh" else "pas")  # pas: NEURON's defaults g 0.001, e -70
    soma = [s for s in secs if s.name() == "soma[0]"][0]
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur, stim.amp = 10.0, 50.0, 0.2
    return secs, soma(0.5), (r, g, stim)


def neuron_run(key):
    h = neuron_h()
    secs, probe, keep = neuron_build(key)
    neuron_setup()
    vrec = h.Vector()
    vrec.record(probe._ref_v)
    h.finitialize(V_INIT)
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(STEPS):
        h.fadvance()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    nodes, nseg = neuron_nodes(secs)
    rec = {"cvs": nodes, "segments": nseg, "cpu_s": cpu, "wall_s": wall, "v_probe_mV": [float(vrec.min()), float(vrec.max())]}
    del vrec, probe, keep, secs
    neuron_clear()
    return rec


# ---------------------------------------------------------------- Arbor


def arbor_cell(key):
    import arbor as A
    from arbor import units as U

    decor = A.decor()
    decor.set_property(Vm=V_INIT * U.mV, cm=CM * 0.01 * U.F / U.m2, rL=RA * U.Ohm * U.cm,
                       tempK=(CELSIUS + 273.15) * U.Kelvin)
    if key == "B1000_hh":
        # as bench_neuron.bench_arbor
        tree = A.segment_tree()
        tree.append(A.mnpos, A.mpoint(0, 0, 0, 0.5), A.mpoint(10.0 * N_B, 0, 0, 0.5), tag=3)
        decor.paint("(all)", A.density("hh"))
        decor.place(f"(location 0 {0.5 / N_B!r})", A.i_clamp(10 * U.ms, 1 * U.ms, 0.1 * U.nA))
        probe = f"(location 0 {(N_B - 0.5) / N_B!r})"
        cell = A.cable_cell(tree, decor, A.label_dict(), discretization=A.cv_policy_fixed_per_branch(N_B))
        return cell, probe
    loaded = A.load_swc_neuron(str(SWC))
    decor.paint("(all)", A.density("hh" if key == "C_hh" else "pas"))  # pas: defaults g 0.001, e -70
    # NEURON's soma[0] is the root's first soma piece; load_swc_neuron makes it the soma part of
    # branch 0 (branch 0 continues into dend[0]). The region "soma" has several components (every
    # soma section hanging off the root point), so "(on-components 0.5 (region "soma"))" would place
    # one clamp per component.
    soma_mid = '(on-components 0.5 (intersect (region "soma") (branch 0)))'
    locs = A.cable_cell(loaded.morphology, A.decor(), loaded.labels).locations(soma_mid)
    assert len(locs) == 1, locs
    decor.place(soma_mid, A.i_clamp(10 * U.ms, 50 * U.ms, 0.2 * U.nA))
    cell = A.cable_cell(loaded.morphology, decor, loaded.labels, discretization=A.cv_policy_every_segment())
    return cell, soma_mid


def arbor_run(key, check):
    import arbor as A
    from arbor import units as U

    cell, probe = arbor_cell(key)

    # timed run without sampling; the probe is sampled (every step) in a separate, untimed run
    sim = A.simulation(single_cell_recipe(cell, probe, "vprobe"), A.context(threads=1))
    c0, w0 = time.process_time(), time.perf_counter()
    sim.run(TSTOP * U.ms, DT * U.ms)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    rec = {"cvs": int(A.cv_data(cell).num_cv), "cpu_s": cpu, "wall_s": wall}
    if check:
        sim = A.simulation(single_cell_recipe(cell, probe, "vprobe"), A.context(threads=1))
        handle = sim.sample((0, "vprobe"), A.regular_schedule(DT * U.ms))
        sim.run(TSTOP * U.ms, DT * U.ms)
        data, _meta = sim.samples(handle)[0]
        rec["v_probe_mV"] = [float(data[:, 1].min()), float(data[:, 1].max())]
    return rec


# ---------------------------------------------------------------- driver


def cmd_out(cmd):
    try:
        return subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def keep_best(best, key, rec):
    """Best (least CPU time) run per key; wall time is the least wall time over the rounds."""
    old = best.get(key)
    if old is None:
        best[key] = dict(rec, rounds=1)
        return
    new = dict(rec) if rec["cpu_s"] < old["cpu_s"] else dict(old)
    if "v_probe_mV" in old:
        new["v_probe_mV"] = old["v_probe_mV"]
    new["wall_s"] = min(old["wall_s"], rec["wall_s"])
    new["rounds"] = old["rounds"] + 1
    best[key] = new


def main():
    repeats = 1 if "--quick" in sys.argv else REPEATS
    import arbor
    import neuron

    load_start = os.getloadavg()
    print("building the gradmod bench (cargo bench --bench generated --no-run) ...", flush=True)
    exe = gradmod_build()
    results = {"gradmod": {}, "neuron": {}, "arbor": {}}
    for rnd in range(repeats):
        t0 = time.perf_counter()
        for key, rec in gradmod_round(exe).items():
            keep_best(results["gradmod"], key, rec)
        for key, _ in MODELS:
            keep_best(results["neuron"], key, neuron_run(key))
        for key, _ in MODELS:
            keep_best(results["arbor"], key, arbor_run(key, check=rnd == 0))
        print(f"round {rnd + 1}/{repeats}: {time.perf_counter() - t0:.1f} s wall, load {os.getloadavg()[0]:.2f}",
              flush=True)
    load_end = os.getloadavg()

    for sim in results.values():
        for rec in sim.values():
            rec["cv_steps_per_s"] = rec["cvs"] * STEPS / rec["cpu_s"]
            rec["cv_steps_per_wall_s"] = rec["cvs"] * STEPS / rec["wall_s"]

    # rows: (model, simulator label, record)
    rows = []
    for key, desc in MODELS:
        g = results["gradmod"]
        rows.append((key, desc, "gradmod, generated " + key.split("_")[-1], g[key]))
        if key == "B1000_hh":
            rows.append((key, desc, "gradmod, hand-written hh", g["B1000_hh_hand"]))
        rows.append((key, desc, "NEURON " + neuron.__version__, results["neuron"][key]))
        rows.append((key, desc, "Arbor " + arbor.__version__, results["arbor"][key]))

    print()
    print(f"Forward CV-steps per CPU second, single thread, {STEPS} steps of {DT} ms, best of {repeats}"
          f" (load average {load_start[0]:.1f} -> {load_end[0]:.1f} on {os.cpu_count()} CPUs)")
    head = f"{'model':<12} {'simulator':<26} {'CVs':>6} {'CPU s':>7} {'wall s':>7} {'CV-steps/s':>11} " \
           f"{'vs NEURON':>9} {'v probe min..max':>16}"
    print(head)
    print("-" * len(head))
    table = []
    for key, desc, simname, rec in rows:
        ratio = rec["cv_steps_per_s"] / results["neuron"][key]["cv_steps_per_s"]
        print(f"{desc:<12} {simname:<26} {rec['cvs']:>6} {rec['cpu_s']:>7.3f} {rec['wall_s']:>7.3f} "
              f"{rec['cv_steps_per_s']:>11.3e} {ratio:>8.2f}x {rec['v_probe_mV'][0]:>7.2f}..{rec['v_probe_mV'][1]:<7.2f}")
        table.append({"model": desc, "simulator": simname, "cvs": rec["cvs"], "cpu_s": rec["cpu_s"],
                      "wall_s": rec["wall_s"], "cv_steps_per_s": rec["cv_steps_per_s"],
                      "ratio_to_neuron": ratio, "v_probe_min_max_mV": rec["v_probe_mV"]})
    print("(CVs: each simulator's own count; NEURON's includes the zero-area section-end nodes it solves for.\n"
          " v probe: least and largest v (mV) over the run, B at the last CV, C at soma[0](0.5), as a check that the runs did the same thing.)")
    nrn_c = results["neuron"]["C_hh"]
    print(f"C CV counts: gradmod {results['gradmod']['C_hh']['cvs']}, NEURON {nrn_c['cvs']} nodes "
          f"({nrn_c['segments']} segments), Arbor {results['arbor']['C_hh']['cvs']}")

    out = {
        "what": "gradmod, NEURON and Arbor side by side (tests/reference/bench_side_by_side.py)",
        "models": {
            "B1000_hh": "one cable 10000 um x 1 um, 1000 CVs, hh, IClamp 0.1 nA 10-11 ms at CV 0",
            "C_hh": "C4A.swc (Import3d semantics), one CV per SWC segment, hh, IClamp 0.2 nA 10-60 ms at soma[0](0.5)",
            "C_pas": "as C_hh with pas (g 0.001 S/cm2, e -70 mV)",
        },
        "settings": {"dt_ms": DT, "tstop_ms": TSTOP, "steps": STEPS, "celsius": CELSIUS, "v_init_mV": V_INIT,
                     "Ra_ohm_cm": RA, "cm_uF_cm2": CM, "threads": 1, "repeats": repeats,
                     "neuron": "usetable_hh = 0, secondorder 0, Python loop of fadvance()",
                     "arbor": "default catalogue, B: cv_policy_fixed_per_branch(1000), "
                              "C: load_swc_neuron + cv_policy_every_segment()",
                     "gradmod": "benches/generated.rs `json` mode, forward only"},
        "metric": "cv_steps_per_s = cvs * steps / cpu_s (CPU time of the simulation loop only; best of repeats)",
        "versions": {"python": platform.python_version(), "neuron": neuron.__version__,
                     "arbor": arbor.__version__, "rustc": cmd_out(["rustc", "--version"]),
                     "gradmod_commit": cmd_out(["git", "rev-parse", "--short", "HEAD"]),
                     "gradmod_worktree_dirty": bool(cmd_out(["git", "status", "--porcelain", "--untracked-files=no"]))},
        "machine": {"cpu": cpu_model(), "system": platform.system(), "cpu_count": os.cpu_count(),
                    "loadavg_at_start": [round(x, 2) for x in load_start],
                    "loadavg_at_end": [round(x, 2) for x in load_end]},
        "table": table,
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", OUT.relative_to(ROOT))


if __name__ == "__main__":
    main()
