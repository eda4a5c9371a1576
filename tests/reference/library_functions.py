#!/usr/bin/env python3
"""NEURON's trace of ghkerf (tests/mechanisms/ghkerf.mod), a gate driven by erf, erfc and
NEURON's nrn_ghk, into data/library_functions/ghkerf.csv.

A soma of 20 x 20 um (one segment, cm 1, Ra 100) with ghkerf only, its defaults, the calcium
ion's default concentrations, and an IClamp of 0.5 nA at soma(0.5) from 2 to 12 ms; dt 0.025 ms,
finitialize(-65), fixed step, secondorder 0, celsius 6.3; 800 steps (20 ms). Columns: v, m, gk
(nrn_ghk itself), tau. Every 4th step is kept: row r is what Vector.record samples after 4 r
fadvance() calls. tests/it/library_functions.rs runs the same protocol.

Usage: python3 tests/reference/library_functions.py   (needs `pip install neuron`; compiles the
mechanism with nrnivmodl in a temporary folder)
"""

import pathlib

from neuron_build import run_pulse

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

run_pulse(ROOT / "tests" / "mechanisms" / "ghkerf.mod", "ghkerf", ["m", "gk", "tau"], 0.5,
          HERE / "data" / "library_functions", "ghkerf.csv")
print("wrote tests/reference/data/library_functions/ghkerf.csv")
