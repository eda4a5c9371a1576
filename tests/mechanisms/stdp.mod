COMMENT
An exponential synapse with online spike-timing plasticity, written as Arbor's built-in expsyn_stdp:
each event raises g by its weight plus the plastic weight (capped at max_weight) and the
presynaptic trace apre by Apre, and adds the postsynaptic trace apost to the plastic weight; each
spike of the cell (Arbor's POST_EVENT) adds Apost to apost and apre to the plastic weight.
tests/reference/arbor/post_event.py runs Arbor's own expsyn_stdp (tests/it/post_event.rs).
ENDCOMMENT

NEURON {
    POINT_PROCESS stdp
    RANGE tau, taupre, taupost, e, Apost, Apre, max_weight
    NONSPECIFIC_CURRENT i
}

UNITS {
    (mV) = (millivolt)
}

PARAMETER {
    tau = 2.0 (ms)
    taupre = 10 (ms)
    taupost = 10 (ms)
    Apre = 0.01
    Apost = -0.01
    e = 0 (mV)
    max_weight = 10 (uS)
}

STATE {
    g
    apre
    apost
    weight_plastic
}

INITIAL {
    g = 0
    apre = 0
    apost = 0
    weight_plastic = 0
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    i = g*(v - e)
}

DERIVATIVE state {
    g' = -g/tau
    apre' = -apre/taupre
    apost' = -apost/taupost
}

NET_RECEIVE(weight) {
    g = max(0, min(g + weight + weight_plastic, max_weight))
    apre = apre + Apre
    weight_plastic = weight_plastic + apost
}

POST_EVENT(time) {
    apost = apost + Apost
    weight_plastic = weight_plastic + apre
}
