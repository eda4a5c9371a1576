TITLE Calcium in a shell with four buffers and a membrane pump: a nonlinear KINETIC scheme of 14 states

COMMENT
Test data for Newton's method kept as loops (docs/DESIGN.md, "Newton's method kept as a loop"):
written after the structure of the cdp5 family of published calcium-buffer mechanisms (a shell
of volume diam^2 * vrat, buffers binding calcium, a parvalbumin-like buffer that binds calcium
and magnesium, a two-site buffer, a pump in the membrane with its own COMPARTMENT and a
CONSERVE), with numbers of its own. Calcium enters through a voltage-dependent influx and opens
a calcium-activated leak, so that the scheme moves v and its tangents reach v.
ENDCOMMENT

NEURON {
    SUFFIX cabuf
    USEION ca READ cai WRITE cai
    NONSPECIFIC_CURRENT i
    RANGE gk, ek, kd, pin, vh, vs, B1tot, B2tot, Ctot, PVtot, TotalPump, vrat
}

UNITS {
    (mol) = (1)
    (molar) = (1/liter)
    (mM) = (millimolar)
    (um) = (micron)
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
    PI = (pi) (1)
}

PARAMETER {
    gk = 0.002 (S/cm2)
    ek = -80 (mV)
    kd = 0.0005 (mM)
    pin = 0.0008 (mM/ms)
    vh = -30 (mV)
    vs = 6 (mV)
    cainull = 45e-6 (mM)
    mginull = 0.59 (mM)
    B1tot = 0.06 (mM)
    k1f = 0.14 (/ms mM)
    k1b = 0.0014 (/ms)
    B2tot = 0.02 (mM)
    k2f = 5.3 (/ms mM)
    k2b = 0.08 (/ms)
    Ctot = 0.04 (mM)
    kcf = 1.8 (/ms mM)
    kcb = 0.05 (/ms)
    PVtot = 0.08 (mM)
    m1 = 107 (/ms mM)
    m2 = 0.00095 (/ms)
    p1 = 0.8 (/ms mM)
    p2 = 0.025 (/ms)
    kpmp1 = 0.003 (/mM-ms)
    kpmp2 = 1.75e-5 (/ms)
    kpmp3 = 7.255e-5 (/ms)
    TotalPump = 1e-9 (mol/cm2)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    diam (um)
    cai (mM)
    parea (um)
    vrat (1)
}

STATE {
    ca (mM) <1e-6>
    mg (mM)
    B1 (mM)
    B1ca (mM)
    B2 (mM)
    B2ca (mM)
    C0 (mM)
    C1 (mM)
    C2 (mM)
    PV (mM)
    PVca (mM)
    PVmg (mM)
    pump (mol/cm2) <1e-15>
    pumpca (mol/cm2) <1e-15>
}

BREAKPOINT {
    SOLVE scheme METHOD sparse
    i = gk * ca / (ca + kd) * (v - ek)
}

INITIAL {
    vrat = PI * 0.25
    parea = PI * diam
    ca = cainull
    mg = mginull
    B1 = B1tot / (1 + k1f / k1b * cainull)
    B1ca = B1tot - B1
    B2 = B2tot / (1 + k2f / k2b * cainull)
    B2ca = B2tot - B2
    C0 = Ctot
    C1 = 0
    C2 = 0
    PV = PVtot / (1 + cainull * m1 / m2 + mginull * p1 / p2)
    PVca = PV * cainull * m1 / m2
    PVmg = PV * mginull * p1 / p2
    pump = TotalPump
    pumpca = 0
    cai = ca
}

LOCAL dsqvol

KINETIC scheme {
    COMPARTMENT diam * diam * vrat {ca mg B1 B1ca B2 B2ca C0 C1 C2 PV PVca PVmg}
    COMPARTMENT (1e10) * parea {pump pumpca}
    dsqvol = diam * diam * vrat
    ~ ca << (pin / (1 + exp(-(v - vh) / vs)) * dsqvol)
    ~ ca + pump <-> pumpca (kpmp1 * parea * (1e10), kpmp2 * parea * (1e10))
    ~ pumpca <-> pump (kpmp3 * parea * (1e10), 0)
    CONSERVE pump + pumpca = TotalPump * parea * (1e10)
    ~ ca + B1 <-> B1ca (k1f * dsqvol, k1b * dsqvol)
    ~ ca + B2 <-> B2ca (k2f * dsqvol, k2b * dsqvol)
    ~ ca + C0 <-> C1 (2 * kcf * dsqvol, kcb * dsqvol)
    ~ ca + C1 <-> C2 (kcf * dsqvol, 2 * kcb * dsqvol)
    ~ ca + PV <-> PVca (m1 * dsqvol, m2 * dsqvol)
    ~ mg + PV <-> PVmg (p1 * dsqvol, p2 * dsqvol)
    cai = ca
}
