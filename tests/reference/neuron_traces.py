#!/usr/bin/env python3
"""Reference traces and discretisation data from NEURON for gradmod's test suite.

Builds the standard models of docs/MODELS.md (A: HH axon, B(100): HH cable, C: inferior-olive
cell on C4A.swc, passive and hh) with NEURON's fixed-step scheme and writes CSV files into
data/ next to this script. See README.md in this directory for the columns and conventions.

Usage: python3 tests/reference/neuron_traces.py   (needs `pip install neuron numpy`)
"""
from pathlib import Path

import numpy as np
from neuron import h

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SWC = DATA / "C4A.swc"

DT = 0.025
TSTOP = 100.0
V_INIT = -65.0
CELSIUS = 6.3
RA = 100.0
CM = 1.0

# C traces are stored every C_DECIMATE-th step (sample 0, 4, 8, ...) to keep the data small.
C_DECIMATE = 4

h.load_file("stdrun.hoc")
h.load_file("import3d.hoc")


def fmt(x):
    """Round-trip exact (shortest repr) text for a float."""
    return repr(float(x))


def common_setup():
    h.dt = DT
    h.steps_per_ms = 1.0 / DT
    h.celsius = CELSIUS
    h.secondorder = 0
    h.CVode().active(0)
    h.usetable_hh = 0


def run(recs, tstop=TSTOP):
    """finitialize(V_INIT), then exactly round(tstop/dt) fadvance() calls.

    recs: list of (name, pointer). Returns dict name -> np.array with nsteps+1 samples
    (sample 0 is the state after finitialize)."""
    common_setup()
    tvec = h.Vector()
    tvec.record(h._ref_t)
    vecs = []
    for name, ref in recs:
        v = h.Vector()
        v.record(ref)
        vecs.append((name, v))
    nsteps = int(round(tstop / DT))
    h.finitialize(V_INIT)
    for _ in range(nsteps):
        h.fadvance()
    out = {"t": np.array(tvec)}
    for name, v in vecs:
        out[name] = np.array(v)
        assert len(out[name]) == nsteps + 1, (name, len(out[name]))
    return out


def write_csv(path, columns, data, step=1, comment=None):
    n = len(data[columns[0]])
    with open(path, "w") as f:
        f.write(",".join(columns) + "\n")
        for i in range(0, n, step):
            f.write(",".join(fmt(data[c][i]) for c in columns) + "\n")
    print(f"wrote {path.name}: {len(range(0, n, step))} rows, {path.stat().st_size} bytes")


def write_rows(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(fmt(x) if isinstance(x, float) else str(x) for x in r) + "\n")
    print(f"wrote {path.name}: {len(rows)} rows, {path.stat().st_size} bytes")


def set_cable(secs):
    for s in secs:
        s.Ra = RA
        s.cm = CM


def node_rows(secs):
    """One row per NEURON node of each section: i = 0..nseg-1 the segment centres
    (x = (i + 0.5) / nseg), i = nseg the x=1 end, i = -1 the x=0 end (root section only;
    a child's x=0 is its parent's node).

    area in um^2 (0 for the section ends), ri in MOhm (resistance to the parent node;
    1e30 at the root's x=0), diam in um."""
    rows = []
    for s in secs:
        psec = s.parentseg()
        for seg in s.allseg():
            if seg.x == 0.0:
                if psec is not None:
                    continue  # x=0 of a child is its parent's node
                i = -1
            elif seg.x == 1.0:
                i = s.nseg
            else:
                i = int(seg.x * s.nseg)
                assert seg.x == (i + 0.5) / s.nseg
            rows.append([s.name(), i, float(seg.area()), float(seg.ri()), float(seg.diam)])
    return rows


# ---------------------------------------------------------------- model A


def build_A():
    soma = h.Section(name="soma")
    soma.L, soma.diam, soma.nseg = 20.0, 20.0, 1
    axon = h.Section(name="axon")
    axon.L, axon.diam, axon.nseg = 400.0, 1.0, 10
    axon.connect(soma(1))
    set_cable([soma, axon])
    for s in (soma, axon):
        s.insert("hh")
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur, stim.amp = 10.0, 1.0, 0.5
    return soma, axon, stim


def model_A():
    soma, axon, stim = build_A()
    xend = (axon.nseg - 0.5) / axon.nseg
    seg = soma(0.5)
    d = run([
        ("v_soma", seg._ref_v),
        ("v_axon_end", axon(xend)._ref_v),
        ("m_soma", seg.hh._ref_m),
        ("h_soma", seg.hh._ref_h),
        ("n_soma", seg.hh._ref_n),
    ])
    write_csv(DATA / "A_hh_axon.csv", ["t", "v_soma", "v_axon_end", "m_soma", "h_soma", "n_soma"], d)
    write_rows(DATA / "A_segments.csv", ["section", "i", "area_um2", "ri_MOhm", "diam_um"],
               node_rows([soma, axon]))
    print("A: max v_soma %.3f, max v_axon_end %.3f" % (d["v_soma"].max(), d["v_axon_end"].max()))


# ---------------------------------------------------------------- model B(N)


def build_B(n, amp=0.1):
    cable = h.Section(name="cable")
    cable.L = 10.0 * n
    cable.diam = 1.0
    cable.nseg = n
    set_cable([cable])
    cable.insert("hh")
    stim = h.IClamp(cable(0.5 / n))
    stim.delay, stim.dur, stim.amp = 10.0, 1.0, amp
    return cable, stim


def model_B100():
    n = 100
    cable, stim = build_B(n)
    d = run([("v_first", cable(0.5 / n)._ref_v), ("v_last", cable((n - 0.5) / n)._ref_v)])
    write_csv(DATA / "B100_hh_cable.csv", ["t", "v_first", "v_last"], d)
    print("B100: max v_first %.3f, max v_last %.3f" % (d["v_first"].max(), d["v_last"].max()))


# ---------------------------------------------------------------- model C


def load_C4A():
    r = h.Import3d_SWC_read()
    r.input(str(SWC))
    g = h.Import3d_GUI(r, False)
    g.instantiate(None)
    secs = list(h.allsec())
    for s in secs:
        s.nseg = int(s.n3d()) - 1  # one segment per pair of consecutive 3-D points
    set_cable(secs)
    return secs, (r, g)


# Recording sites for C: (label, section name, segment index); x = (i + 0.5) / nseg.
C_SITES = [
    ("v_soma", "soma[0]", None),  # soma[0](0.5)
    ("v_dend7_mid", "dend[7]", "mid"),
    ("v_dend20_end", "dend[20]", "last"),
    ("v_dend53_end", "dend[53]", "last"),
]


def site_x(sec, which):
    if which is None:
        return 0.5
    if which == "mid":
        return (sec.nseg // 2 + 0.5) / sec.nseg
    if which == "last":
        return (sec.nseg - 0.5) / sec.nseg
    raise ValueError(which)


def swc_samples():
    a = np.loadtxt(SWC, comments="#")
    return a


def nearest_sample(sec, x, swc):
    """SWC sample id nearest to the 3-D position of sec(x) (linear interpolation along arc)."""
    n = int(sec.n3d())
    arc = np.array([sec.arc3d(i) for i in range(n)])
    pts = np.array([[sec.x3d(i), sec.y3d(i), sec.z3d(i)] for i in range(n)])
    s = x * sec.L
    p = np.array([np.interp(s, arc, pts[:, k]) for k in range(3)])
    dist = np.linalg.norm(swc[:, 2:5] - p, axis=1)
    j = int(np.argmin(dist))
    return int(swc[j, 0]), float(dist[j]), p


def model_C(secs):
    byname = {s.name(): s for s in secs}
    swc = swc_samples()
    sites, site_rows = [], []
    for label, name, which in C_SITES:
        sec = byname[name]
        x = site_x(sec, which)
        sid, dist, p = nearest_sample(sec, x, swc)
        sites.append((label, sec, x))
        site_rows.append([label, name, int(x * sec.nseg), x, sid, float(dist)])
        print(f"C site {label}: {name}({x!r}) nseg {sec.nseg} pos {p.round(3)} nearest SWC sample {sid} (dist {dist:.3f} um)")
    write_rows(DATA / "C_sites.csv", ["column", "section", "i", "x", "nearest_swc_id", "distance_um"], site_rows)
    soma = byname["soma[0]"]
    cols = ["t"] + [s[0] for s in sites]

    results = {}
    # passive
    for s in secs:
        s.insert("pas")
        s.g_pas = 1e-4
        s.e_pas = -65.0
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur, stim.amp = 10.0, 50.0, 0.1
    d = run([(lab, sec(x)._ref_v) for lab, sec, x in sites])
    write_csv(DATA / "C_passive.csv", cols, d, step=C_DECIMATE)
    print("C passive: v_soma at 60 ms %.4f" % d["v_soma"][int(round(60 / DT))])
    results["passive"] = d

    # hh
    for s in secs:
        s.uninsert("pas")
        s.insert("hh")
    used = None
    for amp in (0.1, 0.2, 0.5, 1.0, 2.0):
        stim.amp = amp
        d = run([(lab, sec(x)._ref_v) for lab, sec, x in sites])
        nspk = int(np.sum((d["v_soma"][1:] >= 0) & (d["v_soma"][:-1] < 0)))
        print(f"C hh: amp {amp} nA -> {nspk} soma spikes, max v_soma {d['v_soma'].max():.3f}")
        if nspk > 0:
            used = amp
            break
    write_csv(DATA / "C_hh.csv", cols, d, step=C_DECIMATE)
    print(f"C hh: stored amplitude {stim.amp} nA (first to spike: {used})")
    i_soma = int(0.5 * soma.nseg)
    write_rows(DATA / "C_stimulus.csv", ["file", "section", "i", "x", "delay_ms", "dur_ms", "amp_nA"], [
        ["C_passive.csv", "soma[0]", i_soma, 0.5, 10.0, 50.0, 0.1],
        ["C_hh.csv", "soma[0]", i_soma, 0.5, 10.0, 50.0, float(stim.amp)],
    ])
    for s in secs:
        s.uninsert("hh")
    return used


def write_C4A_geometry(secs):
    idx = {s.name(): i for i, s in enumerate(secs)}
    srows = []
    for i, s in enumerate(secs):
        ps = s.parentseg()
        pname = ps.sec.name() if ps is not None else ""
        px = float(ps.x) if ps is not None else ""
        # type: SWC tag of the section (Import3d names sections by it: soma=1, axon=2, dend=3, apic=4)
        tag = {"soma": 1, "axon": 2, "dend": 3, "apic": 4}[s.name().split("[")[0]]
        srows.append([i, s.name(), tag, pname, px, float(s.orientation()), s.nseg, int(s.n3d()), float(s.L)])
    write_rows(DATA / "C4A_sections.csv",
               ["index", "section", "swc_type", "parent", "parent_x", "orientation", "nseg", "n3d", "L_um"], srows)
    write_rows(DATA / "C4A_segments.csv", ["section", "i", "area_um2", "ri_MOhm", "diam_um"], node_rows(secs))
    # 3-D points: coordinates and diameters are float32 inside NEURON; %.9g round-trips a float32.
    swc = swc_samples()
    prows = []
    for s in secs:
        for j in range(int(s.n3d())):
            p = np.array([s.x3d(j), s.y3d(j), s.z3d(j)])
            dist = np.abs(swc[:, 2:5] - p).max(axis=1)
            k = np.where(dist < 1e-4)[0]
            sid = int(swc[k[0], 0]) if len(k) else -1
            prows.append([s.name(), j, "%.9g" % s.x3d(j), "%.9g" % s.y3d(j), "%.9g" % s.z3d(j),
                          "%.9g" % s.diam3d(j), sid])
    write_rows(DATA / "C4A_sections_3d.csv", ["section", "i", "x", "y", "z", "diam", "swc_id"], prows)


def main():
    import neuron
    print("NEURON", neuron.__version__)
    common_setup()
    model_A()
    for s in list(h.allsec()):
        h.delete_section(sec=s)
    model_B100()
    for s in list(h.allsec()):
        h.delete_section(sec=s)
    assert len(list(h.allsec())) == 0
    secs, keep = load_C4A()
    print(f"C4A: {len(secs)} sections, {sum(s.nseg for s in secs)} segments, "
          f"area {sum(seg.area() for s in secs for seg in s):.3f} um2")
    write_C4A_geometry(secs)
    model_C(secs)


if __name__ == "__main__":
    main()
