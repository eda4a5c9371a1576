#!/usr/bin/env python3
"""Check that NEURON's fixed-step scheme is the one described in NEURON_SCHEME.md.

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


if __name__ == "__main__":
    import neuron
    print("NEURON", neuron.__version__)
    case("1-CV pas ", one_comp, "pas", 0.5, Pas)
    case("1-CV hh  ", one_comp, "hh", 0.5, HH)
    case("model A  ", model_a, "hh", 0.5, HH)
