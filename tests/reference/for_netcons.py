#!/usr/bin/env python3
"""NEURON's trace of ForNetcons (tests/mechanisms/fornetcons.mod), into
data/events/fornetcons.csv: a self-event every 6 ms runs a FOR_NETCONS loop that raises the
potentiation A of every connection onto the synapse by how recently that connection fired.

Three connections drive ForNetcons at soma(0.5): weights 0.002, 0.004 and 0.003 uS, their events
interleaved (TRAINS below). Columns: v, g, tlast (the time of the last loop), and per connection
J its values A and tpre (ncJ_A, ncJ_tpre), recorded from the NetCon's weight vector.

Settings as in the other reference data: dt 0.025 ms, finitialize(-65), fixed step, secondorder 0,
cm 1, Ra 100, a soma of 20 x 20 um with pas (g 1e-4, e -65); 1200 steps (30 ms). Every 4th step is
kept: row r is what Vector.record samples after 4 r fadvance() calls. The weights and event times are those of
tests/it/for_netcons.rs.

Usage: python3 tests/reference/for_netcons.py   (needs `pip install neuron`; compiles the
mechanism with nrnivmodl in a temporary folder, nrnivmodl taken from beside the interpreter when
it is not on PATH)
"""
import pathlib

from neuron_build import run_trains

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data" / "events"
ROOT = HERE.parent.parent

TRAINS = [
    (0.002, [1.0, 3.5, 9.25, 17.0, 23.3]),
    (0.004, [2.0, 4.4, 11.35, 12.9, 21.3]),
    (0.003, [5.0, 7.7, 15.0, 24.6]),
]

run_trains(
    ROOT / "tests" / "mechanisms" / "fornetcons.mod",
    "ForNetcons",
    TRAINS,
    fields=["g", "tlast"],
    netcon_args=["A", "tpre"],
    data=DATA,
    csv="fornetcons.csv",
)
print("wrote tests/reference/data/events/fornetcons.csv")
