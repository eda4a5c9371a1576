TITLE io_na_s.mod: sodium current of the inferior-olive soma

COMMENT
The soma's fast sodium current of the inferior-olive model (Schweighofer et al. 1999, de Gruijl
et al. 2012): I = g minf(v)^3 h (v - ena), with instantaneous activation and one inactivation
gate. The reversal potential is a fixed parameter (55 mV). Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_na_s
    NONSPECIFIC_CURRENT i
    RANGE gbar, ena, i
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.003 (S/cm2) <0, 1e9>
    ena = 55 (mV)
}

STATE {
    h
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    minf
    hinf
    tauh (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar*minf*minf*minf*h*(v - ena)
}

INITIAL {
    rates(v)
    h = hinf
}

DERIVATIVE states {
    rates(v)
    h' = (hinf - h)/tauh
}

PROCEDURE rates(v (mV)) {
    UNITSOFF
    minf = 1/(1 + exp(-(v + 30)/5.5))
    hinf = 1/(1 + exp((v + 70)/5.8))
    tauh = 3*exp(-(v + 40)/33)
    UNITSON
}
