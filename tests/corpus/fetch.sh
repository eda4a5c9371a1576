#!/usr/bin/env bash
# Fetches a corpus of .mod files that nobody on this project wrote: the ones shipped in the
# PyPI wheels of NEURON and of BlueBrain's NMODL. Only the .mod files are kept, flattened into
# tests/corpus/files/ as <package>__<path with / replaced by _>.mod. Both folders are git-ignored.
#
# Usage: tests/corpus/fetch.sh            (does nothing when files are already present)
#        tests/corpus/fetch.sh --force    (downloads again)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
wheels="$here/wheels"
files="$here/files"

if [[ "${1:-}" != "--force" ]] && compgen -G "$files/*.mod" > /dev/null; then
    echo "corpus: $(ls "$files"/*.mod | wc -l) files already in tests/corpus/files (use --force to refetch)"
    exit 0
fi

mkdir -p "$wheels" "$files"
pip=(python3 -m pip download --no-deps --only-binary :all: --python-version 3.11
     --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64
     --dest "$wheels" --quiet)

if ! compgen -G "$wheels/neuron-*.whl" > /dev/null; then
    "${pip[@]}" neuron
fi
if ! compgen -G "$wheels/NMODL-0.5*.whl" > /dev/null && ! compgen -G "$wheels/nmodl-0.5*.whl" > /dev/null; then
    "${pip[@]}" "NMODL==0.5" || "${pip[@]}" "nmodl==0.5.*"
fi

# Extract the .mod members of every wheel with Python's zipfile (no unzip needed).
python3 - "$wheels" "$files" <<'PY'
import pathlib, sys, zipfile
wheels, files = map(pathlib.Path, sys.argv[1:])
count = 0
for whl in sorted(wheels.glob("*.whl")):
    package = whl.name.split("-")[0].lower()
    with zipfile.ZipFile(whl) as z:
        for member in z.namelist():
            if member.endswith(".mod"):
                flat = package + "__" + member.replace("/", "_")
                (files / flat).write_bytes(z.read(member))
                count += 1
print(f"corpus: extracted {count} .mod files into tests/corpus/files")
PY
