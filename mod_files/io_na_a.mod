TITLE io_na_a.mod: sodium current of the inferior-olive axon

COMMENT
The axon's fast sodium current of the inferior-olive model (de Gruijl et al. 2012): as the soma's
(io_na_s) but with inactivation shifted by 10 mV and twice as fast: hinf = 1/(1 + exp((v + 60)/5.8)),
tau_h = 1.5 exp(-(v + 40)/33) ms. The reversal potential is a fixed parameter (55 mV). Written for
gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_na_a
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
    gbar = 0.025 (S/cm2) <0, 1e9>
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
    hinf = 1/(1 + exp((v + 60)/5.8))
    tauh = 1.5*exp(-(v + 40)/33)
    UNITSON
}
