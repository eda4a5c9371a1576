#!/usr/bin/env python3
"""Measures what gradmod accepts in the corpus of published .mod files (tests/corpus/files).

Runs `gradmod check FILE` on every corpus file, one process per file, and classifies each
rejection by the construct its first error names, separately for density mechanisms (SUFFIX),
point processes (POINT_PROCESS) and artificial cells (ARTIFICIAL_CELL). Optionally:

  --compile   also runs `gradmod compile FILE -o /dev/null` (parse, lower, every pass and the Rust
              back end) on each accepted file, with a time limit, and lists those that fail;
  --nocmodl   also runs NEURON's own translator, nocmodl, taken from the NEURON wheel that
              fetch.sh downloaded, to tell constructs NEURON accepts from files NEURON rejects
              too (Arbor's dialect, templates, errors in the file).

With --write it records the per-file results in tests/corpus/expected.tsv (the list the corpus
tests in compiler/tests/ hold the compiler to) and rewrites the generated sections of
tests/corpus/README.md; without it, it prints the tables.

Usage:
  python3 tests/corpus/classify.py --gradmod target/debug/gradmod [--compile] [--nocmodl] [--write]
"""

import argparse
import collections
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
FILES = HERE / "files"
EXPECTED = HERE / "expected.tsv"
README = HERE / "README.md"

KINDS = [("SUFFIX", "density (SUFFIX)"), ("POINT_PROCESS", "point process"),
         ("ARTIFICIAL_CELL", "artificial cell"), ("other", "other")]

# How a first error message is classified: (pattern, label). The first pattern that matches
# wins; a message no pattern matches is its own label, so nothing is hidden.
RULES = [
    (r"^unsupported construct: VERBATIM", "VERBATIM (C code)"),
    (r"^unsupported construct: POINTER", "POINTER"),
    (r"^unsupported construct: BBCOREPOINTER", "BBCOREPOINTER"),
    (r"^unsupported construct: (CONSTRUCTOR|DESTRUCTOR)", "CONSTRUCTOR / DESTRUCTOR"),
    (r"^unsupported construct: (RANDOM|normrand|exprand|scop_random|erand|unirand|poisrand"
     r"|gamrand|negexp|WHITE_NOISE)", "random numbers (RANDOM, normrand(), exprand(), "
     "scop_random, Arbor's WHITE_NOISE)"),
    (r"^unsupported construct: (net_move|at_time|WATCH|POST_EVENT|net_event)",
     "events: net_move(), at_time(), WATCH, Arbor's POST_EVENT"),
    (r"^unsupported construct: METHOD after_cvode", "SOLVE ... METHOD after_cvode"),
    (r"^unsupported construct: (BEFORE|AFTER)\b", "BEFORE / AFTER blocks"),
    (r"^unsupported construct: (FUNCTION_TABLE)", "FUNCTION_TABLE"),
    (r"^unsupported construct: (LONGITUDINAL_DIFFUSION)", "LONGITUDINAL_DIFFUSION"),
    (r"^unsupported construct: (.*)", r"\1"),
    (r"found `ELSE`|^unknown function `IF`", "upper-case IF / ELSE keywords"),
    (r"found `(JUNCTION_PROCESS|VOLTAGE_PROCESS)`",
     "Arbor's JUNCTION_PROCESS / VOLTAGE_PROCESS"),
    (r"^`\w+d` is (not a variable of the ion|Arbor's diffusive concentration)",
     "Arbor's diffusive concentration (`xd`)"),
    (r"^expected a number, found `z\w*`", "Arbor's `VALENCE zx` (valence read as a variable)"),
    (r"^FROM loop bounds must be integer constants", "FROM loop with variable bounds"),
    (r"^`v` cannot be assigned", "assignment to v (integrate-and-fire reset)"),
    (r"is not a STATE, so it cannot have a derivative", "a current that is also a STATE"),
    (r"needs a METHOD", "SOLVE without METHOD"),
    (r"METHOD sparse cannot solve a DERIVATIVE block", "METHOD sparse on a DERIVATIVE block"),
    (r"^unknown function `(\w+)`", r"call of `\1` (not a FUNCTION or PROCEDURE)"),
    (r"^the index of `\w+` must be a constant or a FROM loop variable",
     "array index neither a constant nor a FROM loop variable"),
    (r"^expected a name, found `\{`", "not NMODL: a Jinja template"),
    (r"^expected .*, found `(.*)`$", r"syntax: unexpected `\1`"),
]

ERROR_LINE = re.compile(r"^Error: (.*) \(([^()]*):(\d+):(\d+)\)$")


def classify(message):
    for pattern, label in RULES:
        m = re.search(pattern, message)
        if m:
            return m.expand(label)
    return message


def strip_comments(text):
    text = re.sub(r"(?ms)^\s*COMMENT\b.*?^\s*ENDCOMMENT\b", "", text)
    text = re.sub(r"(?ms)^\s*VERBATIM\b.*?^\s*ENDVERBATIM\b", "", text)
    return re.sub(r"[:?].*", "", text)


def kind_of(text):
    """(SUFFIX, POINT_PROCESS, ARTIFICIAL_CELL or other; the statement that says so)."""
    m = re.search(r"\b(SUFFIX|POINT_PROCESS|ARTIFICIAL_CELL|JUNCTION_PROCESS|VOLTAGE_PROCESS)\b",
                  strip_comments(text))
    if not m:
        return "other", "no SUFFIX or POINT_PROCESS (NEURON names the mechanism after the file)"
    return (m.group(1) if m.group(1) in dict(KINDS) else "other"), m.group(1)


def run(cmd, timeout, cwd=None):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                           errors="replace")
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        return None, "", ""


def check(gradmod, path):
    """(verdict, first error message, every error message) of `gradmod check`."""
    code, out, err = run([gradmod, "check", str(path)], 120)
    errors = [m.group(1) for m in map(ERROR_LINE.match, err.splitlines()) if m]
    if code is None:
        return "timeout", "gradmod check timed out", errors
    if code not in (0, 1) or "panicked" in err:
        return "panic", (err.strip().splitlines() or ["crashed"])[0], errors
    line = out.strip().splitlines()[0] if out.strip() else ""
    if code == 0 and line.startswith("ok"):
        return "accepted", "", errors
    m = re.search(r"error\(s\); first: (.*)$", line)
    return "rejected", m.group(1) if m else line, errors


def compile_one(gradmod, path, timeout):
    start = time.monotonic()
    code, _, err = run([gradmod, "compile", str(path), "-o", os.devnull], timeout)
    seconds = time.monotonic() - start
    if code is None:
        return "timeout", f"did not finish in {timeout} s", seconds
    if code != 0 or "panicked" in err:
        first = next((m.group(1) for m in map(ERROR_LINE.match, err.splitlines()) if m), None)
        if first is None:
            lines = [l for l in err.splitlines() if l.strip()]
            first = lines[0] if lines else f"exit status {code}"
        return ("panic" if "panicked" in err else "failed"), first, seconds
    return "ok", "", seconds


def nocmodl_from_wheel(tmp):
    """NEURON's nocmodl, from the NEURON wheel fetch.sh downloaded, or None."""
    for whl in sorted((HERE / "wheels").glob("neuron-*.whl")):
        with zipfile.ZipFile(whl) as z:
            for name in z.namelist():
                if name.endswith("/bin/nocmodl"):
                    target = pathlib.Path(tmp) / "nocmodl"
                    target.write_bytes(z.read(name))
                    target.chmod(0o755)
                    return str(target), whl.name.split("-")[1]
    return None, None


def nocmodl_accepts(nocmodl, path, tmp):
    work = pathlib.Path(tempfile.mkdtemp(dir=tmp))
    shutil.copy(path, work / path.name)
    code, _, _ = run([nocmodl, path.name], 60, cwd=work)
    shutil.rmtree(work, ignore_errors=True)
    return code == 0


def package_of(name):
    return name.split("__", 1)[0]


def table(header, rows):
    numeric = [all(isinstance(r[i], int) or r[i] == "" for r in rows)
               for i in range(len(header))]
    out = ["| " + " | ".join(header) + " |",
           "| " + " | ".join("---:" if n else "---" for n in numeric) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gradmod", default=shutil.which("gradmod") or "target/debug/gradmod",
                    help="the gradmod binary (default: gradmod on PATH, else target/debug/gradmod)")
    ap.add_argument("--compile", action="store_true", help="also compile every accepted file")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per compile (default 120)")
    ap.add_argument("--nocmodl", action="store_true", help="also run NEURON's nocmodl")
    ap.add_argument("--write", action="store_true",
                    help="write expected.tsv and the generated sections of README.md")
    args = ap.parse_args()

    files = sorted(FILES.glob("*.mod"))
    if not files:
        sys.exit("tests/corpus/files holds no .mod files: run tests/corpus/fetch.sh first")
    gradmod = str(pathlib.Path(args.gradmod).resolve()) if os.sep in args.gradmod else args.gradmod

    tmp = tempfile.mkdtemp(prefix="gradmod-classify-")
    nocmodl, neuron_version = nocmodl_from_wheel(tmp) if args.nocmodl else (None, None)
    if args.nocmodl and not nocmodl:
        print("note: no NEURON wheel in tests/corpus/wheels; nocmodl is not run", file=sys.stderr)

    results = []
    for i, path in enumerate(files):
        text = path.read_text(errors="replace")
        verdict, first, errors = check(gradmod, path)
        kind, statement = kind_of(text)
        r = dict(file=path.name, kind=kind, statement=statement, verdict=verdict, first=first,
                 errors=errors, label=classify(first) if verdict != "accepted" else "")
        if nocmodl:
            r["nocmodl"] = nocmodl_accepts(nocmodl, path, tmp)
        if args.compile and verdict == "accepted":
            r["compile"], r["compile_error"], r["seconds"] = compile_one(gradmod, path,
                                                                         args.timeout)
        results.append(r)
        print(f"[{i + 1}/{len(files)}] {verdict:9} {path.name}"
              + (f"  compile: {r['compile']}" if "compile" in r else ""), file=sys.stderr)
    shutil.rmtree(tmp, ignore_errors=True)

    check_md = check_section(results, bool(nocmodl), neuron_version)
    compile_md = compile_section(results, args.timeout) if args.compile else None
    if args.write:
        lines = ["# Written by tests/corpus/classify.py from `gradmod check` on every corpus "
                 "file; compiler/tests/it/lower_corpus.rs holds the compiler to it.",
                 "# file\tverdict\tfirst error"]
        lines += [f"{r['file']}\t{r['verdict']}\t{r['first']}" for r in results]
        EXPECTED.write_text("\n".join(lines) + "\n")
        readme = README.read_text()
        readme = replace_section(readme, "check", check_md)
        if compile_md is not None:
            readme = replace_section(readme, "compile", compile_md)
        README.write_text(readme)
        print(f"wrote {EXPECTED.relative_to(HERE.parent.parent)} and "
              f"{README.relative_to(HERE.parent.parent)}", file=sys.stderr)
    else:
        print("\n".join(check_md))
        if compile_md is not None:
            print("\n" + "\n".join(compile_md))


def check_section(results, with_nocmodl, neuron_version):
    out = []
    by_kind = collections.Counter(r["kind"] for r in results)
    ok_kind = collections.Counter(r["kind"] for r in results if r["verdict"] == "accepted")
    total_ok = sum(ok_kind.values())
    out.append(f"`gradmod check` accepts **{total_ok} of {len(results)}** corpus files "
               f"({100 * total_ok / len(results):.0f}%):")
    out.append("")
    rows = [[label, by_kind[k], ok_kind[k], by_kind[k] - ok_kind[k]] for k, label in KINDS]
    rows.append(["**all**", len(results), total_ok, len(results) - total_ok])
    header = ["kind", "files", "accepted", "rejected"]
    if with_nocmodl:
        nrn = collections.Counter(r["kind"] for r in results if r["nocmodl"])
        both = collections.Counter(r["kind"] for r in results
                                   if r["nocmodl"] and r["verdict"] != "accepted")
        for row, (k, _) in zip(rows, KINDS):
            row += [nrn[k], both[k]]
        rows[-1] += [sum(nrn.values()), sum(both.values())]
        header += [f"nocmodl {neuron_version} accepts", "rejected by gradmod only"]
    out += table(header, rows)
    out.append("")
    other = collections.Counter(r["statement"] for r in results if r["kind"] == "other")
    if other:
        out.append("`other`: " + "; ".join(f"{s} ({n})" for s, n in sorted(other.items())) + ".")
    if any(r["verdict"] in ("panic", "timeout") for r in results):
        out += ["", "**Crashes or time-outs of `gradmod check`:**", ""]
        out += [f"- `{r['file']}`: {r['verdict']}: {r['first']}" for r in results
                if r["verdict"] in ("panic", "timeout")]

    out += ["", "Rejections by the construct the first error names (a file counts once):", ""]
    rejected = [r for r in results if r["verdict"] != "accepted"]
    groups = collections.defaultdict(list)
    for r in rejected:
        groups[r["label"]].append(r)
    header = ["construct (first error)"] + [label for _, label in KINDS] + ["total"]
    if with_nocmodl:
        header.append("nocmodl rejects too")
    header.append("examples")
    rows = []
    for label, rs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        kinds = collections.Counter(r["kind"] for r in rs)
        row = [label] + [kinds[k] or "" for k, _ in KINDS] + [len(rs)]
        if with_nocmodl:
            row.append(sum(1 for r in rs if not r["nocmodl"]) or "")
        row.append(examples(rs))
        rows.append(row)
    out += table(header, rows)

    out += ["", "Every construct named by any error of a rejected file (a file counts once per "
            "construct; what would have to be supported for the file to be accepted):", ""]
    every = collections.defaultdict(set)
    for r in rejected:
        for e in r["errors"] or [r["first"]]:
            every[classify(e)].add(r["file"])
    rows = [[label, len(fs)] + [examples([{"file": f} for f in sorted(fs)])]
            for label, fs in sorted(every.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    out += table(["construct", "files", "examples"], rows)

    out += ["", "Accepted and rejected files by package:", ""]
    pk = collections.defaultdict(lambda: [0, 0])
    for r in results:
        pk[package_of(r["file"])][r["verdict"] == "accepted"] += 1
    rows = [[p, a + b, b, a] for p, (a, b) in pk.items()]
    out += table(["package", "files", "accepted", "rejected"], rows)
    return out


def examples(rs, n=2):
    names = [f"`{r['file']}`" for r in rs[:n]]
    return ", ".join(names) + (f" (+{len(rs) - n})" if len(rs) > n else "")


def compile_section(results, timeout):
    accepted = [r for r in results if "compile" in r]
    bad = [r for r in accepted if r["compile"] != "ok"]
    out = [f"`gradmod compile FILE -o /dev/null` (the whole pipeline: parse, lower, the passes "
           f"and the Rust back end; {timeout} s per file) on the {len(accepted)} files `check` "
           f"accepts: **{len(accepted) - len(bad)} compile**, {len(bad)} do not.", ""]
    slow = sorted((r for r in accepted if r["compile"] == "ok"), key=lambda r: -r["seconds"])[:5]
    if bad:
        groups = collections.defaultdict(list)
        for r in bad:
            reason = r["compile_error"] if r["compile"] != "timeout" else \
                f"no result within {timeout} s"
            reason = re.sub(r"`[^`]*`", "`…`", reason)
            reason = re.sub(r"^SOLVE \w+\s+", "SOLVE … ", reason)
            groups[(r["compile"], reason)].append(r)
        rows = []
        for (status, reason), rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            rows.append([f"{status}: {reason}", len(rs),
                         ", ".join(f"`{r['file']}`" for r in rs)])
        out += table(["reason", "count", "files"], rows)
    if slow:
        out += ["", "The slowest that compile: " + ", ".join(
            f"`{r['file']}` {r['seconds']:.0f} s" for r in slow) + "."]
    return out


def replace_section(text, name, lines):
    begin, end = f"<!-- classify.py {name}: begin -->", f"<!-- classify.py {name}: end -->"
    body = begin + "\n" + "\n".join(lines) + "\n" + end
    if begin in text and end in text:
        return text[:text.index(begin)] + body + text[text.index(end) + len(end):]
    return text.rstrip("\n") + "\n\n" + body + "\n"


if __name__ == "__main__":
    main()
