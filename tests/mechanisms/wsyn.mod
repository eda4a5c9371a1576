COMMENT
An exponential synapse whose weight w is a STATE that a weight adjuster writes through a POINTER (as
pyNN's stdwa_*.mod adjusters write a synapse's weight): each event of positive weight adds w to g.
tests/reference/pointer_write.py runs it in NEURON with pyNN's stdwa_songabbott.mod.
ENDCOMMENT

NEURON {
    POINT_PROCESS WSyn
    RANGE tau, e, w0, g, w
    NONSPECIFIC_CURRENT i
}

UNITS {
    (mV) = (millivolt)
    (nA) = (nanoamp)
    (uS) = (microsiemens)
}

PARAMETER {
    tau = 2 (ms)
    e = 0 (mV)
    w0 = 0.002 (uS)
}

ASSIGNED {
    v (mV)
    i (nA)
}

STATE {
    g (uS)
    w (uS)
}

INITIAL {
    g = 0
    w = w0
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    i = g*(v - e)
}

DERIVATIVE state {
    g' = -g/tau
}

NET_RECEIVE (weight) {
    if (weight > 0) {
        g = g + w*weight
    }
}
