"""Fitting gnabar and gkbar of model A with scipy's L-BFGS-B and gradmod's exact gradients.

The target is model A's soma voltage over 20 ms; the fit starts 20 % off (gnabar x 1.2, gkbar x
0.8) and recovers both. Each call of the objective is one simulation with tangents.

    python python/examples/scipy_fit.py
"""

import pathlib

import numpy as np
import scipy.optimize

import gradmod

ROOT = pathlib.Path(__file__).resolve().parents[2]

model = gradmod.Model.load(ROOT / "models" / "A_hh_axon.toml")
model.set("tstop", 20.0)
target = model.run().traces[:, 0]

objective = model.objective(
    target,
    params=["hh.gnabar", "hh.gkbar"],
    start={"hh.gnabar": 1.2, "hh.gkbar": 0.8},
)
calls = []


def tracked(x):
    loss, grad = objective(x)
    calls.append(loss)
    return loss, grad


result = scipy.optimize.minimize(
    tracked, objective.x0, jac=True, method="L-BFGS-B", bounds=objective.bounds
)
values = objective.values(result.x)
print(f"{len(calls)} simulations, final loss {result.fun:.3e} mV²")
for name, value, true in zip(objective.names, values, (0.12, 0.036)):
    print(f"  {name}: {value:.6g} (true {true}, relative error {abs(value / true - 1):.1e})")
assert np.allclose(values, (0.12, 0.036), rtol=1e-3)
