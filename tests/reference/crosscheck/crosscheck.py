#!/usr/bin/env python3
"""gradmod against NEURON on every file of a corpus of published .mod files, one by one.

Each file gradmod accepts is compiled by NEURON's nrnivmodl (PyPI `neuron`) too, and both
simulators run the same single-compartment protocol: a soma cylinder (20 µm x 20 µm, one segment,
cm 1 µF/cm², Ra 100 Ω·cm) with `pas` (g 1e-4 S/cm², e -65 mV) and the mechanism; a density
mechanism is inserted, a point process placed at soma(0.5) and sent events of weight 0.005 at
2, 8 and 15 ms when it has NET_RECEIVE; a 0.2 nA step from 5 to 25 ms; dt 0.025 ms, 30 ms from
-65 mV, at 6.3 and at 34 °C; NEURON with secondorder 0, CVode off and `usetable_<suffix> = 0`
(gradmod evaluates TABLE functions exactly); gradmod with NEURON's finite-difference slope di/dv
(`--slope neuron`, so that currents nonlinear in v compare to rounding; `--slope symbolic` for
gradmod's exact one). It compares v and every STATE of the mechanism at
every step and classifies each file at each temperature:

- exact: v within 1e-6 mV and every state within 1e-6 of its scale;
- close: v within 1e-3 mV;
- qualitatively equal: the same number of spikes (upward crossings of 0 mV) and v within 5 mV;
- different: anything else;
- both non-finite: gradmod stops on a NaN or infinite value and NEURON's trace has one too;
- gradmod failed, NEURON failed: one of the two does not run.

Each file's mechanism is renamed (`SUFFIX xc_f12`, `POINT_PROCESS xc_f12`) in the copies both
simulators compile, so that NEURON's built-in mechanisms (hh, pas, ExpSyn, ...) and files that
share a name never clash.

It also checks one tangent of gradmod: dv/dθ for the parameter that moves v most against a
central finite difference of two gradmod runs (relative step 1e-5, and 1e-4, 1e-6, 1e-3 and
1e-7 while that is off), to a relative 1e-6 of the tangent's largest value.

Usage (in a virtual environment with `pip install ./python neuron numpy`):

    python3 tests/reference/crosscheck/crosscheck.py [FILES...] [--out DIR] [--slope neuron|symbolic]

Without FILES it takes every file of tests/corpus/files/ that tests/corpus/expected.tsv records
as accepted. It writes results.csv and results.md into --out (default: next to this script), with
the cause of each file that is not exact taken from causes.tsv (file, tab, cause; a line
`tangent:FILE` for a tangent check that fails); `--summarize` writes results.md again from
results.csv after causes.tsv changed. Checked in: results.csv and results.md (NEURON with its own
PARAMETER values) and with_gradmod_parameters/ (`--neuron-parameters gradmod
--out tests/reference/crosscheck/with_gradmod_parameters`), both over the whole accepted corpus.

How it runs: gradmod's view of each file (name, kind, states) comes from a child process with a
time limit (--timeout, per file and step), kept in the work folder (--work) for a run that starts
again. NEURON's translator nocmodl checks each file alone first (fast); the rest are built with
nrnivmodl in batches of files whose mechanism names differ, with make -k so that one build names
every file whose C++ does not compile, which is dropped before the batch is built again (in the
same folder, so the rest is not compiled twice). Each batch runs in a child process with a time
limit; when one stops or hangs, the file it was running is recorded as failed and the batch goes
on after it. The gradmod side of each file (both temperatures and the tangent check) runs in a
child process too, --jobs at a time, with a time limit.
"""

import argparse
import concurrent.futures
import csv
import re
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CORPUS = ROOT / "tests" / "corpus" / "files"

DT, TSTOP, V_INIT = 0.025, 30.0, -65.0
TEMPERATURES = (6.3, 34.0)
EVENTS = (2.0, 8.0, 15.0)
WEIGHT = 0.005
STIM = dict(delay=5.0, dur=20.0, amp=0.2)

# The NEURON side, run in a child process with a compiled batch loaded: reads a JSON list of
# {"key", "name", "kind", "states", "net_receive"} on stdin, writes one .npz per key and
# temperature into the folder given as argv[2].
NEURON_CHILD = r'''
import json, sys
import numpy as np
from neuron import h
h.nrn_load_dll(sys.argv[1])
h.load_file("stdrun.hoc")
out = sys.argv[2]
DT, TSTOP, V_INIT = %(DT)r, %(TSTOP)r, %(V_INIT)r
def ref(obj, job, s):
    """A pointer to STATE s of the mechanism: obj is the segment (density) or the point process;
    an ion variable (cai) is the segment's; an array element is x[i]."""
    ion = [v for e in job["ions"].values() for v in e["reads"] + e["writes"]]
    name, index = (s.split("[")[0], int(s.split("[")[1].rstrip("]"))) if "[" in s else (s, None)
    if job["kind"] == "density":
        if name in ion:
            return getattr(obj, "_ref_" + name)
        mech = getattr(obj, job["name"])
    else:
        if name in ion:
            return getattr(obj.get_segment(), "_ref_" + name)
        mech = obj
    r = getattr(mech, "_ref_" + name)
    return r if index is None else r[index]
for job in json.load(sys.stdin):
    open(f"{out}/{job['key']}.started", "w").close()
    for celsius in %(TEMPERATURES)r:
        vecs, refs, keep = [], [], []
        try:
            soma = h.Section(name="soma")
            soma.L = 20.0; soma.diam = 20.0; soma.nseg = 1; soma.cm = 1.0; soma.Ra = 100.0
            if job["name"] != "pas":
                soma.insert("pas"); soma(0.5).pas.g = 1e-4; soma(0.5).pas.e = -65.0
            if job["kind"] == "density":
                soma.insert(job["name"])
                seg = soma(0.5)
                for s in job["states"]:
                    refs.append(ref(seg, job, s))
            else:
                pp = getattr(h, job["name"])(soma(0.5))
                keep.append(pp)
                for s in job["states"]:
                    refs.append(ref(pp, job, s))
                if job["net_receive"]:
                    nc = h.NetCon(None, pp)
                    nc.weight[0] = %(WEIGHT)r
                    keep.append(nc)
            # NEURON's values of the PARAMETERs (nocmodl writes defaults with 6 significant
            # digits), or gradmod's written over them (--neuron-parameters gradmod).
            target = getattr(seg, job["name"]) if job["kind"] == "density" else pp
            own = {}
            for p, (value, _) in job["parameters"].items():
                if hasattr(target, p):
                    obj, attr = target, p
                elif hasattr(h, p + "_" + job["name"]):
                    obj, attr = h, p + "_" + job["name"]
                else:
                    continue
                try:
                    own[p] = float(getattr(obj, attr))
                except (TypeError, ValueError):
                    continue
                if %(SET_PARAMETERS)r and own[p] != value:
                    setattr(obj, attr, value)
            with open(f"{out}/{job['key']}_parameters.json", "w") as f:
                json.dump(own, f)
            stim = h.IClamp(soma(0.5))
            stim.delay = %(delay)r; stim.dur = %(dur)r; stim.amp = %(amp)r
            name = "usetable_" + job["name"]
            if hasattr(h, name):
                setattr(h, name, 0)
            h.dt = DT; h.steps_per_ms = 1.0 / DT; h.celsius = celsius; h.secondorder = 0
            h.CVode().active(0)
            vecs += [h.Vector().record(soma(0.5)._ref_v)] + [h.Vector().record(r) for r in refs]
            h.finitialize(V_INIT)
            if job["kind"] == "point" and job["net_receive"]:
                for t in %(EVENTS)r:
                    keep[-1].event(t)
            for _ in range(int(round(TSTOP / DT))):
                h.fadvance()
            np.savez(f"{out}/{job['key']}_{celsius}.npz", *[np.array(v) for v in vecs])
        except Exception as e:
            with open(f"{out}/{job['key']}_{celsius}.err", "w") as f:
                f.write(str(e))
        finally:
            # The recordings go before what they point into (a Vector recording a deleted
            # point process's variable crashes the next finitialize).
            vecs.clear(); refs.clear(); pp = nc = stim = seg = None; keep.clear()
            h("forall delete_section()")
'''


def accepted_files():
    """The corpus files expected.tsv records as accepted, but for those whose passes take minutes
    (listed as slow, under `*`, in known_failures.tsv)."""
    record = ROOT / "tests" / "corpus" / "expected.tsv"
    slow = set()
    for line in (ROOT / "tests" / "corpus" / "known_failures.tsv").read_text().splitlines():
        cols = line.split("\t")
        if len(cols) >= 2 and cols[0] == "*":
            slow.add(cols[1])
    out = []
    for line in record.read_text().splitlines():
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) >= 2 and cols[1] == "accepted" and cols[0] not in slow:
            out.append(CORPUS / cols[0])
    return [p for p in out if p.exists()]


SLOPE = "neuron"


def describe(path):
    """gradmod's view of a file: a library where its mechanism comes first (replacing a built-in
    one of its name) and the mechanism's metadata; or gradmod's error."""
    import gradmod

    try:
        lib = gradmod.Library(mods=[str(path)], replace_builtins=True, slope=SLOPE)
    except gradmod.Error as e:
        return None, str(e).splitlines()[0]
    return (lib, lib.describe(lib.names()[0])), None


def gradmod_run(lib, d, celsius, set_=None, tangents=True):
    import gradmod

    cell = gradmod.Cell()
    cell.simulation(tstop=TSTOP, dt=DT, celsius=celsius, v_init=V_INIT)
    cell.cable(cm=1.0, Ra=100.0)
    cell.section("soma", length=20.0, diameter=20.0, nseg=1)
    if d["name"] != "pas":
        cell.paint("pas", g=1e-4, e=-65.0)
    if d["kind"] == "density":
        cell.paint(d["name"])
        variable = lambda s: f"{d['name']}.{s}"  # noqa: E731
    else:
        # One connection delivers every event, as the one NetCon does in NEURON: the values
        # NET_RECEIVE keeps per connection carry from one event to the next.
        netcons = [(WEIGHT, EVENTS)] if d["net_receive"] else None
        cell.place(d["name"], "soma(0.5)", label="pp", netcons=netcons)
        variable = lambda s: f"pp.{s}"  # noqa: E731
    cell.iclamp("soma(0.5)", **STIM)
    cell.probe("v", "soma(0.5)")
    for s in d["states"]:
        cell.probe(s, "soma(0.5)", variable=variable(s), tangents=False)
    params = [p for p, (default, _) in d["parameters"].items() if default != 0.0]
    # MECH.PARAM: for a point process, of every instance (here the one).
    prefix = d["name"]
    if tangents:
        for p in params:
            cell.parameter(f"{prefix}.{p}")
    model = cell.model(library=lib)
    return model.run(set=set_), params, prefix


def spikes(v):
    return int(np.sum((v[1:] >= 0.0) & (v[:-1] < 0.0)))


def classify(v_g, v_n, states_g, states_n):
    dv = float(np.max(np.abs(v_g - v_n)))
    ds = 0.0
    for g, n in zip(states_g, states_n):
        scale = max(float(np.max(np.abs(n))), 1e-12)
        ds = max(ds, float(np.max(np.abs(g - n))) / scale)
    if not (math.isfinite(dv) and math.isfinite(ds)):
        return "different", dv, ds
    if dv < 1e-6 and ds < 1e-6:
        return "exact", dv, ds
    if dv < 1e-3:
        return "close", dv, ds
    if spikes(v_g) == spikes(v_n) and dv < 5.0:
        return "qualitatively equal", dv, ds
    return "different", dv, ds


def tangent_check(lib, d, celsius):
    """The relative deviation of gradmod's dv/dθ from a central difference, for the parameter
    that moves v most; None when the mechanism has no nonzero parameter. The difference takes a
    relative step of 1e-5, and while it is off by 1e-6 or more, also 1e-4, 1e-6, 1e-3 and 1e-7
    (truncation and rounding errors of the difference itself): the smallest deviation counts."""
    r, params, prefix = gradmod_run(lib, d, celsius)
    if not params:
        return None, None
    k = int(np.argmax([np.max(np.abs(r.tangents[:, 0, k] * r.theta[k])) for k in range(len(params))]))
    theta = r.theta[k]
    key = f"{prefix}.{params[k]}"
    tangent = r.tangents[:, 0, k]
    scale = float(np.max(np.abs(tangent)))
    best = math.inf
    for step in (1e-5, 1e-4, 1e-6, 1e-3, 1e-7):
        h = step * abs(theta)
        plus = gradmod_run(lib, d, celsius, {key: theta + h}, tangents=False)[0].traces[:, 0]
        minus = gradmod_run(lib, d, celsius, {key: theta - h}, tangents=False)[0].traces[:, 0]
        fd = (plus - minus) / (2 * h)
        if scale == 0.0:
            dev = 0.0 if np.max(np.abs(fd)) == 0.0 else math.inf
        else:
            dev = float(np.max(np.abs(tangent - fd)) / scale)
        best = min(best, dev)
        if best < 1e-6:
            break
    return params[k], best


def renamed_copy(path, key, folder):
    """A copy of `path` whose mechanism is called `xc_KEY`, in `folder`; None when the file
    declares no SUFFIX or POINT_PROCESS."""
    text = pathlib.Path(path).read_bytes().decode("utf-8", "replace")
    new, count = re.subn(
        r"\b(SUFFIX|POINT_PROCESS)(\s+)([A-Za-z_][A-Za-z0-9_]*)",
        lambda m: f"{m.group(1)}{m.group(2)}xc_{key}",
        text,
        count=1,
    )
    if count == 0:
        return None
    out = folder / f"m_{key}.mod"
    out.write_text(new)
    return out


def neuron_batches(jobs):
    """Batches of jobs whose mechanism names differ (NEURON loads one name once)."""
    batches = []
    for job in jobs:
        for b in batches:
            if all(j["name"] != job["name"] for j in b) and len(b) < BATCH:
                b.append(job)
                break
        else:
            batches.append([job])
    return batches


BATCH = 40
NEURON_BIN = None


def nocmodl_errors(jobs, folder):
    """{key: error} for the jobs whose file NEURON's translator (nocmodl) rejects, each
    translated alone (a fraction of a second per file, against a minute for a batch build)."""
    # The PyPI wrapper execs the binaries of neuron/.data/bin; nocmodl is one of them.
    import neuron

    nocmodl = pathlib.Path(neuron.__file__).parent / ".data" / "bin" / "nocmodl"
    env = dict(os.environ, MODLUNIT=str(nocmodl.parents[1] / "share" / "nrn" / "lib" / "nrnunits.lib"))
    failed = {}
    folder.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        mod = folder / f"m_{job['key']}.mod"
        shutil.copy(job["copy"], mod)
        try:
            r = subprocess.run([str(nocmodl), mod.name, "-o", "."], cwd=folder, capture_output=True,
                               text=True, timeout=TIMEOUT, env=env)
            if r.returncode != 0:
                lines = [l.strip() for l in (r.stderr + r.stdout).strip().splitlines() if l.strip()]
                said = [l for l in lines if "rror" in l and not l.startswith("Translating")]
                failed[job["key"]] = ["nocmodl: " + " ".join(said or lines[-2:])]
        except subprocess.TimeoutExpired:
            failed[job["key"]] = ["nocmodl: timed out"]
    return failed


def nrnivmodl():
    """NEURON's nrnivmodl: on the PATH, or beside this Python (a virtual environment not activated)."""
    return shutil.which("nrnivmodl") or str(pathlib.Path(sys.executable).parent / "nrnivmodl")


def build(batch, folder):
    """Builds a batch with nrnivmodl in `folder` (keeping what an earlier build there compiled):
    (library or None, output). make goes on after errors (-k), so that one build names every file
    that breaks it."""
    folder.mkdir(parents=True, exist_ok=True)
    keep = {f"m_{job['key']}" for job in batch}
    for f in list(folder.glob("m_*.*")) + list(folder.glob("x86_64/m_*.*")):
        if f.name.split(".")[0] not in keep:
            f.unlink()
    for job in batch:
        # nrnivmodl wants file names that are C identifiers.
        mod = folder / f"m_{job['key']}.mod"
        if not mod.exists() or mod.read_bytes() != pathlib.Path(job["copy"]).read_bytes():
            shutil.copy(job["copy"], mod)
    env = dict(os.environ, MAKEFLAGS="-k")
    try:
        b = subprocess.run([nrnivmodl(), "."], cwd=folder, capture_output=True,
                           text=True, timeout=TIMEOUT * max(1, len(batch) // 4), env=env)
        output, ok = b.stderr + b.stdout, b.returncode == 0
    except subprocess.TimeoutExpired:
        output, ok = "nrnivmodl timed out", False
    lib = folder / "x86_64" / ".libs" / "libnrnmech.so"
    if not lib.exists():
        lib = next(folder.glob("x86_64/libnrnmech*.so"), None)
    return (lib if ok and lib is not None else None), output


def build_all(batch, folder, failed):
    """Builds a batch, dropping the files that break the build: those the compiler's messages
    name, else by halves. Returns [(library, jobs)]."""
    lib, output = build(batch, folder)
    if lib is not None:
        return [(lib, batch)]
    if len(batch) == 1:
        lines = [l for l in output.strip().splitlines() if "error" in l.lower()] or output.strip().splitlines()
        # The message without the work folder's path.
        failed[batch[0]["key"]] = [re.sub(r"\S*/(m_f\d+\.\w+)", r"\1", l) for l in lines[:1]] or ["nrnivmodl failed"]
        return []
    named = set(re.findall(r"m_(f\d+)\.(?:cpp|c|o|mod)\S*:\d+", output))
    bad = [j for j in batch if j["key"] in named]
    rest = [j for j in batch if j["key"] not in named]
    if bad and rest:
        for j in bad:
            lines = [l for l in output.splitlines() if f"m_{j['key']}." in l and "error" in l.lower()]
            failed[j["key"]] = [re.sub(r"\S*/(m_f\d+\.\w+)", r"\1", l) for l in lines[:1]] or ["nrnivmodl failed"]
        return build_all(rest, folder, failed)
    half = len(batch) // 2
    return (build_all(batch[:half], folder.with_name(folder.name + "a"), failed)
            + build_all(batch[half:], folder.with_name(folder.name + "b"), failed))


def run_neuron(jobs, work, out):
    """Compiles and runs each batch in NEURON under `work`, writing results into `out`; returns
    {key: error} for what NEURON failed to compile. A run that takes longer than TIMEOUT per file
    is stopped; the file it was running is recorded as timed out and the batch goes on after it."""
    child = NEURON_CHILD % dict(
        DT=DT, TSTOP=TSTOP, V_INIT=V_INIT, TEMPERATURES=TEMPERATURES, WEIGHT=WEIGHT,
        EVENTS=EVENTS, SET_PARAMETERS=SET_PARAMETERS, **STIM,
    )
    out.mkdir(parents=True, exist_ok=True)
    failed = nocmodl_errors(jobs, work / "nocmodl")
    log(f"NEURON: nocmodl rejects {len(failed)} of {len(jobs)} files")
    jobs = [j for j in jobs if j["key"] not in failed]
    for i, batch in enumerate(neuron_batches(jobs)):
        built = build_all(batch, work / f"batch{i}", failed)
        log(f"NEURON: batch {i} built ({sum(len(b) for _, b in built)} of {len(batch)} files)")
        for lib, todo in built:
            while todo:
                try:
                    ran = subprocess.run(
                        [sys.executable, "-c", child, str(lib), str(out)],
                        input=json.dumps(todo), capture_output=True, text=True,
                        # Not the batch's folder: NEURON would load its mechanisms from there on
                        # import, and again from the library named.
                        cwd=work, timeout=TIMEOUT * len(todo),
                    )
                    said = [l for l in (ran.stderr + ran.stdout).strip().splitlines()
                            if l.strip() and "DISPLAY" not in l and "No graphics" not in l]
                    why = [f"NEURON stopped (exit status {ran.returncode})"] + said[-1:]
                    stopped = ran.returncode != 0
                except subprocess.TimeoutExpired:
                    why, stopped = ["timed out"], True
                if not stopped:
                    break
                # NEURON stopped: the job it had started without finishing says why; the jobs
                # it had not started run again.
                started = [j for j in todo if (out / f"{j['key']}.started").exists()]
                for j in started:
                    for c in TEMPERATURES:
                        err = out / f"{j['key']}_{c}.err"
                        if not (out / f"{j['key']}_{c}.npz").exists() and not err.exists():
                            err.write_text(" ".join(why))
                todo = [j for j in todo if j not in started]
    return failed


TIMEOUT = 300
SET_PARAMETERS = False  # --neuron-parameters gradmod
JOBS = 2  # files described and compared at a time


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def worker(argv):
    """`--worker describe COPY` prints gradmod's view of a file as JSON; `--worker compare JOB`
    (a JSON job with the folder of NEURON's traces) prints the rows of a file."""
    what, arg = argv
    if what == "describe":
        described, err = describe(arg)
        if described is None:
            print(json.dumps(dict(error=err)))
            return
        d = described[1]
        print(json.dumps(dict(d, parameters={k: list(v) for k, v in d["parameters"].items()})))
        return
    job = json.loads(arg)
    (lib, d), err = describe(job["copy"])
    rows = []
    for celsius in TEMPERATURES:
        row = dict(file=pathlib.Path(job["path"]).name, mechanism=job["name"], kind=job["kind"],
                   celsius=celsius)
        npz = pathlib.Path(job["neuron"]) / f"{job['key']}_{celsius}.npz"
        if not npz.exists():
            err = npz.with_suffix(".err")
            row.update(verdict="NEURON failed", note=err.read_text()[:200] if err.exists() else "")
            rows.append(row)
            continue
        n = np.load(npz)
        n_traces = [n[f"arr_{i}"] for i in range(len(n.files))]
        try:
            r, _, _ = gradmod_run(lib, d, celsius, tangents=False)
        except Exception as e:  # noqa: BLE001
            # gradmod stops a run where a value becomes NaN or infinite; where NEURON's trace
            # has such a value too, both agree that the model as written breaks down.
            broken = "non-finite" in str(e) and not all(np.all(np.isfinite(x)) for x in n_traces)
            row.update(verdict="both non-finite" if broken else "gradmod failed",
                       note=str(e).splitlines()[0][:200])
            rows.append(row)
            continue
        g = [r.traces[:, i] for i in range(r.traces.shape[1])]
        verdict, dv, ds = classify(g[0], n_traces[0], g[1:], n_traces[1:])
        row.update(verdict=verdict, max_dv_mV=f"{dv:.2e}", max_state_rel=f"{ds:.2e}",
                   spikes_gradmod=spikes(g[0]), spikes_neuron=spikes(n_traces[0]))
        own = pathlib.Path(job["neuron"]) / f"{job['key']}_parameters.json"
        if own.exists():
            own = json.loads(own.read_text())
            off = [f"{p} {own[p]!r} (gradmod {v!r})" for p, (v, _) in d["parameters"].items()
                   if p in own and own[p] != v]
            if off:
                row.update(neuron_parameters="; ".join(off))
        if verdict != "exact":
            # Where the difference starts: the first time v or a state leaves the exact bounds.
            bad = np.abs(g[0] - n_traces[0]) >= 1e-6
            first = [(int(np.argmax(bad)), "v")] if bad.any() else []
            for name, a, b in zip(d["states"], g[1:], n_traces[1:]):
                off = np.abs(a - b) >= 1e-6 * max(float(np.max(np.abs(b))), 1e-12)
                if off.any():
                    first.append((int(np.argmax(off)), name))
            if first:
                k, name = min(first)
                row.update(note=f"first off: {name} at t = {k * DT:g} ms")
        if celsius == TEMPERATURES[0]:
            try:
                p, dev = tangent_check(lib, d, celsius)
                row.update(tangent_param=p, tangent_rel_dev=None if dev is None else f"{dev:.1e}")
            except Exception as e:  # noqa: BLE001
                row.update(tangent_param="", tangent_rel_dev=f"failed: {e}"[:100])
        rows.append(row)
    print(json.dumps(rows))


def run_worker(args, timeout):
    """Runs a worker in a child process: (parsed JSON output, None) or (None, error)."""
    cmd = [sys.executable, __file__, "--slope", SLOPE, "--worker", *args]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    if r.returncode != 0 or not r.stdout.strip():
        lines = (r.stderr or r.stdout).strip().splitlines()
        return None, (lines[-1] if lines else f"exit status {r.returncode}")[:200]
    return json.loads(r.stdout.strip().splitlines()[-1]), None


def load_causes():
    """{file: cause} from causes.tsv next to this script: why a file is not exact."""
    causes = {}
    path = HERE / "causes.tsv"
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("#") or "\t" not in line:
                continue
            f, c = line.split("\t", 1)
            causes[f] = c
    return causes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=pathlib.Path)
    ap.add_argument("--out", type=pathlib.Path, default=HERE)
    ap.add_argument("--slope", choices=["neuron", "symbolic"], default="neuron")
    ap.add_argument("--timeout", type=int, default=300,
                    help="seconds allowed per file for each step (default %(default)s)")
    ap.add_argument("--neuron-parameters", choices=["own", "gradmod"], default="own",
                    help="NEURON with its own PARAMETER defaults (default) or gradmod's, written "
                    "over them where they differ (nocmodl keeps 6 significant digits)")
    ap.add_argument("--jobs", type=int, default=2, help="files run at a time by gradmod (default 2)")
    ap.add_argument("--work", type=pathlib.Path, help="keep the work folder (builds, traces) here")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--summarize", action="store_true",
                    help="only write results.md again from the results.csv in --out (after causes.tsv "
                    "changed), with the --slope and --neuron-parameters of the run")
    args = ap.parse_args()
    global SLOPE, TIMEOUT, JOBS, SET_PARAMETERS
    SLOPE, TIMEOUT, JOBS = args.slope, args.timeout, args.jobs
    SET_PARAMETERS = args.neuron_parameters == "gradmod"
    if args.worker:
        worker(args.worker)
        return
    if args.summarize:
        # The header names the --slope and --neuron-parameters given here: the run's.
        with open(args.out / "results.csv", newline="") as f:
            rows = [{k: v for k, v in r.items() if v != ""} for r in csv.DictReader(f)]
        for r in rows:
            if "celsius" in r:
                r["celsius"] = float(r["celsius"])
        write(rows, args.out)
        return
    files = args.files or accepted_files()
    jobs, rows = [], []
    with tempfile.TemporaryDirectory(prefix="gradmod-crosscheck-") as tmp:
        work = (args.work or pathlib.Path(tmp)).resolve()
        # gradmod's view of each file, kept in the work folder for a run that starts again.
        cache_path = work / "described.json"
        cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
        # NEURON's builds are kept too (a batch is built again only where its files changed);
        # its results are not.
        if (work / "neuron").exists():
            shutil.rmtree(work / "neuron")
        copies = work / "copies"
        copies.mkdir(parents=True, exist_ok=True)
        todo = []
        for i, path in enumerate(files):
            key = f"f{i}"
            copy = renamed_copy(path, key, copies)
            if copy is None:
                rows.append(dict(file=path.name, verdict="rejected by gradmod",
                                 note="no SUFFIX or POINT_PROCESS"))
                continue
            todo.append((key, path, copy))

        def described(item):
            key, path, copy = item
            text = copy.read_text()
            if cache.get(str(copy), {}).get("text") == text:
                return cache[str(copy)]["d"], cache[str(copy)]["err"]
            d, err = run_worker(["describe", str(copy)], TIMEOUT)
            cache[str(copy)] = dict(text=text, d=d, err=err)
            return d, err

        with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
            for n, ((key, path, copy), (d, err)) in enumerate(zip(todo, pool.map(described, todo))):
                if d is not None and "error" in d:
                    d, err = None, d["error"]
                if d is None:
                    rows.append(dict(file=path.name, verdict="rejected by gradmod", note=err))
                    continue
                jobs.append(dict(key=key, path=str(path), copy=str(copy), name=d["name"],
                                 kind=d["kind"], states=d["states"], net_receive=d["net_receive"],
                                 ions=d["ions"], parameters=d["parameters"]))
                if n % 20 == 19:
                    log(f"gradmod: {n + 1}/{len(todo)} described")
        cache_path.write_text(json.dumps(cache))
        failed = run_neuron(jobs, work, work / "neuron")
        def compared(j):
            name = pathlib.Path(j["path"]).name
            if j["key"] in failed:
                return [dict(file=name, mechanism=j["name"], verdict="rejected by NEURON",
                             note=" ".join(failed[j["key"]])[:200])]
            got, err = run_worker(["compare", json.dumps(dict(j, neuron=str(work / "neuron")))],
                                  TIMEOUT * 2)
            if got is None:
                got = [dict(file=name, mechanism=j["name"], kind=j["kind"], celsius=c,
                            verdict="gradmod failed", note=err) for c in TEMPERATURES]
            return got

        with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
            for n, got in enumerate(pool.map(compared, jobs)):
                rows += got
                log(f"compared {n + 1}/{len(jobs)} {got[0]['file']}: "
                    + ", ".join(r["verdict"] for r in got))
                if n % 10 == 9:
                    write(rows, args.out)  # partial results while the run goes on
    write(rows, args.out)


def write(rows, out):
    """results.csv and results.md into `out`, with the causes of causes.tsv."""
    causes = load_causes()
    for r in rows:
        if r.get("note"):
            # Messages name the renamed copies in the work folder: the corpus file is the row's.
            r["note"] = re.sub(r"\s*\(?/\S*/m_f\d+\.mod(:\d+:\d+)?\)?", lambda m: f" (line {m.group(1).split(':')[1]})" if m.group(1) else "", r["note"])
            r["note"] = re.sub(r"xc_f\d+", "(the mechanism)", r["note"])
        if r.get("celsius") is not None and r["verdict"] != "exact":
            r["cause"] = causes.get(r["file"], "")
        if r.get("tangent_rel_dev"):
            r["tangent_cause"] = causes.get("tangent:" + r["file"], "")
    out.mkdir(parents=True, exist_ok=True)
    keys = ["file", "mechanism", "kind", "celsius", "verdict", "max_dv_mV", "max_state_rel",
            "spikes_gradmod", "spikes_neuron", "tangent_param", "tangent_rel_dev", "note",
            "neuron_parameters", "cause"]
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for row in rows:
            w.writerow({k: row.get(k, "") for k in keys})
    summarize(rows, out / "results.md")


def summarize(rows, path):
    verdicts = ["exact", "close", "qualitatively equal", "different", "both non-finite",
                "gradmod failed", "NEURON failed"]
    params = "gradmod's values written over NEURON's" if SET_PARAMETERS else "NEURON's own defaults"
    lines = ["# gradmod against NEURON, file by file", "",
             f"Written by `crosscheck.py --slope {SLOPE} --neuron-parameters "
             f"{'gradmod' if SET_PARAMETERS else 'own'}` (see its docstring for the protocol; "
             f"PARAMETERs in NEURON: {params}); the causes come from causes.tsv.", "",
             f"Files: {len({r['file'] for r in rows})} (without FILES: every corpus file that "
             "tests/corpus/expected.tsv records as accepted, but for the slow ones of "
             "known_failures.tsv).", ""]
    lines.append("| celsius | " + " | ".join(verdicts) + " |")
    lines.append("|---" * (len(verdicts) + 1) + "|")
    for c in TEMPERATURES:
        counts = [sum(1 for r in rows if r.get("celsius") == c and r["verdict"] == v) for v in verdicts]
        lines.append(f"| {c} | " + " | ".join(map(str, counts)) + " |")
    others = [r for r in rows if r.get("celsius") is None]
    compared = len({r["file"] for r in rows if r.get("celsius") is not None})
    lines += ["", f"{compared} files compared."]
    if others:
        lines[-1] += (f" Not compared: {sum(1 for r in others if r['verdict'] == 'rejected by gradmod')} "
                      f"rejected by gradmod, {sum(1 for r in others if r['verdict'] == 'rejected by NEURON')} "
                      "rejected by NEURON's nrnivmodl (listed at the end).")
    checked = [r for r in rows if r.get("tangent_rel_dev") not in (None, "")]
    failed = [r for r in checked if str(r["tangent_rel_dev"]).startswith("failed")]
    devs = [float(r["tangent_rel_dev"]) for r in checked if r not in failed]
    lines += ["", f"Tangents (at {TEMPERATURES[0]} °C, dv/dθ for the parameter that moves v most, "
              "against a central difference): "
              + ", ".join(f"{sum(1 for d in devs if d < tol)} of {len(checked)} within {tol:g}"
                          for tol in (1e-6, 1e-4, 1e-2))
              + (f"; {len(failed)} failed to run" if failed else "") + "."]
    bad = [r for r in checked if r in failed or float(r["tangent_rel_dev"]) >= 1e-6]
    if bad:
        lines += ["", "| file | parameter | relative deviation | cause |", "|---|---|---|---|"]
        for r in bad:
            lines.append(f"| {r['file']} | {r.get('tangent_param', '')} | {r['tangent_rel_dev']} | "
                         f"{r.get('tangent_cause', '')} |")
    lines += ["", "## Files that are not exact", "",
              "| file | mechanism | celsius | verdict | max dv (mV) | max state (rel) | spikes g/N | cause |",
              "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("celsius") is not None and r["verdict"] != "exact":
            cause = r.get("cause") or r.get("note", "")
            lines.append(f"| {r['file']} | {r.get('mechanism', '')} | {r['celsius']} | {r['verdict']} | "
                         f"{r.get('max_dv_mV', '')} | {r.get('max_state_rel', '')} | "
                         f"{r.get('spikes_gradmod', '')}/{r.get('spikes_neuron', '')} | {cause} |")
    if others:
        lines += ["", "## Files not compared", "", "| file | verdict | note |", "|---|---|---|"]
        for r in others:
            lines.append(f"| {r['file']} | {r['verdict']} | {r.get('note', '')} |")
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
