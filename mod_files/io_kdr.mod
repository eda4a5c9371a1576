TITLE io_kdr.mod: delayed-rectifier potassium current of the inferior-olive soma

COMMENT
The soma's delayed rectifier of the inferior-olive model (Schweighofer et al. 1999, de Gruijl et
al. 2012): I = g n^4 (v - ek), ninf = 1/(1 + exp(-(v + 3)/10)), tau_n = 5 + 47 exp((v + 50)/900)
ms. The reversal potential is a fixed parameter (-75 mV). Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_kdr
    NONSPECIFIC_CURRENT i
    RANGE gbar, ek, i
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.004 (S/cm2) <0, 1e9>
    ek = -75 (mV)
}

STATE {
    n
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    ninf
    taun (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar*n*n*n*n*(v - ek)
}

INITIAL {
    rates(v)
    n = ninf
}

DERIVATIVE states {
    rates(v)
    n' = (ninf - n)/taun
}

PROCEDURE rates(v (mV)) {
    UNITSOFF
    ninf = 1/(1 + exp(-(v + 3)/10))
    taun = 5 + 47*exp((v + 50)/900)
    UNITSON
}
