COMMENT
A point process whose INITIAL sends a self-event at t = 0 (net_send(0, 1)) that switches on a
conductance: NEURON's finitialize delivers it before its last BREAKPOINT, so the first sample
already shows the conductance and the current it gives (tests/it/spiking.rs).
ENDCOMMENT

NEURON {
    POINT_PROCESS InitKick
    RANGE g, gon, e, n
    NONSPECIFIC_CURRENT i
}

PARAMETER {
    gon = 0.001 (uS)
    e = 0 (mV)
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
    n
}

INITIAL {
    g = 0
    n = 0
    net_send(0, 1)
}

BREAKPOINT {
    i = g * (v - e)
}

NET_RECEIVE (w) {
    if (flag == 1) {
        g = gon
        n = n + 1
    }
}
