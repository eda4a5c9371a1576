#!/usr/bin/env python3
"""NEURON's trace of WhileLoop (tests/mechanisms/whileloop.mod), into data/events/whileloop.csv:
while loops in a FUNCTION (a Taylor series of exp summed until its terms no longer change the
sum, so the number of terms follows v) and in NET_RECEIVE (7/8 of each weight added in halving
steps).

Three connections drive WhileLoop at soma(0.5): weights 0.004, 0.009 and 0.0 (a zero weight:
its loop runs no iteration), their events interleaved. Columns: v, g, nterms (terms of the last
series) and nhalf (halvings of the last event).

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
cm 1, Ra 100, a soma of 20 x 20 um with pas (g 1e-4, e -65); 1200 steps (30 ms). Every 4th step is
kept: row r is what Vector.record samples after 4 r fadvance() calls. The weights and event times
are those of tests/it/while_loops.rs.

Usage: python3 tests/reference/while_loop.py   (needs `pip install neuron`; compiles the
mechanism with nrnivmodl in a temporary folder, nrnivmodl taken from beside the interpreter when
it is not on PATH)
"""
import pathlib

from neuron_build import run_trains

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "events"
ROOT = HERE.parent.parent

TRAINS = [
    (0.004, [1.0, 3.5, 9.25, 17.0]),
    (0.009, [2.0, 4.4, 6.35, 12.9, 21.3]),
    (0.0, [5.0, 7.7, 15.0, 24.6]),
]

run_trains(
    ROOT / "tests" / "mechanisms" / "whileloop.mod",
    "WhileLoop",
    TRAINS,
    fields=["g", "nterms", "nhalf"],
    netcon_args=[],
    data=DATA,
    csv="whileloop.csv",
)
print("wrote tests/reference/data/events/whileloop.csv")
