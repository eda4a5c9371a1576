"""FUNCTION_TABLEs from Python: ``Cell.function_table`` gives a mechanism's tables (NEURON's
``table_f(...)`` from hoc), which equals the model file's ``[[function_table]]``: the run gives
NEURON's trace (tests/reference/function_table.py), and a table left without values is an error
that names it."""

import pathlib

import numpy as np
import pytest

import gradmod

ROOT = pathlib.Path(__file__).resolve().parents[2]
MOD = ROOT / "tests" / "mechanisms" / "ftab.mod"
NEURON = ROOT / "tests" / "reference" / "data" / "function_table" / "ftab.csv"


def cell(tables=("ninf", "ntau", "scale")):
    c = gradmod.Cell()
    c.simulation(tstop=30.0, sample_every=4)
    c.mechanisms(MOD)
    c.section("soma", length=20.0, diameter=20.0)
    c.paint("ftab")
    if "ninf" in tables:
        c.function_table(
            "ftab",
            "ninf",
            x=[-100.0, -80.0, -60.0, -40.0, -20.0, 0.0, 20.0],
            y=[0.0, 0.01, 0.05, 0.3, 0.7, 0.9, 0.97],
        )
    if "ntau" in tables:
        c.function_table(
            "ftab", "ntau", xmin=-90.0, xmax=15.0, y=[1.0, 2.0, 4.0, 5.0, 3.0, 1.5, 1.0, 0.8]
        )
    if "scale" in tables:
        c.function_table("ftab", "scale", value=1.5)
    c.iclamp("soma(0.5)", delay=2.0, dur=18.0, amp=0.3)
    c.probe("v", "soma(0.5)")
    return c


def test_function_tables_give_neurons_trace():
    v = cell().model().run().traces[:, 0]
    neuron = np.loadtxt(NEURON, delimiter=",", skiprows=1)[:, 1]
    assert np.max(np.abs(v - neuron)) < 1e-9


def test_a_missing_table_is_named():
    with pytest.raises(gradmod.Error, match="FUNCTION_TABLE `ntau` of `ftab` has no values"):
        cell(tables=("ninf", "scale")).model().run()
