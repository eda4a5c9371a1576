: Test mechanism for net_send: self-events with flags, sent from INITIAL (they carry no
: connection) and from NET_RECEIVE (they carry the values of the connection whose event sent
: them, as NEURON's carry its weight vector), and values kept per connection.

NEURON {
    POINT_PROCESS SelfPulse
    RANGE g, tau, e, dur, gmax, nself
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
    dur = 1.5 (ms)
    gmax = 0.002 (uS)
}

ASSIGNED {
    v (mV)
    i (nA)
    nself
}

STATE {
    g (uS)
}

INITIAL {
    g = 0
    nself = 0
    net_send(0.5, 3)
}

BREAKPOINT {
    SOLVE s METHOD cnexp
    i = g * (v - e)
}

DERIVATIVE s {
    g' = -g / tau
}

NET_RECEIVE (w (uS), count, last (ms)) {
    INITIAL {
        count = 0
        last = -1
    }
    if (flag == 0) {
        count = count + 1
        last = t
        g = g + w
        net_send(dur, count)
    } else if (flag == 3) {
        g = g + gmax
        nself = nself + 1
    } else {
        : The flag is the connection's count when the event was sent: only the latest of a
        : connection's self-events adds half its weight.
        if (flag == count) {
            g = g + w * 0.5
        }
        nself = nself + 1
    }
}
