#!/usr/bin/env bash
# Fetches a corpus of .mod files that nobody on this project wrote: the ones shipped in the PyPI
# distributions listed, each pinned to one version, in tests/corpus/packages.txt. Only the .mod
# files are kept (and any .inc file one of them INCLUDEs), flattened into tests/corpus/files/ as
# <package>__<path with / replaced by _>.mod (the package's name with _ for -); byte-identical
# copies are kept once.
# tests/corpus/files/MANIFEST.md says what was fetched: packages, versions, file counts,
# licences and the duplicates left out. Both wheels/ and files/ are git-ignored.
#
# A package that cannot be downloaded is skipped with a note; the others are still extracted.
#
# Usage: tests/corpus/fetch.sh              (does nothing when files/ already holds the corpus
#                                            of the current packages.txt)
#        tests/corpus/fetch.sh --force      (downloads and extracts again)
#        tests/corpus/fetch.sh --manifest   (also copies the manifest to tests/corpus/MANIFEST.md)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
wheels="$here/wheels"
files="$here/files"
list="$here/packages.txt"
force=0
manifest=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        --manifest) manifest=1 ;;
        *) echo "usage: $0 [--force] [--manifest]" >&2; exit 2 ;;
    esac
done

# files/.packages is a copy of the packages.txt the corpus was extracted from.
if [[ $force == 0 ]] && compgen -G "$files/*.mod" > /dev/null \
    && cmp -s "$list" "$files/.packages"; then
    echo "corpus: $(ls "$files"/*.mod | wc -l) files already in tests/corpus/files (use --force to refetch)"
    if [[ $manifest == 1 ]]; then cp "$files/MANIFEST.md" "$here/MANIFEST.md"; fi
    exit 0
fi

if [[ $force == 1 ]]; then rm -rf "$wheels"; fi
rm -rf "$files"
mkdir -p "$wheels" "$files"

python3 - "$list" "$wheels" "$files" <<'PY'
import concurrent.futures, hashlib, pathlib, re, subprocess, sys, tarfile, zipfile

list_path, wheels, files = map(pathlib.Path, sys.argv[1:])

def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()

packages = []
for line in list_path.read_text().splitlines():
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    spec, dist, python, exclude, licence = line.split(None, 4)
    name, version = spec.split("==")
    excludes = [] if exclude == "-" else exclude.split(",")
    packages.append(dict(spec=spec, name=canon(name), version=version, dist=dist,
                         python=python, excludes=excludes, licence=licence))

def archive_of(p):
    """The downloaded archive of a package, or None."""
    for f in sorted(wheels.iterdir()):
        if f.name.endswith(".whl"):
            name, version = f.name.split("-")[:2]
        elif f.name.endswith((".tar.gz", ".zip")):
            name, _, version = f.name.removesuffix(".tar.gz").removesuffix(".zip").rpartition("-")
        else:
            continue
        if (canon(name), version) == (p["name"], p["version"]) and \
                (p["dist"] == "wheel") == f.name.endswith(".whl"):
            return f
    return None

def download(p):
    if archive_of(p):
        return None
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
           "--disable-pip-version-check", "--dest", str(wheels)]
    if p["dist"] == "wheel":
        cmd += ["--only-binary", ":all:", "--python-version", p["python"],
                "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux2014_x86_64",
                "--platform", "manylinux_2_17_x86_64"]
    else:
        # Only the package itself from source: its build requirements (needed by pip to read
        # the sdist's metadata) come as wheels.
        cmd += ["--no-binary", p["name"]]
    cmd.append(p["spec"])
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return f"note: pip timed out downloading {p['spec']}; skipping it"
    if r.returncode != 0 or not archive_of(p):
        last = (r.stderr.strip().splitlines() or ["no message"])[-1]
        return f"note: could not download {p['spec']} ({last}); skipping it"
    return None

with concurrent.futures.ThreadPoolExecutor(4) as pool:
    for note in pool.map(download, packages):
        if note:
            print(note)

def members(f):
    """(path inside the package, reader) for every file of an archive, sorted by path. An
    sdist's top folder (name-version/) is dropped; a wheel's paths are kept as they are."""
    if f.name.endswith((".whl", ".zip")):
        z = zipfile.ZipFile(f)
        out = [(n, (lambda n=n: z.read(n))) for n in z.namelist() if not n.endswith("/")]
    else:
        t = tarfile.open(f)
        out = [(m.name, (lambda m=m: t.extractfile(m).read()))
               for m in t.getmembers() if m.isfile()]
    if not f.name.endswith(".whl"):
        out = [(n.split("/", 1)[1], r) for n, r in out if "/" in n]
    # A wheel's <name>-<version>.data/ holds files installed beside the package: when they
    # duplicate the package's own files, the package's copy is the one kept.
    return sorted(out, key=lambda x: (bool(re.match(r"[^/]+\.data/", x[0])), x[0]))

include_re = re.compile(rb'^\s*INCLUDE\s+"([^"]+)"', re.M)
seen = {}          # sha256 -> kept flat name
kept_names = {}    # flat name -> sha256
rows, dropped, notes = [], [], []
for p in packages:
    f = archive_of(p)
    if f is None:
        rows.append((p, None, 0, 0))
        continue
    try:
        listed = members(f)
    except Exception as e:  # a damaged archive: skip the package, as if not downloaded
        print(f"note: cannot read {f.name} ({e}); skipping {p['spec']}")
        rows.append((p, None, 0, 0))
        continue
    by_path = dict(listed)
    total = kept = 0
    for path, read in listed:
        if not path.lower().endswith(".mod") or any(path.startswith(x) for x in p["excludes"]):
            continue
        total += 1
        try:
            data = read()
        except Exception as e:
            notes.append(f"{f.name}: cannot read {path} ({e})")
            continue
        digest = hashlib.sha256(data).hexdigest()
        # The package's name with underscores, as in its archives' names: NEURON names a
        # mechanism without SUFFIX after its file, and an identifier has no `-`.
        flat = p["name"].replace("-", "_") + "__" + path.replace("/", "_")
        if digest in seen:
            dropped.append((flat, seen[digest]))
            continue
        if flat in kept_names:
            notes.append(f"{flat}: two different files flatten to this name; the second is left out")
            continue
        seen[digest] = flat
        kept_names[flat] = digest
        (files / flat).write_bytes(data)
        kept += 1
        # INCLUDE "x" is read relative to the including file, so an included file is written
        # beside the flattened .mod under its own relative path.
        for inc in include_re.findall(data):
            inc = inc.decode()
            src = str(pathlib.PurePosixPath(path).parent / inc)
            if src not in by_path or inc.startswith("/") or ".." in inc.split("/"):
                notes.append(f"{flat}: INCLUDE \"{inc}\" not found in {f.name}")
                continue
            target = files / inc
            body = by_path[src]()
            if target.exists() and target.read_bytes() != body:
                notes.append(f"{flat}: INCLUDE \"{inc}\" clashes with another package's file")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
    rows.append((p, f, total, kept))

for n in notes:
    print("note:", n)

fetched = [r for r in rows if r[1] is not None]
out = ["# Corpus manifest", "",
       "Written by `tests/corpus/fetch.sh` from `tests/corpus/packages.txt`. Counts are of `.mod`",
       "files: `in package` is how many the archive holds (less the excluded paths), `kept` how many",
       "went into `files/` after byte-identical copies were dropped (the first copy met is kept,",
       "in the order of packages.txt and then of paths, a wheel's .data/ copies last).", "",
       "| package | version | archive | .mod in package | kept | licence |",
       "| --- | --- | --- | ---: | ---: | --- |"]
for p, f, total, kept in rows:
    archive = f.name if f else "**not downloaded**"
    licence = p["licence"]
    out.append(f"| {p['name']} | {p['version']} | {archive} | {total} | {kept} | {licence} |")
out.append(f"| **total** | | {len(fetched)} of {len(rows)} packages | "
           f"{sum(r[2] for r in rows)} | {sum(r[3] for r in rows)} | |")
out += ["", f"## Byte-identical copies left out ({len(dropped)})", "",
        "| left out | identical to the kept |", "| --- | --- |"]
out += [f"| {a} | {b} |" for a, b in dropped]
if notes:
    out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
(files / "MANIFEST.md").write_text("\n".join(out) + "\n")
# The stamp that makes the next run a no-op is written only when every package is here, so
# that a package missed this time is tried again next time.
if len(fetched) == len(rows):
    (files / ".packages").write_bytes(list_path.read_bytes())
print(f"corpus: {sum(r[3] for r in rows)} distinct .mod files from {len(fetched)} of "
      f"{len(rows)} packages in tests/corpus/files ({len(dropped)} duplicates left out)")
PY

if [[ $manifest == 1 ]]; then cp "$files/MANIFEST.md" "$here/MANIFEST.md"; fi
