#!/usr/bin/env python3
"""Check that NEURON's fixed-step scheme is the one described in docs/NEURON_SCHEME.md.

Re-implements one NEURON time step in NumPy (staggered backward Euler: currents and the
0.001 mV finite-difference conductance at (v_k, states_k), a linear solve for v_{k+1} over the
whole node tree including NEURON's zero-area section-end nodes, then cnexp states at v_{k+1})
and compares with NEURON on:
  1. one compartment (soma L 20 diam 20, nseg 1) with pas,
  2. the same with hh and a spike (IClamp 0.5 nA 10-11 ms),
  3. model A (soma + 10-segment axon, hh, IClamp 0.5 nA 10-11 ms).
Areas and axial resistances are taken from NEURON (seg.area(), seg.ri()).

Usage: python3 tests/reference/scheme_check.py   (needs neuron, numpy)
"""
import math

import numpy as np
from neuron import h

DT, TSTOP, V_INIT, CELSIUS = 0.025, 100.0, -65.0, 6.3
h.load_file("stdrun.hoc")


# ------------------------------------------------------------ hh.mod, usetable_hh = 0
def vtrap(x, y):
    out = np.empty_like(x)
    small = np.abs(x / y) < 1e-6
    out[small] = y * (1 - x[small] / y / 2)
    xs = x[~small]
    out[~small] = xs / (np.exp(xs / y) - 1)
    return out


def hh_rates(v):
    q10 = 3 ** ((CELSIUS - 6.3) / 10)
    a = .1 * vtrap(-(v + 40), 10)
    b = 4 * np.exp(-(v + 65) / 18)
    s = a + b
    mtau, minf = 1 / (q10 * s), a / s
    a = .07 * np.exp(-(v + 65) / 20)
    b = 1 / (np.exp(-(v + 35) / 10) + 1)
    s = a + b
    htau, hinf = 1 / (q10 * s), a / s
    a = .01 * vtrap(-(v + 55), 10)
    b = .125 * np.exp(-(v + 65) / 80)
    s = a + b
    ntau, ninf = 1 / (q10 * s), a / s
    return (minf, mtau), (hinf, htau), (ninf, ntau)


class HH:
    gnabar, gkbar, gl, el, ena, ek = 0.12, 0.036, 0.0003, -54.3, 50.0, -77.0

    def init(self, v):
        (self.m, _), (self.h, _), (self.n, _) = hh_rates(v)

    def current(self, v):
        ina = self.gnabar * self.m * self.m * self.m * self.h * (v - self.ena)
        ik = self.gkbar * self.n * self.n * self.n * self.n * (v - self.ek)
        il = self.gl * (v - self.el)
        return ina + ik + il

    def advance(self, v):
        for name, (inf, tau) in zip("mhn", hh_rates(v)):
            x = getattr(self, name)
            # the expression nocmodl emits for cnexp
            x = x + (1. - np.exp(DT * ((-1.0) / tau))) * (-(inf / tau) / ((-1.0) / tau) - x)
            setattr(self, name, x)


class Pas:
    g, e = 1e-4, -65.0

    def init(self, v):
        pass

    def current(self, v):
        return self.g * (v - self.e)

    def advance(self, v):
        pass


# ------------------------------------------------------------ tree from NEURON
def extract_tree(secs):
    """Nodes of NEURON's tree: (seg, parent index, ri MOhm, area um2)."""
    nodes, index = [], {}
    for s in secs:
        ps = s.parentseg()
        prev = None
        for seg in s.allseg():
            if seg.x == 0.0:
                if ps is None:
                    index[(s.name(), 0.0)] = len(nodes)
                    nodes.append((seg, -1, math.inf, 0.0))
                    prev = len(nodes) - 1
                else:
                    prev = index[(ps.sec.name(), ps.x)]
                continue
            index[(s.name(), seg.x)] = len(nodes)
            nodes.append((seg, prev, seg.ri(), seg.area()))
            prev = len(nodes) - 1
    return nodes


def numpy_run(nodes, mech_cls, stims, nsteps, cm=1.0):
    """stims: list of (node index, delay, dur, amp nA)."""
    n = len(nodes)
    area = np.array([a for _, _, _, a in nodes])
    mem = area > 0
    G = np.zeros((n, n))  # axial conductances (uS)
    for i, (_, p, ri, _) in enumerate(nodes):
        if p >= 0:
            g = 1.0 / ri
            G[i, i] += g
            G[p, p] += g
            G[i, p] -= g
            G[p, i] -= g
    v = np.full(n, V_INIT)
    mech = mech_cls()
    mech.init(v[mem])
    out = [v.copy()]
    t = 0.0
    capdt = cm * area * 1e-5 / DT  # uS
    for k in range(nsteps):
        tmid = k * DT + DT / 2
        vm = v[mem]
        i0 = mech.current(vm)
        gdv = (mech.current(vm + 0.001) - i0) / 0.001  # mA/cm2 per mV
        I = np.zeros(n)
        I[mem] = i0 * area[mem] * 1e-2  # nA
        gm = np.zeros(n)
        gm[mem] = gdv * area[mem] * 1e-2  # uS
        for node, delay, dur, amp in stims:
            if delay <= tmid < delay + dur:
                I[node] -= amp
        M = G + np.diag(capdt + gm)
        rhs = -(G @ v) - I
        v = v + np.linalg.solve(M, rhs)
        mech.advance(v[mem])
        out.append(v.copy())
    return np.array(out)


def neuron_run(secs, mech, stim_seg, amp, rec_segs, nsteps):
    for s in secs:
        s.Ra, s.cm = 100.0, 1.0
        s.insert(mech)
        if mech == "pas":
            for seg in s:
                seg.pas.g, seg.pas.e = 1e-4, -65.0
    st = h.IClamp(stim_seg)
    st.delay, st.dur, st.amp = 10.0, 1.0, amp
    h.dt, h.celsius, h.secondorder = DT, CELSIUS, 0
    h.usetable_hh = 0
    h.CVode().active(0)
    vecs = []
    for seg in rec_segs:
        vv = h.Vector()
        vv.record(seg._ref_v)
        vecs.append(vv)
    h.finitialize(V_INIT)
    for _ in range(nsteps):
        h.fadvance()
    return np.array([np.array(vv) for vv in vecs]).T, st


def case(name, build, mech, amp, mech_cls):
    secs, stim_seg, rec = build()
    nsteps = int(round(TSTOP / DT))
    vn, st = neuron_run(secs, mech, stim_seg, amp, rec, nsteps)
    nodes = extract_tree(secs)
    idx = {(seg.sec.name(), seg.x): i for i, (seg, _, _, _) in enumerate(nodes)}
    stims = [(idx[(stim_seg.sec.name(), stim_seg.x)], 10.0, 1.0, amp)]
    vp = numpy_run(nodes, mech_cls, stims, nsteps)
    vp = vp[:, [idx[(s.sec.name(), s.x)] for s in rec]]
    diff = np.abs(vp - vn).max()
    print(f"{name}: max |v_numpy - v_neuron| = {diff:.3e} mV over {nsteps} steps "
          f"({len(nodes)} nodes incl. zero-area ends; max v {vn.max():.2f} mV)")
    return diff


def one_comp():
    soma = h.Section(name="soma")
    soma.L, soma.diam, soma.nseg = 20.0, 20.0, 1
    return [soma], soma(0.5), [soma(0.5)]


def model_a():
    soma = h.Section(name="soma")
    soma.L, soma.diam, soma.nseg = 20.0, 20.0, 1
    axon = h.Section(name="axon")
    axon.L, axon.diam, axon.nseg = 400.0, 1.0, 10
    axon.connect(soma(1))
    return [soma, axon], soma(0.5), [soma(0.5), axon(0.95)]


# ------------------------------------------------------------ C4A from the checked-in files
def read_csv(path):
    import csv
    with open(path) as f:
        return list(csv.DictReader(f))


def c4a_tree_from_files(data):
    """Node tree of C4A rebuilt only from C4A_sections.csv and C4A_segments.csv."""
    secs = read_csv(data / "C4A_sections.csv")
    segs = read_csv(data / "C4A_segments.csv")
    rows = {}
    for r in segs:
        rows.setdefault(r["section"], []).append(r)
    info = {r["section"]: r for r in secs}
    node_of = {}  # (section, i) -> node index
    parents, ri, area = [], [], []

    def attach(sec, x):
        """Node at sec(x), x in [0, 1]."""
        if x == 1.0:
            return node_of[(sec, int(info[sec]["nseg"]))]
        if x == 0.0:
            if info[sec]["parent"] == "":
                return node_of[(sec, -1)]
            return attach(info[sec]["parent"], float(info[sec]["parent_x"]))
        return node_of[(sec, int(x * int(info[sec]["nseg"])))]

    for r in secs:
        name = r["section"]
        assert float(r["orientation"]) == 0.0
        prev = None if r["parent"] == "" else attach(r["parent"], float(r["parent_x"]))
        for row in rows[name]:
            i = int(row["i"])
            node_of[(name, i)] = len(parents)
            parents.append(-1 if i == -1 else prev)
            ri.append(float(row["ri_MOhm"]))
            area.append(float(row["area_um2"]))
            prev = node_of[(name, i)]
    return node_of, np.array(parents), np.array(ri), np.array(area)


def sparse_run(parents, ri, area, mech_cls, stims, nsteps, rec, cm=1.0):
    import scipy.sparse as sp
    import scipy.sparse.linalg as spl
    n = len(parents)
    child = np.nonzero(parents >= 0)[0]
    g = 1.0 / ri[child]
    p = parents[child]
    G = sp.coo_matrix((np.concatenate([g, g, -g, -g]),
                       (np.concatenate([child, p, child, p]), np.concatenate([child, p, p, child]))),
                      shape=(n, n)).tocsc()
    mem = area > 0
    v = np.full(n, V_INIT)
    mech = mech_cls()
    mech.init(v[mem])
    capdt = cm * area * 1e-5 / DT
    out = [v[rec].copy()]
    lu = None
    for k in range(nsteps):
        tmid = k * DT + DT / 2
        vm = v[mem]
        i0 = mech.current(vm)
        gdv = (mech.current(vm + 0.001) - i0) / 0.001
        I = np.zeros(n)
        I[mem] = i0 * area[mem] * 1e-2
        gm = np.zeros(n)
        gm[mem] = gdv * area[mem] * 1e-2
        for node, delay, dur, amp in stims:
            if delay <= tmid < delay + dur:
                I[node] -= amp
        if lu is None or mech_cls is not Pas:
            lu = spl.splu((G + sp.diags(capdt + gm)).tocsc())
        v = v + lu.solve(-(G @ v) - I)
        mech.advance(v[mem])
        out.append(v[rec].copy())
    return np.array(out)


def c4a_case(fname, mech_cls):
    from pathlib import Path
    data = Path(__file__).resolve().parent / "data"
    node_of, parents, ri, area = c4a_tree_from_files(data)
    stim = [r for r in read_csv(data / "C_stimulus.csv") if r["file"] == fname][0]
    stims = [(node_of[(stim["section"], int(stim["i"]))], float(stim["delay_ms"]), float(stim["dur_ms"]),
              float(stim["amp_nA"]))]
    sites = read_csv(data / "C_sites.csv")
    rec = [node_of[(r["section"], int(r["i"]))] for r in sites]
    ref = read_csv(data / fname)
    cols = [r["column"] for r in sites]
    vref = np.array([[float(row[c]) for c in cols] for row in ref])
    nsteps = int(round(TSTOP / DT))
    vp = sparse_run(parents, ri, area, mech_cls, stims, nsteps, rec)
    step = nsteps // (len(vref) - 1)
    diff = np.abs(vp[::step] - vref).max()
    print(f"C4A {fname}: max |v_numpy - v_neuron| = {diff:.3e} mV at {len(cols)} sites "
          f"({len(parents)} nodes rebuilt from the checked-in CSV files; max v {vref.max():.2f} mV)")
    return diff


def neuron_geometry(pts, nseg, ra=100.0):
    """NEURON's nrn_area_ri/diam_from_list (treeset.cpp) re-implemented for one section.

    pts: float32 array (n, 4) of x, y, z, diam. Returns per-segment (area um2, ri MOhm to the
    previous node, mean diam) and the right-half resistance of the last segment (the x=1 node's ri)."""
    n = len(pts)
    arc = np.zeros(n)
    for i in range(1, n):
        d = (pts[i, :3] - pts[i - 1, :3]).astype(np.float64)  # float32 subtraction, then double
        arc[i] = arc[i - 1] + math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
    dia = np.abs(pts[:, 3].astype(np.float64))
    ds = arc[-1] / nseg
    j, x1, y1 = 0, arc[0], dia[0]
    rright, out = 0.0, []
    for inode in range(nseg):
        si = inode * ds
        diam = area = 0.0
        for ihalf in range(2):
            ri = 0.0
            sip = si + ds / 2.0
            while True:
                jp = j + 1
                xj, xjp = arc[j], arc[jp]
                if xjp > sip or jp == n - 1:
                    frac = 1.0 if abs(xjp - xj) < 1e-10 else (sip - xj) / (xjp - xj)
                    x2, y2, jnext = sip, (1.0 - frac) * dia[j] + frac * dia[jp], j
                else:
                    x2, y2, jnext = xjp, dia[jp], jp
                delta = x2 - x1
                diam += (y2 + y1) * delta
                if delta < 1e-15:
                    delta = 1e-15
                temp = y2 * y1 / delta
                if temp == 0:
                    temp = 1e-15
                ri += 1 / temp
                temp = .5 * (y2 - y1)
                temp = math.sqrt(delta * delta + temp * temp)
                area += (y2 + y1) * temp
                x1, y1 = x2, y2
                if j == jnext:
                    break
                j = jnext
            if ihalf == 0:
                rleft = ri * ra / math.pi * (4. * .01)
            else:
                ri = ri * ra / math.pi * (4. * .01)
            si = sip
        out.append((area * .5 * math.pi, rright + rleft, diam * .5 / ds))
        rright = ri
    return out, rright


def c4a_geometry_check():
    from pathlib import Path
    data = Path(__file__).resolve().parent / "data"
    secs = read_csv(data / "C4A_sections.csv")
    pts, segs = {}, {}
    for r in read_csv(data / "C4A_sections_3d.csv"):
        pts.setdefault(r["section"], []).append([np.float32(r[k]) for k in ("x", "y", "z", "diam")])
    for r in read_csv(data / "C4A_segments.csv"):
        segs[(r["section"], int(r["i"]))] = r
    worst = {"area": 0.0, "ri": 0.0, "diam": 0.0}
    for r in secs:
        name, nseg = r["section"], int(r["nseg"])
        out, rlast = neuron_geometry(np.array(pts[name], dtype=np.float32), nseg)
        for i, (a, ri, d) in enumerate(out):
            ref = segs[(name, i)]
            for key, val, col in (("area", a, "area_um2"), ("ri", ri, "ri_MOhm"), ("diam", d, "diam_um")):
                worst[key] = max(worst[key], abs(val / float(ref[col]) - 1))
        worst["ri"] = max(worst["ri"], abs(rlast / float(segs[(name, nseg)]["ri_MOhm"]) - 1))
    print("C4A geometry recomputed from C4A_sections_3d.csv (float32 points) vs C4A_segments.csv: "
          "max relative difference area %.1e, ri %.1e, diam %.1e" % (worst["area"], worst["ri"], worst["diam"]))
    return worst


if __name__ == "__main__":
    import neuron
    print("NEURON", neuron.__version__)
    case("1-CV pas ", one_comp, "pas", 0.5, Pas)
    case("1-CV hh  ", one_comp, "hh", 0.5, HH)
    case("model A  ", model_a, "hh", 0.5, HH)
    c4a_geometry_check()
    try:
        import scipy  # noqa: F401
    except ImportError:
        print("scipy not installed: C4A checks skipped")
    else:
        c4a_case("C_passive.csv", Pas)
        c4a_case("C_hh.csv", HH)
