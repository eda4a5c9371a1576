TITLE A synapse whose periodic self-event potentiates every connection onto it (FOR_NETCONS)

COMMENT
Test data for FOR_NETCONS: each connection keeps a potentiation A and the time tpre of its last
event. An event from a connection adds w (1 + A) to the conductance and lets A decay since its
last event; a self-event every `period` ms (standing in for a postsynaptic spike) raises the A
of every connection onto the instance by dA exp((tpre - t)/tauA), the more the more recently
that connection fired, in a FOR_NETCONS loop, and records its time in tlast.
ENDCOMMENT

NEURON {
    POINT_PROCESS ForNetcons
    RANGE tau, e, tauA, dA, period, g, i, tlast
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
    tauA = 10 (ms)
    dA = 0.3
    period = 6 (ms)
}

ASSIGNED {
    v (mV)
    i (nA)
    tlast (ms)
}

STATE { g (uS) }

INITIAL {
    g = 0
    tlast = -1e9
    net_send(period, 2)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = g * (v - e)
}

DERIVATIVE states {
    g' = -g / tau
}

NET_RECEIVE (w (uS), A, tpre (ms)) {
    INITIAL {
        A = 0
        tpre = -1e9
    }
    if (flag == 0) {
        g = g + w * (1 + A)
        A = A * exp((tpre - t) / tauA)
        tpre = t
    } else if (flag == 2) {
        tlast = t
        FOR_NETCONS (w1, A1, tp (ms)) {
            A1 = A1 + dA * exp((tp - t) / tauA)
        }
        net_send(period, 2)
    }
}
