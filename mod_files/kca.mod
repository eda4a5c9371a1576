TITLE kca.mod: calcium-activated potassium channel

COMMENT
A potassium conductance gated by one activation variable n whose steady state rises with the
internal calcium concentration as a Hill function (half-activation cac, Hill coefficient 2) and
relaxes with a calcium-dependent time constant, in the manner of Destexhe et al. (1994)'s
I_K[Ca]: alpha = beta*(cai/cac)^2 with beta constant. Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX kca
    USEION k READ ek WRITE ik
    USEION ca READ cai
    RANGE gkbar, ik
    GLOBAL beta, cac, taumin
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (mM) = (millimolar)
    (S) = (siemens)
}

PARAMETER {
    gkbar = 0.01 (S/cm2) <0, 1e9>
    beta = 0.03 (/ms) <1e-9, 1e9>
    cac = 0.025 (mM) <1e-12, 1e9>
    taumin = 0.5 (ms) <0, 1e9>
}

STATE {
    n
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    cai (mM)
    ninf
    taun (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gkbar*n*(v - ek)
}

INITIAL {
    rates(cai)
    n = ninf
}

DERIVATIVE states {
    rates(cai)
    n' = (ninf - n)/taun
}

PROCEDURE rates(cai (mM)) {
    LOCAL alpha
    alpha = beta*(cai/cac)^2
    ninf = alpha/(alpha + beta)
    taun = 1/(alpha + beta)
    if (taun < taumin) {
        taun = taumin
    }
}
