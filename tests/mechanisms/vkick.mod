COMMENT
An integrate-and-fire reset written as pyNN's reset.mod and izhikevich.mod write theirs: NET_RECEIVE
sets the membrane potential of its node. An event of positive weight kicks v by the weight (mV), as
izhikevich.mod's synaptic branch does; one of negative weight resets v to vreset and increments the
adaptation state u, as its spike branch does. The current i = gu*u (nA) makes u matter to v, and
`seen` records the v the last event saw before it changed it. tests/reference/events.py runs it in
NEURON (data/events/vkick.csv).
ENDCOMMENT

NEURON {
    POINT_PROCESS VKick
    RANGE vreset, d, a, gu, u, seen
    NONSPECIFIC_CURRENT i
}

UNITS {
    (mV) = (millivolt)
    (nA) = (nanoamp)
}

PARAMETER {
    vreset = -60 (mV)
    d = 2 (mV/ms)
    a = 0.2 (/ms)
    gu = 0.002 (nA ms/mV)
}

ASSIGNED {
    v (mV)
    i (nA)
    seen (mV)
}

STATE {
    u (mV/ms)
}

INITIAL {
    u = 0
    seen = v
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gu*u
}

DERIVATIVE states {
    u' = a*(0.05*(v + 65) - u)
}

NET_RECEIVE (weight (mV)) {
    seen = v
    if (weight > 0) {
        v = v + weight
    } else {
        v = vreset
        u = u + d
    }
}
