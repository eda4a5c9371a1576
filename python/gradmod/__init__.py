"""gradmod: NEURON-style NMODL mechanisms in a cable simulator with exact parameter gradients.

One simulation gives the membrane voltage and its exact derivatives dV/dθ with respect to the
mechanisms' parameters (forward sensitivities, "gradient diffusion"), as numpy arrays.

Mechanisms: ``Library()`` is the built-in catalogue; ``Library(mods=["mods/"])`` adds your own
.mod files, compiled when the library is made (no compiler step to run).

Models: ``Model.load("model.toml")`` reads a model file (the schema of models/README.md);
``Cell`` and ``Network`` build the same description in Python.

Runs: ``model.run()`` returns a ``Result`` with ``t`` (T,), ``traces`` (T, P) and ``tangents``
(T, P, K). ``model.objective(target)`` is a loss with its exact gradient for
``scipy.optimize.minimize(..., jac=True)``; ``model.fit(target)`` runs gradmod's Adam;
``model.run_many(sets)`` runs parameter sets in parallel threads.

Errors raise ``gradmod.Error`` or one of its subclasses: ``ModError`` (a .mod file that does not
compile, with file, line and column), ``ModelError`` (a bad model description, with file, line,
column and key) and ``SimulationError``.
"""

from ._core import (
    Error,
    FitResult,
    Library,
    ModError,
    Model,
    ModelError,
    Objective,
    Result,
    SimulationError,
    __version__,
)
from .builder import Cell, Network

__all__ = [
    "Cell",
    "Error",
    "FitResult",
    "Library",
    "ModError",
    "Model",
    "ModelError",
    "Network",
    "Objective",
    "Result",
    "SimulationError",
    "__version__",
]
