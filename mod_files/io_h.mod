TITLE io_h.mod: hyperpolarisation-activated current of the inferior-olive dendrite

COMMENT
The dendrite's h current of the inferior-olive model (Schweighofer et al. 1999, de Gruijl et al.
2012): I = g q (v - eh), qinf = 1/(1 + exp((v + 80)/4)),
tau_q = 1/(exp(-0.086 v - 14.6) + exp(0.070 v - 1.87)) ms. The reversal potential is a fixed
parameter (-43 mV). Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_h
    NONSPECIFIC_CURRENT i
    RANGE gbar, eh, i
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.0025 (S/cm2) <0, 1e9>
    eh = -43 (mV)
}

STATE {
    q
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    qinf
    tauq (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar*q*(v - eh)
}

INITIAL {
    rates(v)
    q = qinf
}

DERIVATIVE states {
    rates(v)
    q' = (qinf - q)/tauq
}

PROCEDURE rates(v (mV)) {
    UNITSOFF
    qinf = 1/(1 + exp((v + 80)/4))
    tauq = 1/(exp(-0.086*v - 14.6) + exp(0.070*v - 1.87))
    UNITSON
}
