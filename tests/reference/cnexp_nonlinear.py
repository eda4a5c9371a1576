#!/usr/bin/env python3
"""NEURON's traces of the SOLVEs that nocmodl runs otherwise than they read, into
data/cnexp_nonlinear/: cnpoly and cnrat (tests/mechanisms/), DERIVATIVE blocks solved by METHOD
cnexp whose equations are not linear in their states (cnpoly's a polynomial in its state:
nocmodl's cnexp step with a = df/dm; cnrat's block with its state in a denominator: nocmodl
solves it by derivimplicit), and solveif, whose SOLVE sits inside an if of BREAKPOINT (nocmodl
runs it every step whatever the condition).

The single-mechanism protocol of neuron_build.run_pulse (a 20 x 20 um soma with the mechanism,
an IClamp of 0.5 nA from 2 to 12 ms, dt 0.025 ms, 800 steps, every 4th kept). Columns: v and the
states. tests/it/cnexp_nonlinear.rs runs the same protocol.

Usage: python3 tests/reference/cnexp_nonlinear.py   (needs `pip install neuron`)
"""

import pathlib

from neuron_build import run_pulse

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = HERE / "data" / "cnexp_nonlinear"

run_pulse(ROOT / "tests" / "mechanisms" / "cnpoly.mod", "cnpoly", ["m"], 0.5, DATA, "cnpoly.csv")
run_pulse(ROOT / "tests" / "mechanisms" / "cnrat.mod", "cnrat", ["m", "h"], 0.5, DATA, "cnrat.csv")
run_pulse(ROOT / "tests" / "mechanisms" / "solveif.mod", "solveif", ["m"], 0.5, DATA, "solveif.csv")
print("wrote tests/reference/data/cnexp_nonlinear/cnpoly.csv, cnrat.csv and solveif.csv")
