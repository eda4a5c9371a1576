TITLE A synapse whose voltage dependence and event handling run while loops

COMMENT
Test data for while loops: the voltage dependence of the conductance is a logistic function
whose exponential is a Taylor series summed by a while loop until its terms no longer change
the sum (the number of terms depends on v, so on the step), and NET_RECEIVE adds 7/8 of the
weight in halving steps of a while loop that stops once the rest is at most an eighth. The
run stores how many terms the last series took (nterms) and how many halvings the last event
took (nhalf).
ENDCOMMENT

NEURON {
    POINT_PROCESS WhileLoop
    RANGE tau, e, vh, vk, g, i, nterms, nhalf
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    tau = 3 (ms)
    e = 0 (mV)
    vh = -50 (mV)
    vk = 8 (mV)
}

ASSIGNED {
    v (mV)
    i (nA)
    nterms
    nhalf
}

STATE { g (uS) }

INITIAL {
    g = 0
    nterms = 0
    nhalf = 0
}

BREAKPOINT {
    LOCAL x
    SOLVE states METHOD cnexp
    x = expser((v - vh) / vk)
    i = g * x / (1 + x) * (v - e)
}

DERIVATIVE states {
    g' = -g / tau
}

NET_RECEIVE (w (uS)) {
    LOCAL rest
    rest = w
    nhalf = 0
    while (rest > w / 8) {
        g = g + rest / 2
        rest = rest / 2
        nhalf = nhalf + 1
    }
}

FUNCTION expser(x) {
    LOCAL term, sum, k
    sum = 1
    term = 1
    k = 0
    while (fabs(term) > 1e-17 * fabs(sum)) {
        k = k + 1
        term = term * x / k
        sum = sum + term
    }
    nterms = k
    expser = sum
}
