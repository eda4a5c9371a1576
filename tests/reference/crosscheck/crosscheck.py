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
- different: anything else (or one of the two fails to run).

Each file's mechanism is renamed (`SUFFIX xc_f12`, `POINT_PROCESS xc_f12`) in the copies both
simulators compile, so that NEURON's built-in mechanisms (hh, pas, ExpSyn, ...) and files that
share a name never clash.

It also checks one tangent of gradmod: dv/dθ for the parameter that moves v most against a
central finite difference of two gradmod runs (relative step 1e-5), to a relative 1e-6.

Usage (in a virtual environment with `pip install ./python neuron numpy`):

    python3 tests/reference/crosscheck/crosscheck.py [FILES...] [--out DIR] [--slope neuron|symbolic]

Without FILES it takes every file of tests/corpus/files/ that tests/corpus/expected.tsv records
as accepted. It writes results.csv and results.md into --out (default: next to this script).
NEURON runs in separate processes (one per batch of files whose mechanism names differ), so a
file that crashes NEURON does not stop the others.
"""

import argparse
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
for job in json.load(sys.stdin):
    for celsius in %(TEMPERATURES)r:
        try:
            soma = h.Section(name="soma")
            soma.L = 20.0; soma.diam = 20.0; soma.nseg = 1; soma.cm = 1.0; soma.Ra = 100.0
            if job["name"] != "pas":
                soma.insert("pas"); soma(0.5).pas.g = 1e-4; soma(0.5).pas.e = -65.0
            refs = []
            keep = []
            if job["kind"] == "density":
                soma.insert(job["name"])
                seg = soma(0.5)
                for s in job["states"]:
                    refs.append(getattr(seg, "_ref_%%s_%%s" %% (s, job["name"])))
            else:
                pp = getattr(h, job["name"])(soma(0.5))
                keep.append(pp)
                for s in job["states"]:
                    refs.append(getattr(pp, "_ref_" + s))
                if job["net_receive"]:
                    nc = h.NetCon(None, pp)
                    nc.weight[0] = %(WEIGHT)r
                    keep.append(nc)
            stim = h.IClamp(soma(0.5))
            stim.delay = %(delay)r; stim.dur = %(dur)r; stim.amp = %(amp)r
            name = "usetable_" + job["name"]
            if hasattr(h, name):
                setattr(h, name, 0)
            h.dt = DT; h.steps_per_ms = 1.0 / DT; h.celsius = celsius; h.secondorder = 0
            h.CVode().active(0)
            vecs = [h.Vector().record(soma(0.5)._ref_v)] + [h.Vector().record(r) for r in refs]
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
            keep.clear()
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
        events = [(t, WEIGHT) for t in EVENTS] if d["net_receive"] else None
        cell.place(d["name"], "soma(0.5)", label="pp", events=events)
        variable = lambda s: f"pp.{s}"  # noqa: E731
    cell.iclamp("soma(0.5)", **STIM)
    cell.probe("v", "soma(0.5)")
    for s in d["states"]:
        cell.probe(s, "soma(0.5)", variable=variable(s), tangents=False)
    params = [p for p, (default, _) in d["parameters"].items() if default != 0.0]
    prefix = d["name"] if d["kind"] == "density" else "pp"
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
    that moves v most; None when the mechanism has no nonzero parameter."""
    r, params, prefix = gradmod_run(lib, d, celsius)
    if not params:
        return None, None
    k = int(np.argmax([np.max(np.abs(r.tangents[:, 0, k] * r.theta[k])) for k in range(len(params))]))
    theta = r.theta[k]
    h = 1e-5 * abs(theta)
    key = f"{prefix}.{params[k]}"
    plus = gradmod_run(lib, d, celsius, {key: theta + h}, tangents=False)[0].traces[:, 0]
    minus = gradmod_run(lib, d, celsius, {key: theta - h}, tangents=False)[0].traces[:, 0]
    fd = (plus - minus) / (2 * h)
    tangent = r.tangents[:, 0, k]
    scale = float(np.max(np.abs(tangent)))
    if scale == 0.0:
        return params[k], 0.0 if np.max(np.abs(fd)) == 0.0 else math.inf
    return params[k], float(np.max(np.abs(tangent - fd)) / scale)


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
            if all(j["name"] != job["name"] for j in b) and len(b) < 40:
                b.append(job)
                break
        else:
            batches.append([job])
    return batches


def run_neuron(jobs, work, out):
    """Compiles and runs each batch in NEURON under `work`, writing results into `out`; returns
    {key: error} for what failed to compile."""
    nrnivmodl = shutil.which("nrnivmodl")
    failed = {}
    child = NEURON_CHILD % dict(
        DT=DT, TSTOP=TSTOP, V_INIT=V_INIT, TEMPERATURES=TEMPERATURES, WEIGHT=WEIGHT,
        EVENTS=EVENTS, **STIM,
    )
    for i, batch in enumerate(neuron_batches(jobs)):
        folder = work / f"batch{i}"
        folder.mkdir(parents=True)
        for job in batch:
            # nrnivmodl wants file names that are C identifiers.
            shutil.copy(job["copy"], folder / f"m_{job['key']}.mod")
        build = subprocess.run(
            [nrnivmodl, "."], cwd=folder, capture_output=True, text=True
        )
        lib = folder / "x86_64" / ".libs" / "libnrnmech.so"
        if not lib.exists():
            lib = next(folder.glob("x86_64/libnrnmech*.so"), None)
        if build.returncode != 0 or lib is None:
            # Compile the batch's files one by one to find the ones NEURON rejects.
            if len(batch) > 1:
                for job in batch:
                    failed.update(run_neuron([job], work / f"batch{i}_{job['key']}_alone", out))
                continue
            failed[batch[0]["key"]] = (build.stderr + build.stdout).strip().splitlines()[-1:]
            continue
        out.mkdir(exist_ok=True)
        ran = subprocess.run(
            [sys.executable, "-c", child, str(lib), str(out)],
            input=json.dumps(batch),
            capture_output=True,
            text=True,
            # Not the batch's folder: NEURON would load its mechanisms from there on import, and
            # again from the library named.
            cwd=work,
        )
        if ran.returncode != 0:
            # NEURON itself stopped: every job of the batch without results says why.
            why = (ran.stderr or ran.stdout).strip().splitlines()[-1:] or ["no output"]
            for job in batch:
                for c in TEMPERATURES:
                    err = out / f"{job['key']}_{c}.err"
                    if not (out / f"{job['key']}_{c}.npz").exists() and not err.exists():
                        err.write_text(" ".join(why))
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=pathlib.Path)
    ap.add_argument("--out", type=pathlib.Path, default=HERE)
    ap.add_argument("--slope", choices=["neuron", "symbolic"], default="neuron")
    args = ap.parse_args()
    global SLOPE
    SLOPE = args.slope
    files = args.files or accepted_files()
    jobs, rows = [], []
    with tempfile.TemporaryDirectory(prefix="gradmod-crosscheck-") as tmp:
        work = pathlib.Path(tmp)
        copies = work / "copies"
        copies.mkdir()
        for i, path in enumerate(files):
            key = f"f{i}"
            copy = renamed_copy(path, key, copies)
            if copy is None:
                rows.append(dict(file=path.name, verdict="rejected by gradmod",
                                 note="no SUFFIX or POINT_PROCESS"))
                continue
            described, err = describe(copy)
            if described is None:
                rows.append(dict(file=path.name, verdict="rejected by gradmod", note=err))
                continue
            lib, d = described
            jobs.append(dict(key=key, path=str(path), copy=str(copy), name=d["name"],
                             kind=d["kind"], states=d["states"], net_receive=d["net_receive"],
                             lib=lib, d=d))
        public = [{k: v for k, v in j.items() if k not in ("lib", "d")} for j in jobs]
        failed = run_neuron(public, work, work / "neuron")
        for j in jobs:
            name = pathlib.Path(j["path"]).name
            if j["key"] in failed:
                rows.append(dict(file=name, mechanism=j["name"], verdict="rejected by NEURON",
                                 note=" ".join(failed[j["key"]])[:200]))
                continue
            for celsius in TEMPERATURES:
                row = dict(file=name, mechanism=j["name"], kind=j["kind"], celsius=celsius)
                npz = work / "neuron" / f"{j['key']}_{celsius}.npz"
                if not npz.exists():
                    err = work / "neuron" / f"{j['key']}_{celsius}.err"
                    row.update(verdict="NEURON failed", note=err.read_text()[:200] if err.exists() else "")
                    rows.append(row)
                    continue
                n = np.load(npz)
                n_traces = [n[f"arr_{i}"] for i in range(len(n.files))]
                try:
                    r, _, _ = gradmod_run(j["lib"], j["d"], celsius, tangents=False)
                except Exception as e:  # noqa: BLE001
                    row.update(verdict="gradmod failed", note=str(e).splitlines()[0][:200])
                    rows.append(row)
                    continue
                g = [r.traces[:, i] for i in range(r.traces.shape[1])]
                verdict, dv, ds = classify(g[0], n_traces[0], g[1:], n_traces[1:])
                row.update(verdict=verdict, max_dv_mV=f"{dv:.2e}", max_state_rel=f"{ds:.2e}",
                           spikes_gradmod=spikes(g[0]), spikes_neuron=spikes(n_traces[0]))
                if celsius == TEMPERATURES[0]:
                    try:
                        p, dev = tangent_check(j["lib"], j["d"], celsius)
                        row.update(tangent_param=p, tangent_rel_dev=None if dev is None else f"{dev:.1e}")
                    except Exception as e:  # noqa: BLE001
                        row.update(tangent_param="", tangent_rel_dev=f"failed: {e}"[:100])
                rows.append(row)
    args.out.mkdir(parents=True, exist_ok=True)
    keys = ["file", "mechanism", "kind", "celsius", "verdict", "max_dv_mV", "max_state_rel",
            "spikes_gradmod", "spikes_neuron", "tangent_param", "tangent_rel_dev", "note"]
    with open(args.out / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for row in rows:
            w.writerow({k: row.get(k, "") for k in keys})
    summarize(rows, args.out / "results.md")


def summarize(rows, path):
    verdicts = ["exact", "close", "qualitatively equal", "different", "gradmod failed",
                "NEURON failed"]
    lines = ["# gradmod against NEURON, file by file", "",
             f"Written by `crosscheck.py --slope {SLOPE}` (see its docstring for the protocol).", ""]
    lines.append("| celsius | " + " | ".join(verdicts) + " |")
    lines.append("|---" * (len(verdicts) + 1) + "|")
    for c in TEMPERATURES:
        counts = [sum(1 for r in rows if r.get("celsius") == c and r["verdict"] == v) for v in verdicts]
        lines.append(f"| {c} | " + " | ".join(map(str, counts)) + " |")
    others = [r for r in rows if "celsius" not in r]
    if others:
        lines += ["", f"Not compared: {sum(1 for r in others if r['verdict'] == 'rejected by gradmod')} "
                  f"rejected by gradmod, {sum(1 for r in others if r['verdict'] == 'rejected by NEURON')} "
                  "rejected by NEURON's nrnivmodl."]
    checked = [r for r in rows if r.get("tangent_rel_dev") not in (None, "")]
    good = [r for r in checked if not str(r["tangent_rel_dev"]).startswith("failed")
            and float(r["tangent_rel_dev"]) < 1e-6]
    lines += ["", f"Tangents: {len(good)} of {len(checked)} files' dv/dθ (the parameter that moves v "
              "most) equal central differences to 1e-6."]
    lines += ["", "## Files that are not exact", "",
              "| file | mechanism | celsius | verdict | max dv (mV) | spikes g/N | note |",
              "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("celsius") is not None and r["verdict"] != "exact":
            lines.append(f"| {r['file']} | {r.get('mechanism', '')} | {r['celsius']} | {r['verdict']} | "
                         f"{r.get('max_dv_mV', '')} | {r.get('spikes_gradmod', '')}/{r.get('spikes_neuron', '')} | "
                         f"{r.get('note', '')} |")
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
