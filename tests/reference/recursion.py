#!/usr/bin/env python3
"""NEURON's trace of recur (tests/mechanisms/recur.mod), a gate whose steady state a FUNCTION
sums by calling itself, into data/recursion/recur.csv.

A soma of 20 x 20 um (one segment, cm 1, Ra 100) with recur only, its defaults, and an IClamp
of 0.5 nA at soma(0.5) from 2 to 12 ms; dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3; 800 steps (20 ms). Columns: v, m, s (the series), c (the PROCEDURE's count). Every
4th step is kept: row r is what Vector.record samples after 4 r fadvance() calls.
tests/it/recursion.rs runs the same protocol.

Usage: python3 tests/reference/recursion.py   (needs `pip install neuron`; compiles the
mechanism with nrnivmodl in a temporary folder)
"""

import pathlib

from neuron_build import run_pulse

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

run_pulse(ROOT / "tests" / "mechanisms" / "recur.mod", "recur", ["m", "s", "c"], 0.5,
          HERE / "data" / "recursion", "recur.csv")
print("wrote tests/reference/data/recursion/recur.csv")
