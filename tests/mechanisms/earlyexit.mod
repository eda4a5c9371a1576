: Test mechanism for `return` written in VERBATIM, the early exits published files use: from
: NET_RECEIVE under a condition on the weight (as snudda's tmGlut does), from a FUNCTION with a
: value (`return _lw;`, the C name of its argument) and from a PROCEDURE (`return 0;`), each in
: the middle of its body, so that what follows runs only when the exit is not taken.

NEURON {
    POINT_PROCESS EarlyExit
    RANGE g, tau, e, wmin, wcap, gain, n, last
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    tau = 2 (ms)
    e = 0 (mV)
    wmin = 0.004 (uS)
    wcap = 0.008 (uS)
    gain = 1.5
}

ASSIGNED {
    v (mV)
    i (nA)
    n
    last (ms)
}

STATE {
    g (uS)
}

INITIAL {
    g = 0
    n = 0
    last = -1
}

BREAKPOINT {
    SOLVE s METHOD cnexp
    i = g * (v - e)
}

DERIVATIVE s {
    g' = -g / tau
}

NET_RECEIVE (w (uS)) {
    n = n + 1
    if (w < wmin) {
VERBATIM
        return;
ENDVERBATIM
    }
    last = t
    g = g + scaled(w)
    bump(w)
}

: gain * w, or w itself above wcap.
FUNCTION scaled(w (uS)) (uS) {
    if (w > wcap) {
VERBATIM
        return _lw;
ENDVERBATIM
    }
    scaled = gain * w
}

: Half the weight again, for the first three events only.
PROCEDURE bump(w (uS)) {
    if (n > 3) {
VERBATIM
        return 0;
ENDVERBATIM
    }
    g = g + 0.5 * w
}
