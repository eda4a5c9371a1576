#!/usr/bin/env python3
"""NEURON's trace of rk4 (tests/mechanisms/rk4.mod), a DERIVATIVE block solved by METHOD runge
(scopmath's fourth-order Runge-Kutta step), into data/runge/rk4.csv.

A soma of 20 x 20 um (one segment, cm 1, Ra 100) with rk4 only, its defaults, and an IClamp of
0.1 nA at soma(0.5) from 2 to 12 ms; dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
celsius 6.3; 800 steps (20 ms). Columns: v, m, h. Every 4th step is kept: row r is what
Vector.record samples after 4 r fadvance() calls. tests/it/runge.rs runs the same protocol.

Usage: python3 tests/reference/runge.py   (needs `pip install neuron`; compiles the mechanism
with nrnivmodl in a temporary folder, nrnivmodl taken from beside the interpreter when it is not
on PATH)
"""

import pathlib

from neuron_build import run_pulse

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

run_pulse(ROOT / "tests" / "mechanisms" / "rk4.mod", "rk4", ["m", "h"], 0.1,
          HERE / "data" / "runge", "rk4.csv")
print("wrote tests/reference/data/runge/rk4.csv")
