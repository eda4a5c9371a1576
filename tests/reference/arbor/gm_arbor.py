"""Helpers shared by the Arbor checks: build a catalogue from `gradmod emit arbor`, make
unbranched cable cells of cylinders, and run them with probes of v and of the dv/dθ ion species.

Units follow gradmod's model files: µm, mV, ms, nA, S/cm², µF/cm², Ω·cm.
"""

import ast
import os
import subprocess
import sys

import arbor as A
import numpy as np

U = A.units


def diffusivity(diam_um, ra_ohm_cm, cm_uf_cm2, beta=1.0):
    """The diffusivity (m²/s) that makes Arbor's ion diffusion equal its cable equation on a
    cylinder of diameter `diam_um`: beta * 1e-4 * d / (4 Ra cm), found by diffusivity.py (beta = 1
    is exact to rounding)."""
    return beta * 1e-4 * diam_um / (4.0 * ra_ohm_cm * cm_uf_cm2)


def _recipe_function(name):
    """A function of the script `gradmod emit arbor --model` writes (src/arbor_recipe.py), taken
    from its source so that the checks here and the emitted model share one definition (the script
    itself cannot be imported: it holds the model as a template)."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "src", "arbor_recipe.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    scope = {"np": np}
    exec(compile(ast.Module(body=[node], type_ignores=[]), path, "exec"), scope)
    return scope[name]


# The scales and diffusivities that make Arbor 0.12's diffusion of a dv/dθ species the exact
# solve of the axial tangent equation, (C/dt + G) S' = (C/dt) S, on an unbranched chain of
# cylindrical CVs (docs/arbor.md derives them): returns (pre, post, face_d) per CV, per CV and
# per span between neighbouring CVs' midpoints (m²/s).
cv_scales = _recipe_function("cv_scales")


def build_catalogue(gradmod, files, wrt, workdir, name="gm"):
    """Emits `files` with `gradmod emit arbor` into workdir/mods and builds them into
    workdir/<name>-catalogue.so with arbor-build-catalogue; returns the catalogue's path."""
    mods = os.path.join(workdir, "mods")
    os.makedirs(mods, exist_ok=True)
    cmd = [gradmod, "emit", "arbor", *files, "-o", mods]
    if wrt:
        cmd += ["--wrt", ",".join(wrt)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    subprocess.run(
        [os.path.join(bindir, "arbor-build-catalogue"), name, mods],
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
    )
    return os.path.join(workdir, f"{name}-catalogue.so")


def current_carrying(catalogue_path):
    """The mechanisms of an emitted catalogue that carry a current (they have the probe STATEs
    gm_dv_*, and a correction in DERIVATIVE)."""
    info = A.load_catalogue(catalogue_path)
    return {name for name in info if any(k.startswith("gm_dv_") for k in info[name].state)}


class Cable:
    """An unbranched cable of cylinders [(name, length, diameter, ncv)], each section a region
    named after it, with CV boundaries at every section's end and ncv equal CVs in each."""

    def __init__(self, sections):
        self.sections = sections
        tree = A.segment_tree()
        parent = A.mnpos
        x = 0.0
        for tag, (_, length, diam, _) in enumerate(sections, start=1):
            r = diam / 2
            parent = tree.append(parent, A.mpoint(x, 0, 0, r), A.mpoint(x + length, 0, 0, r), tag=tag)
            x += length
        self.length = x
        self.morph = A.morphology(tree)
        self.labels = A.label_dict({name: f"(tag {tag})" for tag, (name, *_rest) in enumerate(sections, start=1)})
        # CV boundaries: every section's end and its ncv - 1 interior points.
        cuts = []
        x = 0.0
        for i, (_, length, _, ncv) in enumerate(sections):
            for k in range(1, ncv):
                cuts.append((x + length * k / ncv) / self.length)
            x += length
            if i + 1 < len(sections):
                cuts.append(x / self.length)
        self.cuts = cuts
        self.policy = A.cv_policy_explicit("(join " + " ".join(f"(location 0 {c!r})" for c in cuts) + ")") if cuts else A.cv_policy_single()

    def cvs(self):
        """Per CV: (section name, length, diameter, proximal and distal position on the branch)."""
        out, x = [], 0.0
        for name, length, diam, ncv in self.sections:
            for k in range(ncv):
                a, b = x + length * k / ncv, x + length * (k + 1) / ncv
                out.append((name, length / ncv, diam, a / self.length, b / self.length))
            x += length
        return out

    def paint_gradient(self, dec, ions, mechs, ra, cm, dt, carrying=None):
        """Paints the dv/dθ species' diffusivities and the emitted density mechanisms `mechs`
        [(region name or None for all, mechanism, parameters)] per CV with the scales of
        cv_scales (gm_cm, gm_pre, gm_post, and gm_axial = 1 on the first mechanism of
        the CV that carries a current: the names in `carrying`, every one if None; that one
        applies the scales and the axial correction). Returns the per-CV scales (pre, post)."""
        cvs = self.cvs()
        pre, post, face_d = cv_scales([c[1] for c in cvs], [c[2] for c in cvs], ra, cm, dt)
        mids = [(c[3] + c[4]) / 2 for c in cvs]
        for ion in ions:
            dec.set_ion(ion, int_con=0 * U.mM, diff=(face_d[0] if len(face_d) else 1e-9) * U.m2 / U.s)
            for k, dk in enumerate(face_d):
                dec.paint(f"(cable 0 {mids[k]!r} {mids[k + 1]!r})", ion=ion, diff=dk * U.m2 / U.s)
        for i, (sec, _h, _d, a, b) in enumerate(cvs):
            here = [(mech, p) for region, mech, p in mechs if region in (None, sec)]
            axial = next((mech for mech, _ in here if carrying is None or mech in carrying), None)
            for mech, params in here:
                p = dict(params, gm_cm=cm, gm_pre=pre[i], gm_post=post[i], gm_axial=float(mech == axial))
                dec.paint(f"(cable 0 {a!r} {b!r})", A.density(f"gm::{mech}", p))
        return pre, post

    def cv_of(self, section, pos):
        """The index of the CV holding section(pos)."""
        x = float(self.loc(section, pos).split()[-1].rstrip(")"))
        for i, c in enumerate(self.cvs()):
            if c[3] <= x <= c[4]:
                return i
        raise KeyError((section, pos))

    def loc(self, section, pos):
        """The morphology location `section(pos)` as an Arbor locset expression."""
        x = 0.0
        for name, length, _, _ in self.sections:
            if name == section:
                return f"(location 0 {(x + pos * length) / self.length!r})"
            x += length
        raise KeyError(section)


class Recipe(A.recipe):
    """`n` copies of one cable cell (no connections unless given), with the cable's global
    properties and a catalogue."""

    def __init__(self, cells, props, probes, connections=None, generators=None):
        A.recipe.__init__(self)
        self.cells = cells
        self.props = props
        self._probes = probes
        self._conns = connections or {}
        self._gens = generators or {}

    def num_cells(self):
        return len(self.cells)

    def cell_kind(self, gid):
        return A.cell_kind.cable

    def cell_description(self, gid):
        return self.cells[gid]

    def probes(self, gid):
        return self._probes(gid)

    def global_properties(self, kind):
        return self.props

    def connections_on(self, gid):
        return self._conns.get(gid, [])

    def event_generators(self, gid):
        return self._gens.get(gid, [])


def properties(catalogue_path, ions, dt_ms=0.025):
    """Cable properties with NEURON's defaults, the gradmod catalogue under the prefix `gm::`,
    and the dv/dθ species `ions` declared (valence 1, zero concentrations)."""
    props = A.neuron_cable_properties()
    if catalogue_path:
        props.catalogue.extend(A.load_catalogue(catalogue_path), "gm::")
    # The IO channels' calcium species.
    props.set_ion("cal", valence=2, int_con=3.7152e-4 * U.mM, ext_con=2.0 * U.mM, rev_pot=120 * U.mV)
    for ion in ions:
        props.set_ion(ion, valence=1, int_con=0 * U.mM, ext_con=0 * U.mM, rev_pot=0 * U.mV)
    return props


def run(recipe, tstop, dt, handles, threads=1):
    """Runs `recipe` and returns {key: array (T, 1 + values)} for each (key, gid, tag) in handles."""
    ctx = A.context(threads=threads)
    dd = A.partition_load_balance(recipe, ctx)
    sim = A.simulation(recipe, ctx, dd)
    hs = {key: sim.sample((gid, tag), A.regular_schedule(dt * U.ms)) for key, gid, tag in handles}
    sim.run(tstop * U.ms, dt * U.ms)
    out = {}
    for key, h in hs.items():
        data, _meta = sim.samples(h)[0]
        out[key] = np.asarray(data)
    return out


def rel_err(a, b):
    """max |a - b| / max |b|."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))
