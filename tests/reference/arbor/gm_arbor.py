"""Helpers shared by the Arbor checks: build a catalogue from `gradmod emit arbor`, make
unbranched cable cells of cylinders, and run them with probes of v and of the dv/dθ ion species.

Units follow gradmod's model files: µm, mV, ms, nA, S/cm², µF/cm², Ω·cm.
"""

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


def cv_scales(lengths, diams, ra, cm, dt):
    """The scales and diffusivities that make Arbor 0.12's diffusion of a dv/dθ species the exact
    solve of the axial tangent equation, (C/dt + G) S' = (C/dt) S, on an unbranched chain of
    cylindrical CVs (lengths and diameters in µm, Ra in Ω·cm, cm in µF/cm², dt in ms).

    Arbor solves (W + K) X' = W X with W_i = V_i/dt (V_i the CV's volume, µm³) and the face
    coefficient k = 1e10 · L / ∫ dx / (D A) between the midpoints of neighbouring CVs (L their
    distance, A the cross-section, D in m²/s; measured, docs/arbor.md). With the species holding
    X = pre · S and S' = post · X', the solve is the cable's exactly when
    k_ij = u_i u_j g_ij, pre_i = sqrt(u_i² κ) / ρ_i, post_i = u_i / sqrt(κ) and
    W_i (1 - u_i² / ρ_i) = u_i Σ_j g_ij (u_i - u_j), where g_ij is the cable's face conductance
    (µS), ρ_i = W_i / c_i the CV's volume over its capacitance (c_i = C_i/dt in µS), κ the ρ of
    the thinnest CV (pre = post = 1 on a uniform cable). u comes from Newton's method (starting
    at u = sqrt(ρ)), the diffusivity of each span between two midpoints from k.

    Returns (pre, post, face_d): per CV, per CV, per face (m²/s, the span from the midpoint of
    CV i to that of CV i + 1)."""
    h, d = np.asarray(lengths, float), np.asarray(diams, float)
    n = len(h)
    xs = np.pi * d**2 / 4
    area = np.pi * d * h
    w = area * d / 4 / dt
    c = area * cm * 1e-5 / dt
    rho = w / c
    half = (h / 2) / xs
    g = 100.0 / (ra * (half[:-1] + half[1:]))
    u = np.sqrt(rho)
    for _ in range(100):
        f = w * (1 - u**2 / rho)
        jac = np.diag(-2 * w * u / rho)
        for k in range(n - 1):
            i, j = k, k + 1
            f[i] -= u[i] * g[k] * (u[i] - u[j])
            f[j] -= u[j] * g[k] * (u[j] - u[i])
            jac[i, i] -= g[k] * (2 * u[i] - u[j])
            jac[i, j] += g[k] * u[i]
            jac[j, j] -= g[k] * (2 * u[j] - u[i])
            jac[j, i] += g[k] * u[j]
        du = np.linalg.solve(jac, -f) if n > 1 or jac[0, 0] != 0 else np.zeros(n)
        u = u + du
        if np.max(np.abs(du / u)) < 1e-15:
            break
    if np.any(u <= 0):
        raise ValueError("no positive scales for this chain of CVs")
    kappa = rho[np.argmin(d)]
    pre = np.sqrt(u**2 * kappa) / rho
    post = u / np.sqrt(kappa)
    dist = (h[:-1] + h[1:]) / 2
    face_d = u[:-1] * u[1:] * g * (half[:-1] + half[1:]) / (1e10 * dist)
    return pre, post, face_d


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
        cv_scales (gm_dt, gm_cm, gm_pre, gm_post, and gm_axial = 1 on the first mechanism of
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
                p = dict(params, gm_dt=dt, gm_cm=cm, gm_pre=pre[i], gm_post=post[i], gm_axial=float(mech == axial))
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
