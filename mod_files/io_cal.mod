TITLE io_cal.mod: low-threshold calcium current of the inferior-olive soma

COMMENT
The soma's low-threshold (T-type) calcium current of the inferior-olive model of Schweighofer et
al. (1999) as used by de Gruijl et al. (2012): I = g k^3 l (v - eca), with k and l relaxing to
their steady states (tau_k = 1 ms). The reversal potential is a fixed parameter (120 mV), so the
current is written as a nonspecific current and does not touch the `ca` ion. Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_cal
    NONSPECIFIC_CURRENT i
    RANGE gbar, eca, i
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.0003 (S/cm2) <0, 1e9>
    eca = 120 (mV)
}

STATE {
    k
    l
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    kinf
    linf
    taul (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar*k*k*k*l*(v - eca)
}

INITIAL {
    rates(v)
    k = kinf
    l = linf
}

DERIVATIVE states {
    rates(v)
    k' = (kinf - k)/1 (ms)
    l' = (linf - l)/taul
}

PROCEDURE rates(v (mV)) {
    UNITSOFF
    kinf = 1/(1 + exp(-(v + 61)/4.2))
    linf = 1/(1 + exp((v + 85.5)/8.5))
    taul = 20*exp((v + 160)/30)/(1 + exp((v + 84)/7.3)) + 35
    UNITSON
}
