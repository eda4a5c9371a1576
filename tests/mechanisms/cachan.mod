TITLE cachan.mod: a high-threshold calcium current, for the end-to-end tests

COMMENT
ica = gbar m^2 (v - eca), with one HH-style activation gate; eca comes from the runtime's
Nernst equation on cai, which a concentration mechanism (cad) may write. It gives the tests a
calcium current, so that tangents flow from a conductance through ica into cai and back through
eca and the calcium-activated potassium current. For gradmod's end-to-end tests.
ENDCOMMENT

NEURON {
    SUFFIX cachan
    USEION ca READ eca WRITE ica
    RANGE gbar
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.0005 (S/cm2) <0, 1e9>
}

ASSIGNED {
    v (mV)
    eca (mV)
    ica (mA/cm2)
    minf
    mtau (ms)
}

STATE {
    m
}

INITIAL {
    rates(v)
    m = minf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ica = gbar*m*m*(v - eca)
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m)/mtau
}

PROCEDURE rates(v (mV)) {
    minf = 1/(1 + exp(-(v + 20)/5))
    mtau = 1 + 2/(1 + exp((v + 30)/10))
}
