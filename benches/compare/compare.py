#!/usr/bin/env python3
"""gradmod, Arbor, NEURON and Jaxley side by side on model B(N) of docs/MODELS.md and on the IO
cell, in one run.

Jobs (each in a fresh worker process, so that memory is measured per job and no simulator's state
leaks into another's):

  forward   B(N) over 100 ms (4000 steps of 0.025 ms), single thread, in every simulator;
  gradient  the value and gradient of the trace loss L = mean_t (v_first - v_target)^2 with respect
            to gnabar, gkbar and gl: gradmod with K = 3 tangents (one run), Jaxley's
            jax.value_and_grad (compiled once, untimed, then timed), NEURON by central differences
            (the run at the parameters and six perturbed runs). Arbor has no gradients.

  io        the inferior-olive cell of models/io_cell.toml (C4A, ten channel files of mod_files/,
            one CV per section) over 100 ms: gradmod forward and with K = 3 and K = 12 tangents (its
            first three and all twelve [[parameter]] entries), NEURON forward on the same cell built
            from the same model file and the same .mod files (nrnivmodl); the sizes option takes
            `io` beside the numbers N.

Timed: the simulation only (model building, initialisation and JAX's compilation excluded), wall
time, best of the rounds. Rounds are interleaved (every simulator and job once per round) so that a
change of machine load affects all alike; the load average is printed beside the figures.

Models: B(N) as in MODELS.md (one cable of N CVs of 10 um, diameter 1 um, hh with exact rates,
IClamp 0.1 nA 10-11 ms into CV 0, 6.3 degC, Ra 100 ohm cm, cm 1 uF/cm2). gradmod: the release
binary's `gradmod run` (it prints the simulation time). NEURON 9: usetable_hh = 0, a loop of
fadvance(). Arbor 0.12: its own hh, cv_policy_fixed_per_branch(N), context(threads=1). Jaxley: its
HH channel, float64 on the CPU, XLA restricted to one thread.

Usage (from the repository root):
    python3 benches/compare/compare.py [--rounds 3] [--sizes 1000,10000,io] [--only gradmod,neuron]
        [--jobs forward,gradient] [--no-venv]

The script creates a virtual environment under target/compare-venv with neuron, arbor and jaxley
from PyPI (pinned below) on its first run, builds the release binary (cargo build --release) and
runs itself again inside the environment.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IO_MODEL = ROOT / "models" / "io_cell.toml"
VENV = ROOT / "target" / "compare-venv"
WORK = ROOT / "target" / "compare"
PINS = ["neuron==9.0.2", "arbor==0.12.2", "jaxley==0.14.0", "numpy"]

DT, TSTOP = 0.025, 100.0
STEPS = int(round(TSTOP / DT))
V_INIT, CELSIUS, RA, CM = -65.0, 6.3, 100.0, 1.0
GNABAR, GKBAR, GL = 0.12, 0.036, 0.0003
PARAMS = ("gnabar", "gkbar", "gl")
SIMULATORS = ("gradmod", "arbor", "neuron", "jaxley")


# ---------------------------------------------------------------- environment


def ensure_venv():
    """Creates the environment (once) and returns its Python."""
    py = VENV / "bin" / "python"
    if not py.exists():
        print(f"creating {VENV.relative_to(ROOT)} with {' '.join(PINS)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PINS], check=True)
    return py


def gradmod_binary():
    subprocess.run(["cargo", "build", "--release", "--bin", "gradmod"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "gradmod"


# ---------------------------------------------------------------- workers


def worker_result(seconds, extra=None):
    out = {"seconds": seconds, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    out.update(extra or {})
    print("RESULT " + json.dumps(out), flush=True)


def model_toml(n, params):
    """Model B(n) as a gradmod model description, with the given tangent parameters."""
    text = f"""[simulation]
tstop = {TSTOP}
dt = {DT}
celsius = {CELSIUS}
v_init = {V_INIT}

[[section]]
name = "cable"
tag = 3
length = {10.0 * n}
diameter = 1.0
nseg = {n}

[[mechanism]]
name = "hh"

[[iclamp]]
at = "cable({0.5 / n!r})"
delay = 10.0
dur = 1.0
amp = 0.1

[[probe]]
name = "v_first"
at = "cable({0.5 / n!r})"

[[probe]]
name = "v_last"
at = "cable({(n - 0.5) / n!r})"
"""
    for p in params:
        text += f'\n[[parameter]]\ntarget = "hh.{p}"\n'
    return text


def toml_tables(text):
    """The text of a TOML file cut before every table header: a list of (header, text)."""
    chunks, header, lines = [], None, []
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("["):
            chunks.append((header, "".join(lines)))
            header, lines = line.split("#")[0].strip(), []
        lines.append(line)
    chunks.append((header, "".join(lines)))
    return chunks


def io_model(k):
    """models/io_cell.toml with only its first k [[parameter]] entries, its SWC path made absolute."""
    import tomllib

    text = IO_MODEL.read_text()
    swc = tomllib.loads(text)["morphology"]["swc"]
    text = text.replace(f'"{swc}"', f'"{(IO_MODEL.parent / swc).resolve()}"')
    out, seen = [], 0
    for header, chunk in toml_tables(text):
        if header == "[[parameter]]":
            seen += 1
            if seen > k:
                continue
        out.append(chunk)
    return "".join(out)


IO_JOBS = {"forward": 0, "k3": 3, "k12": 12}


def last_value(csv_path, column):
    """The last value of a column of gradmod's traces.csv."""
    import csv

    with open(csv_path) as f:
        rows = list(csv.reader(line for line in f if not line.startswith("#")))
    return float(rows[-1][rows[0].index(column)])


def gradmod_job(exe, n, job):
    """Runs `gradmod run` as a child; returns its printed simulation time and peak memory."""
    WORK.mkdir(parents=True, exist_ok=True)
    model = WORK / f"B{n}_{job}.toml"
    extra = []
    if n == "io":
        model.write_text(io_model(IO_JOBS[job]))
        extra = ["--set", f"tstop={TSTOP}"]
    else:
        model.write_text(model_toml(n, PARAMS if job == "gradient" else ()))
    out_dir = WORK / f"out_{n}_{job}"
    with open(WORK / "gradmod.log", "w+") as log:
        child = subprocess.Popen([str(exe), "run", str(model), "--no-plot", "--out", str(out_dir), *extra],
                                 cwd=ROOT, stdout=log)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        out = log.read()
    if child.returncode != 0:
        raise RuntimeError("gradmod run failed:\n" + out)
    m = re.search(r"simulated in ([0-9.]+) s", out)
    if m is None:
        raise RuntimeError("gradmod run printed no simulation time:\n" + out)
    rec = {"seconds": float(m.group(1)), "maxrss_mb": usage.ru_maxrss / 1024.0}
    if n == "io":
        rec["v_end"] = last_value(out_dir / "traces.csv", "v_soma")
    return rec


def neuron_worker(n, job):
    from neuron import h

    h.load_file("stdrun.hoc")
    cable = h.Section(name="cable")
    cable.L, cable.diam, cable.nseg, cable.Ra, cable.cm = 10.0 * n, 1.0, n, RA, CM
    cable.insert("hh")
    stim = h.IClamp(cable(0.5 / n))
    stim.delay, stim.dur, stim.amp = 10.0, 1.0, 0.1
    h.dt, h.steps_per_ms, h.celsius, h.secondorder = DT, 1.0 / DT, CELSIUS, 0
    h.CVode().active(0)
    h.usetable_hh = 0
    vrec = h.Vector()
    vrec.record(cable(0.5 / n)._ref_v)

    def simulate(g):
        for seg in cable:
            seg.hh.gnabar, seg.hh.gkbar, seg.hh.gl = g
        h.finitialize(V_INIT)
        for _ in range(STEPS):
            h.fadvance()
        return vrec.as_numpy().copy()

    base = (GNABAR, GKBAR, GL)
    if job == "forward":
        t0 = time.perf_counter()
        simulate(base)
        return worker_result(time.perf_counter() - t0)
    target = simulate((GNABAR * 1.1, GKBAR * 0.9, GL))
    loss = lambda v: float(((v - target) ** 2).mean())  # noqa: E731
    t0 = time.perf_counter()
    value = loss(simulate(base))
    grad = []
    for k in range(3):
        eps = 1e-4 * base[k]
        up, down = list(base), list(base)
        up[k] += eps
        down[k] -= eps
        grad.append((loss(simulate(up)) - loss(simulate(down))) / (2 * eps))
    worker_result(time.perf_counter() - t0, {"loss": value, "grad": grad})


def neuron_io_mechanisms():
    """Compiles the IO cell's .mod files (those of mod_files/ its model names) with nrnivmodl, once."""
    import tomllib

    names = sorted({m["name"] for m in tomllib.loads(IO_MODEL.read_text())["mechanism"]})
    folder = WORK / "io_neuron"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.mod").write_text((ROOT / "mod_files" / f"{name}.mod").read_text())
    if not list(folder.rglob("libnrnmech.so")):
        nrnivmodl = Path(sys.executable).parent / "nrnivmodl"
        subprocess.run([str(nrnivmodl)], cwd=folder, check=True, stdout=subprocess.DEVNULL)


def neuron_io_worker(job):
    """The IO cell built in NEURON from models/io_cell.toml: Import3d, the extra sections, one CV per
    section, the mechanisms by region tag with their parameters; forward run only."""
    import tomllib

    from neuron import h

    if job != "forward":
        raise SystemExit("NEURON's IO cell runs forward only here")
    model = tomllib.loads(IO_MODEL.read_text())
    h.nrn_load_dll(str(next((WORK / "io_neuron").rglob("libnrnmech.so"))))
    h.load_file("stdrun.hoc")
    h.load_file("import3d.hoc")
    reader = h.Import3d_SWC_read()
    reader.input(str((IO_MODEL.parent / model["morphology"]["swc"]).resolve()))
    gui = h.Import3d_GUI(reader, False)
    gui.instantiate(None)
    extra = []
    for spec in model.get("section", []):
        sec = h.Section(name=spec["name"])
        parent = {s.name(): s for s in h.allsec()}[spec["parent"]]
        sec.connect(parent(spec["at"]), 0)
        sec.L, sec.diam = spec["length"], spec["diameter"]
        extra.append(sec)
    tags = {"soma": 1, "axon": 2, "dend": 3, "apic": 4}
    cable, sim = model["cable"], model["simulation"]
    for sec in h.allsec():
        sec.nseg = model["discretization"]["nseg"]
        sec.cm, sec.Ra = cable["cm"], cable["Ra"]
    for mech in model["mechanism"]:
        tag = model["regions"][mech["region"]]["tag"] if "region" in mech else None
        for sec in h.allsec():
            if tag is not None and tags.get(sec.name().split("[")[0]) != tag:
                continue
            sec.insert(mech["name"])
            for seg in sec:
                for key, value in mech.get("parameters", {}).items():
                    setattr(seg, f"{key}_{mech['name']}", value)
    h.dt, h.steps_per_ms, h.celsius, h.secondorder = sim["dt"], 1.0 / sim["dt"], sim["celsius"], 0
    h.CVode().active(0)
    soma = {s.name(): s for s in h.allsec()}["soma[0]"]
    steps = int(round(TSTOP / sim["dt"]))
    h.finitialize(sim["v_init"])
    t0 = time.perf_counter()
    for _ in range(steps):
        h.fadvance()
    worker_result(time.perf_counter() - t0, {"v_end": soma(0.5).v})


def arbor_worker(n, job):
    import arbor as A
    from arbor import units as U

    if job != "forward":
        raise SystemExit("Arbor computes no gradients")

    class Recipe(A.recipe):
        def __init__(self, cell):
            A.recipe.__init__(self)
            self.cell = cell

        def num_cells(self):
            return 1

        def cell_kind(self, gid):
            return A.cell_kind.cable

        def cell_description(self, gid):
            return self.cell

        def global_properties(self, kind):
            props = A.neuron_cable_properties()
            props.catalogue = A.default_catalogue()
            return props

    decor = A.decor()
    decor.set_property(Vm=V_INIT * U.mV, cm=CM * 0.01 * U.F / U.m2, rL=RA * U.Ohm * U.cm,
                       tempK=(CELSIUS + 273.15) * U.Kelvin)
    tree = A.segment_tree()
    tree.append(A.mnpos, A.mpoint(0, 0, 0, 0.5), A.mpoint(10.0 * n, 0, 0, 0.5), tag=3)
    decor.paint("(all)", A.density("hh"))
    decor.place(f"(location 0 {0.5 / n!r})", A.i_clamp(10 * U.ms, 1 * U.ms, 0.1 * U.nA))
    cell = A.cable_cell(tree, decor, A.label_dict(), discretization=A.cv_policy_fixed_per_branch(n))
    sim = A.simulation(Recipe(cell), A.context(threads=1))
    t0 = time.perf_counter()
    sim.run(TSTOP * U.ms, DT * U.ms)
    worker_result(time.perf_counter() - t0)


def jaxley_worker(n, job):
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platform_name", "cpu")
    import jaxley as jx
    from jaxley.channels import HH

    branch = jx.Branch(jx.Compartment(), ncomp=n)
    cell = jx.Cell(branch, parents=[-1])
    cell.set("length", 10.0)
    cell.set("radius", 0.5)
    cell.set("axial_resistivity", RA)
    cell.set("capacitance", CM)
    cell.insert(HH())
    cell.set("v", V_INIT)
    cell.init_states()
    current = jx.step_current(i_delay=10.0, i_dur=1.0, i_amp=0.1, delta_t=DT, t_max=TSTOP)
    cell.branch(0).comp(0).stimulate(current, verbose=False)
    cell.branch(0).comp(0).record("v", verbose=False)

    if job == "forward":
        run = jax.jit(lambda: jx.integrate(cell, delta_t=DT))
        run().block_until_ready()  # compiles
        t0 = time.perf_counter()
        run().block_until_ready()
        return worker_result(time.perf_counter() - t0)

    for name in ("HH_gNa", "HH_gK", "HH_gLeak"):
        cell.make_trainable(name)
    params = cell.get_parameters()
    target_params = [{"HH_gNa": jnp.asarray([GNABAR * 1.1])}, {"HH_gK": jnp.asarray([GKBAR * 0.9])},
                     {"HH_gLeak": jnp.asarray([GL])}]
    target = jx.integrate(cell, params=target_params, delta_t=DT)

    def loss(p):
        v = jx.integrate(cell, params=p, delta_t=DT)
        return jnp.mean((v - target) ** 2)

    vg = jax.jit(jax.value_and_grad(loss))
    jax.block_until_ready(vg(params))  # compiles
    t0 = time.perf_counter()
    value, grad = jax.block_until_ready(vg(params))
    worker_result(time.perf_counter() - t0, {"loss": float(value)})


def run_worker(sim, n, job):
    """Runs one job in a fresh process of the environment's Python; returns its result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", sim, str(n), job]
    res = subprocess.run(cmd, cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in res.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    sys.stderr.write(res.stderr[-3000:])
    raise RuntimeError(f"{sim} {job} B({n}) failed")


# ---------------------------------------------------------------- driver


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes", default="1000")
    ap.add_argument("--only", default=",".join(SIMULATORS))
    ap.add_argument("--jobs", default="forward,gradient")
    ap.add_argument("--no-venv", action="store_true", help="use this Python as it is")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        sim, n, job = a.worker
        if n == "io":
            return neuron_io_worker(job)
        {"neuron": neuron_worker, "arbor": arbor_worker, "jaxley": jaxley_worker}[sim](int(n), job)
        return
    if not a.no_venv and Path(sys.prefix).resolve() != VENV.resolve():
        py = ensure_venv()
        os.execv(str(py), [str(py), str(Path(__file__).resolve()), *sys.argv[1:], "--no-venv"])

    WORK.mkdir(parents=True, exist_ok=True)
    exe = gradmod_binary()
    sims = [s for s in SIMULATORS if s in a.only.split(",")]
    sizes = [s if s == "io" else int(s) for s in a.sizes.split(",")]
    jobs = [j for j in ("forward", "gradient") if j in a.jobs.split(",")]
    cases = []
    for n in sizes:
        for j in jobs:
            if n != "io":
                cases += [(s, n, j) for s in sims if not (s == "arbor" and j == "gradient")]
            elif j == "forward":
                cases += [(s, n, j) for s in sims if s in ("gradmod", "neuron")]
            elif "gradmod" in sims:
                cases += [("gradmod", n, "k3"), ("gradmod", n, "k12")]
    if "io" in sizes and "neuron" in sims:
        neuron_io_mechanisms()
    load_start = os.getloadavg()
    best = {}
    for r in range(a.rounds):
        for case in cases:
            sim, n, job = case
            rec = gradmod_job(exe, n, job) if sim == "gradmod" else run_worker(sim, n, job)
            old = best.get(case)
            if old is None or rec["seconds"] < old["seconds"]:
                best[case] = rec
        print(f"round {r + 1}/{a.rounds} done, load {os.getloadavg()[0]:.2f}", flush=True)
    load_end = os.getloadavg()

    print(f"\nB(N), {STEPS} steps of {DT} ms, one thread, wall seconds of the simulation, best of {a.rounds} "
          f"interleaved rounds; load average {load_start[0]:.2f} -> {load_end[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'model':<9} {'job':<9} {'simulator':<9} {'seconds':>9} {'peak MB':>9} {'gradmod faster by':>18}")
    for n in sizes:
        if n == "io":
            print_io(best, sims)
            continue
        for job in jobs:
            g = best.get(("gradmod", n, job))
            for sim in sims:
                rec = best.get((sim, n, job))
                if rec is None:
                    continue
                ratio = f"{rec['seconds'] / g['seconds']:.2f}x" if g and sim != "gradmod" else ""
                print(f"B({n})".ljust(9) + f" {job:<9} {sim:<9} {rec['seconds']:>9.3f} {rec['maxrss_mb']:>9.1f} "
                      f"{ratio:>18}")
            fwd = best.get(("gradmod", n, "forward"))
            if job == "gradient" and g and fwd:
                print(f"{'':9} {'':9} gradmod K=3 / forward: {g['seconds'] / fwd['seconds']:.2f}")
    print("(gradient: gradmod one run with K = 3 tangents; NEURON 7 runs for central differences;"
          " Jaxley jitted value_and_grad; peak MB: the process's peak resident memory)")


def print_io(best, sims):
    """The IO cell's rows: forward against NEURON, and the cost of K = 3 and K = 12 tangents."""
    fwd = best.get(("gradmod", "io", "forward"))
    for sim, job in [("gradmod", "forward"), ("neuron", "forward"), ("gradmod", "k3"), ("gradmod", "k12")]:
        rec = best.get((sim, "io", job))
        if rec is None:
            continue
        if sim == "neuron" and fwd:
            note = f"{rec['seconds'] / fwd['seconds']:.2f}x"
        elif job != "forward" and fwd:
            note = f"{job.upper()}/forward {rec['seconds'] / fwd['seconds']:.2f}"
        else:
            note = ""
        print(f"{'IO cell':<9} {job:<9} {sim:<9} {rec['seconds']:>9.3f} {rec['maxrss_mb']:>9.1f} {note:>18}")
    nrn = best.get(("neuron", "io", "forward"))
    if fwd and nrn:
        print(f"{'':9} {'':9} v_soma at {TSTOP} ms: gradmod {fwd['v_end']:.9f} mV, NEURON {nrn['v_end']:.9f} mV")


if __name__ == "__main__":
    main()
