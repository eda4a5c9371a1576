TITLE A synapse summing a queue of spikes in loops whose bounds are known only at run time

COMMENT
Test data for FROM loops with run-time bounds and arrays indexed at run time: INITIAL fills
nmax elements (nmax a PARAMETER), BREAKPOINT sums the n spikes received so far, NET_RECEIVE
appends one at index n.
ENDCOMMENT

NEURON {
    POINT_PROCESS RunLoop
    RANGE tau, gmax, e, nmax, n, i, w, ts
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    tau = 3 (ms)
    gmax = 0.01 (uS)
    e = -10 (mV)
    nmax = 4
}

ASSIGNED {
    v (mV)
    i (nA)
    n
    w[8] (uS)
    ts[8] (ms)
}

STATE { s (uS) }

INITIAL {
    LOCAL k
    n = nmax
    s = 0
    FROM k = 0 TO nmax - 1 {
        w[k] = gmax * (k + 1)
        ts[k] = -k * tau
    }
}

BREAKPOINT {
    LOCAL k, g
    SOLVE states METHOD cnexp
    g = 0
    FROM k = 0 TO n - 1 {
        g = g + w[k] * exp(-(t - ts[k]) / tau)
    }
    i = (g + s) * (v - e)
}

DERIVATIVE states {
    s' = -s / tau
}

NET_RECEIVE (weight (uS)) {
    ts[n] = t
    w[n] = weight * gmax
    n = n + 1
    s = s + weight
}
