#!/usr/bin/env python3
"""NEURON's trace of EarlyExit (tests/mechanisms/earlyexit.mod), into data/events/earlyexit.csv:
`return` written in VERBATIM as an early exit from NET_RECEIVE (events whose weight is under
wmin only count), from a FUNCTION with a value (weights above wcap are not scaled) and from a
PROCEDURE (only the first three events add half their weight again).

Three connections drive EarlyExit at soma(0.5): weight 0.003 (under wmin), 0.006 and 0.01
(above wcap), their events interleaved. Columns: v, g, n (events received) and last (the time of
the last event that was not cut short).

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
cm 1, Ra 100, a soma of 20 x 20 um with pas (g 1e-4, e -65); 1200 steps (30 ms). Every 4th step is
kept: row r is what Vector.record samples after 4 r fadvance() calls. The weights and event times
are those of tests/it/early_return.rs.

Usage: python3 tests/reference/early_return.py   (needs `pip install neuron`; compiles the
mechanism with nrnivmodl in a temporary folder, nrnivmodl taken from beside the interpreter when
it is not on PATH)
"""
import pathlib

from neuron_build import run_trains

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "events"
ROOT = HERE.parent.parent

TRAINS = [
    (0.003, [1.0, 3.5, 9.25, 17.0]),
    (0.006, [2.0, 4.4, 6.35, 12.9, 21.3]),
    (0.01, [5.0, 7.7, 15.0, 24.6]),
]

run_trains(
    ROOT / "tests" / "mechanisms" / "earlyexit.mod",
    "EarlyExit",
    TRAINS,
    fields=["g", "n", "last"],
    netcon_args=[],
    data=DATA,
    csv="earlyexit.csv",
)
print("wrote tests/reference/data/events/earlyexit.csv")
