"""Building model descriptions in Python.

``Cell`` and ``Network`` collect the same description a model file holds (the schema of
models/README.md), as a dict, and turn it into a ``gradmod.Model``; the model is then read,
checked and built exactly as a file would be, so errors name the key at fault
(``mechanism[0].name``). Paths (an SWC file, folders of .mod files) are made absolute when they
are given, relative to the current directory.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any, Dict, Iterable, List, Optional, Union

from ._core import Library, Model

PathLike = Union[str, "os.PathLike[str]"]


def _drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class Cell:
    """A cell built in Python: morphology, regions, mechanisms, stimuli, probes and the
    parameters to differentiate.

    >>> cell = Cell()
    >>> cell.section("soma", length=20, diameter=20)
    >>> cell.paint("hh")
    >>> cell.iclamp("soma(0.5)", delay=10, dur=1, amp=0.5)
    >>> cell.probe("v_soma", "soma(0.5)")
    >>> cell.parameter("hh.gnabar")
    >>> result = cell.model().run(tstop=50)
    """

    def __init__(self, swc: Optional[PathLike] = None) -> None:
        self._d: Dict[str, Any] = {}
        if swc is not None:
            self._d["morphology"] = {"swc": os.path.abspath(os.fspath(swc))}

    def _append(self, key: str, entry: Dict[str, Any]) -> "Cell":
        self._d.setdefault(key, []).append(_drop_none(entry))
        return self

    def simulation(self, **keys: float) -> "Cell":
        """Sets [simulation] keys: tstop, dt, celsius, v_init, sample_every, forgetting."""
        self._d.setdefault("simulation", {}).update(keys)
        return self

    def mechanisms(self, *paths: PathLike, replace_builtins: bool = False) -> "Cell":
        """Names .mod files and folders whose mechanisms the cell uses ([mechanisms])."""
        table = self._d.setdefault("mechanisms", {"paths": []})
        table["paths"].extend(os.path.abspath(os.fspath(p)) for p in paths)
        if replace_builtins:
            table["replace_builtins"] = True
        return self

    def section(
        self,
        name: str,
        length: Optional[float] = None,
        diameter: Optional[float] = None,
        parent: Optional[str] = None,
        at: Optional[float] = None,
        nseg: Optional[int] = None,
        tag: Optional[int] = None,
        diameter_end: Optional[float] = None,
        points: Optional[Iterable[Iterable[float]]] = None,
    ) -> "Cell":
        """Adds a section (a cylinder, a frustum with ``diameter_end``, or 3-D ``points``
        [x, y, z, diameter]), attached at ``at`` of ``parent``."""
        return self._append(
            "section",
            {
                "name": name,
                "length": length,
                "diameter": diameter,
                "diameter_end": diameter_end,
                "parent": parent,
                "at": at,
                "nseg": nseg,
                "tag": tag,
                "points": None if points is None else [list(p) for p in points],
            },
        )

    def discretization(self, **rule: Any) -> "Cell":
        """Sets the rule for nseg: nseg=, max_length=, d_lambda= or per_swc_segment=True."""
        self._d["discretization"] = rule
        return self

    def cable(self, cm: Optional[float] = None, Ra: Optional[float] = None) -> "Cell":
        """Sets the membrane capacitance (µF/cm²) and axial resistivity (Ω·cm)."""
        self._d.setdefault("cable", {}).update(_drop_none({"cm": cm, "Ra": Ra}))
        return self

    def region(self, name: str, **definition: Any) -> "Cell":
        """Names a region: tag=, tags=[...], sections=[...], distance=[lo, hi] (from_=location),
        union=[...] or intersection=[...]."""
        if "from_" in definition:
            definition["from"] = definition.pop("from_")
        self._d.setdefault("regions", {})[name] = definition
        return self

    def paint(self, mechanism: str, region: str = "all", **parameters: float) -> "Cell":
        """Inserts a density mechanism on a region, with parameter values."""
        return self._append(
            "mechanism",
            {"name": mechanism, "region": region, "parameters": parameters or None},
        )

    def place(
        self,
        mechanism: str,
        at: str,
        label: Optional[str] = None,
        events: Optional[Iterable[Any]] = None,
        netcons: Optional[Iterable[Any]] = None,
        **parameters: float,
    ) -> "Cell":
        """Places a point process at a location (``dend(0.3)``), with parameter values and
        events: (time, weight) pairs delivered to its NET_RECEIVE, each through a connection of
        its own; and connections (NetCons), each one connection whose values NET_RECEIVE keeps
        (its arguments after the weight) across its events: a (weight, times) pair, or a dict
        with the keys of a model file's ``netcons`` entry: ``weight``, and optionally ``times``
        (ms), ``from_`` (or ``from``: a detector or the label of a point process of this cell
        whose spikes it delivers), ``delay`` (ms after each spike, default 1) and ``name``."""
        ev = None
        if events is not None:
            ev = [{"time": t, "weight": w} for t, w in events]
        ncs = None
        if netcons is not None:
            ncs = [_netcon(i, nc) for i, nc in enumerate(netcons)]
        return self._append(
            "point_process",
            {
                "name": mechanism,
                "at": at,
                "label": label,
                "events": ev,
                "netcons": ncs,
                "parameters": parameters or None,
            },
        )

    def vector(self, point_process: str, values: Iterable[float]) -> "Cell":
        """Gives the point process labelled ``point_process`` its vector, for a mechanism that
        reads one: the spike times of a VecStim (NEURON's ``vs.play(vec)``)."""
        return self._append(
            "vector", {"point_process": point_process, "values": [float(x) for x in values]}
        )

    def function_table(
        self,
        mechanism: str,
        name: str,
        value: Optional[float] = None,
        x: Optional[Iterable[float]] = None,
        y: Optional[Iterable[float]] = None,
        xmin: Optional[float] = None,
        xmax: Optional[float] = None,
    ) -> "Cell":
        """Gives the FUNCTION_TABLE ``name`` of ``mechanism`` its values, as NEURON's hoc
        ``table_name_mech(...)`` does: a constant ``value``, values ``y`` at increasing abscissae
        ``x``, or values ``y`` at abscissae equally spaced from ``xmin`` to ``xmax``."""
        floats = lambda v: None if v is None else [float(e) for e in v]  # noqa: E731
        return self._append(
            "function_table",
            {
                "mechanism": mechanism,
                "name": name,
                "value": value,
                "x": floats(x),
                "y": floats(y),
                "xmin": xmin,
                "xmax": xmax,
            },
        )

    def iclamp(
        self, at: str, delay: float, dur: float, amp: float, name: Optional[str] = None
    ) -> "Cell":
        """Adds a current clamp: ``amp`` nA from ``delay`` for ``dur`` ms."""
        return self._append(
            "iclamp", {"name": name, "at": at, "delay": delay, "dur": dur, "amp": amp}
        )

    def probe(
        self,
        name: str,
        at: str,
        variable: str = "v",
        tangents: Optional[bool] = None,
    ) -> "Cell":
        """Records ``variable`` (v, MECH.FIELD, ion.NAME.VAR) at a location."""
        return self._append(
            "probe", {"name": name, "at": at, "variable": variable, "tangents": tangents}
        )

    def parameter(
        self,
        target: str,
        regions: Optional[List[str]] = None,
        log: Optional[bool] = None,
        name: Optional[str] = None,
        bounds: Optional[Iterable[float]] = None,
    ) -> "Cell":
        """Differentiates a parameter θ: MECH.PARAM (tied over ``regions``), cm, Ra or
        CLAMP.amp."""
        return self._append(
            "parameter",
            {
                "target": target,
                "regions": regions,
                "log": log,
                "name": name,
                "bounds": None if bounds is None else list(bounds),
            },
        )

    def detector(self, name: str, at: str, threshold: Optional[float] = None) -> "Cell":
        """Adds a spike detector (a source of network connections)."""
        return self._append(
            "detector", {"name": name, "at": at, "threshold": threshold}
        )

    def description(self) -> Dict[str, Any]:
        """The model description: a dict with the schema of a model file."""
        return self._d

    def model(self, library: Optional[Library] = None) -> Model:
        """The ``gradmod.Model`` of this cell (checked for syntax now, built at each run)."""
        return Model.from_dict(self._d, base_dir=os.getcwd(), library=library)


class Network:
    """A network of cells, each a ``Cell`` or a model file, with connections and gap
    junctions.

    >>> net = Network(tstop=50)
    >>> net.cell("pre", pre_cell)
    >>> net.cell("post", "post.toml", set={"IClamp.amp": 0})
    >>> net.connect("pre.spike", "post.syn", weight=0.01, delay=1)
    >>> result = net.model().run()
    """

    def __init__(self, **simulation: float) -> None:
        self._d: Dict[str, Any] = {"simulation": dict(simulation)} if simulation else {}
        self._files: Dict[str, str] = {}
        self._dir: Optional[str] = None

    def _cell_file(self, name: str, cell: Cell) -> str:
        # A network names its cells' model files: a cell built in Python is written to one.
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="gradmod-network-")
            atexit.register(shutil.rmtree, self._dir, True)
        path = os.path.join(self._dir, f"{name}.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(cell.model().toml)
        return path

    def cell(
        self,
        name: str,
        cell: Union[Cell, PathLike],
        set: Optional[Dict[str, float]] = None,
    ) -> "Network":
        """Adds a cell: a ``Cell`` or the path of a model file, with overrides for it alone."""
        if isinstance(cell, Cell):
            path = self._cell_file(name, cell)
        else:
            path = os.path.abspath(os.fspath(cell))
        entry: Dict[str, Any] = {"name": name, "model": path}
        if set:
            entry["set"] = dict(set)
        self._d.setdefault("cell", []).append(entry)
        return self

    def connect(
        self, source: str, target: str, weight: float, delay: float
    ) -> "Network":
        """Connects a detector (CELL.DETECTOR) to a point process (CELL.LABEL)."""
        self._d.setdefault("connection", []).append(
            {"from": source, "to": target, "weight": weight, "delay": delay}
        )
        return self

    def gap_junction(self, a: str, b: str, g: float) -> "Network":
        """Joins two locations (CELL.LOCATION) by a conductance ``g`` (µS)."""
        self._d.setdefault("gap_junction", []).append({"a": a, "b": b, "g": g})
        return self

    def description(self) -> Dict[str, Any]:
        """The network's model description: a dict with the schema of a network file."""
        return self._d

    def model(self, library: Optional[Library] = None) -> Model:
        """The ``gradmod.Model`` of this network."""
        return Model.from_dict(self._d, base_dir=os.getcwd(), library=library)


def _netcon(i: int, nc: Any) -> dict:
    """One entry of ``place(netcons=...)`` as the model file's ``netcons`` entry: a (weight,
    times) pair, or a dict of its keys (``from_`` for ``from``), which the model's schema then
    checks as it checks a model file (unknown keys, a delay without a source, a source that is
    not a detector or point process of the cell)."""
    if not isinstance(nc, dict):
        weight, times = nc
        return {"weight": weight, "times": list(times)}
    out = dict(nc)
    if "from_" in out:
        if "from" in out:
            raise ValueError(f"netcons[{i}]: the source is given twice (from and from_)")
        out["from"] = out.pop("from_")
    if "times" in out:
        out["times"] = list(out["times"])
    return out
