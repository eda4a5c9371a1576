"""Type stubs of gradmod's extension module (the Rust side of the package)."""

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

PathLike = Union[str, "os.PathLike[str]"]

__version__: str

class Error(Exception):
    """Every error gradmod raises."""

class ModError(Error):
    """A .mod file does not compile."""

    errors: List[Tuple[str, int, int, str]]
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]

class ModelError(Error):
    """A model description is wrong."""

    file: str
    line: Optional[int]
    column: Optional[int]
    key: Optional[str]

class SimulationError(Error):
    """A simulation failed."""

class Library:
    """The mechanisms a model can name: the built-in catalogue and .mod files."""

    def __init__(
        self, mods: Sequence[PathLike] = ..., replace_builtins: bool = ..., slope: str = ...
    ) -> None: ...
    def with_mods(self, mods: Sequence[PathLike], replace_builtins: bool = ...) -> Library: ...
    def names(self) -> List[str]: ...
    def listing(self) -> str: ...
    def describe(self, name: str) -> Dict[str, Any]: ...

class Result:
    """What a run recorded."""

    t: Optional[npt.NDArray[np.float64]]
    traces: Optional[npt.NDArray[np.float64]]
    tangents: Optional[npt.NDArray[np.float64]]
    probes: List[str]
    units: List[str]
    parameters: List[str]
    theta: List[float]
    spikes: List[Tuple[str, int, float]]
    cells: Dict[str, Result]
    def trace(self, name: str) -> npt.NDArray[np.float64]: ...
    def tangent(self, name: str) -> npt.NDArray[np.float64]: ...

class Objective:
    """A loss and its exact gradient with respect to log-multipliers x."""

    names: List[str]
    x0: npt.NDArray[np.float64]
    bounds: List[Tuple[float, float]]
    probe: str
    times: npt.NDArray[np.float64]
    def __call__(self, x: Sequence[float]) -> Tuple[float, npt.NDArray[np.float64]]: ...
    def loss(self, x: Sequence[float]) -> float: ...
    def values(self, x: Sequence[float]) -> List[float]: ...
    def adam_fit(self, iterations: int = ..., rate: float = ...) -> FitResult: ...

class FitResult:
    """What an Adam fit did."""

    names: List[str]
    loss: npt.NDArray[np.float64]
    x: npt.NDArray[np.float64]
    best_x: List[float]
    best_loss: float
    values: List[float]

class Model:
    """A model description with the library it is built with and overrides."""

    toml: str
    library: Library
    overrides: Dict[str, float]
    @staticmethod
    def load(path: PathLike, library: Optional[Library] = ...) -> Model: ...
    @staticmethod
    def from_toml(
        text: str,
        base_dir: PathLike = ...,
        name: str = ...,
        library: Optional[Library] = ...,
    ) -> Model: ...
    @staticmethod
    def from_dict(
        description: Dict[str, Any],
        base_dir: PathLike = ...,
        library: Optional[Library] = ...,
    ) -> Model: ...
    def with_library(self, library: Library) -> Model: ...
    def set(self, key: str, value: float) -> None: ...
    def get(self, key: str) -> Any: ...
    def run(
        self,
        tstop: Optional[float] = ...,
        dt: Optional[float] = ...,
        forgetting: Optional[float] = ...,
        set: Optional[Dict[str, float]] = ...,
    ) -> Result: ...
    def run_many(
        self, sets: Sequence[Dict[str, float]], threads: Optional[int] = ...
    ) -> List[Result]: ...
    def objective(
        self,
        target: Sequence[float],
        params: Optional[Sequence[str]] = ...,
        loss: str = ...,
        window: Optional[Tuple[float, float]] = ...,
        probe: Optional[str] = ...,
        start: Optional[Dict[str, float]] = ...,
    ) -> Objective: ...
    def fit(
        self,
        target: Sequence[float],
        params: Optional[Sequence[str]] = ...,
        iterations: int = ...,
        rate: float = ...,
        loss: str = ...,
        window: Optional[Tuple[float, float]] = ...,
        probe: Optional[str] = ...,
        start: Optional[Dict[str, float]] = ...,
    ) -> FitResult: ...
