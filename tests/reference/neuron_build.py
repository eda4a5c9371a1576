"""Shared by the reference scripts that compile their own mechanisms: build `.mod` files with
NEURON's nrnivmodl in a temporary folder and run a script (the child) in a fresh interpreter that
loads them, so that NEURON's built-in mechanisms and the test's never share a process.

nrnivmodl is taken from PATH, else from beside the interpreter (a virtual environment with
`pip install neuron`)."""

import pathlib
import shutil
import subprocess
import sys
import tempfile


def build_and_run(mods, child, data, *args):
    """Compiles the files `mods` and runs the Python text `child` with the arguments: the built
    library, the folder `data` (made if missing), then `args`."""
    nrnivmodl = shutil.which("nrnivmodl") or str(pathlib.Path(sys.executable).parent / "nrnivmodl")
    with tempfile.TemporaryDirectory() as tmp:
        for mod in mods:
            shutil.copy(mod, tmp)
        subprocess.run([nrnivmodl, "."], cwd=tmp, check=True, capture_output=True)
        lib = next(pathlib.Path(tmp).glob("x86_64/.libs/libnrnmech.so"), None) or next(
            pathlib.Path(tmp).glob("x86_64/libnrnmech*.so")
        )
        pathlib.Path(data).mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", child, str(lib), str(data), *args], check=True)
