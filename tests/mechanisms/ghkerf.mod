TITLE A gate driven by the error functions and NEURON's nrn_ghk

COMMENT
Test data for the library functions erf (the C library's) and nrn_ghk (NEURON's GHK current
of a unit permeability, eion.cpp). The steady state of m and its time constant follow erf of v,
the time constant grows with the magnitude of the calcium GHK flux too; gk records nrn_ghk
itself. (erfc is not used: NEURON 9's translator does not know it and passes it thread
arguments, so the file would not build in NEURON.) The current is linear in v, so the exact slope di/dv equals NEURON's finite
difference and the trace can be compared to rounding.
ENDCOMMENT

NEURON {
    SUFFIX ghkerf
    USEION ca READ cai, cao
    NONSPECIFIC_CURRENT i
    RANGE gbar, e, p, gk, minf, tau
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (mM) = (milli/liter)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.0005 (S/cm2)
    e = -80 (mV)
    p = 0.01
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    cai (mM)
    cao (mM)
    gk
    minf
    tau (ms)
}

STATE { m }

INITIAL {
    rates(v)
    m = minf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gk = nrn_ghk(v, cai, cao, 2)
    i = gbar * m * (v - e)
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / tau
}

PROCEDURE rates(v (mV)) {
    minf = 0.5 * (1 - erf(-(v + 50) / 8))
    tau = 1 + 2 * (1 + erf((v + 60) / 15)) + p * fabs(nrn_ghk(v, cai, cao, 2))
}
