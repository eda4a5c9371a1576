COMMENT
An integrate-and-fire point process for the tests of WATCH and net_event: INITIAL arms
WATCH (v > vth) through a self-event at t = 0; when it fires, NET_RECEIVE spikes with
net_event, resets v, counts the spike and increments an adaptation conductance a; events from
connections kick v by 1000 * weight mV. The condition reads a RANGE variable (vth + a * da) so
that the kernel evaluating it reads the instance's state.
ENDCOMMENT

NEURON {
    POINT_PROCESS WatchFire
    RANGE vth, vreset, da, nspike, tlast
    NONSPECIFIC_CURRENT i
}

PARAMETER {
    vth = -60 (mV)
    vreset = -70 (mV)
    da = 2 (mV)
    tau_a = 20 (ms)
}

ASSIGNED {
    v (mV)
    i (nA)
    nspike
    tlast (ms)
}

STATE {
    a
}

INITIAL {
    a = 0
    nspike = 0
    tlast = -1
    net_send(0, 1)
}

BREAKPOINT {
    SOLVE decay METHOD cnexp
    i = 0.001 * a * (v + 80)
}

DERIVATIVE decay {
    a' = -a / tau_a
}

NET_RECEIVE (w) {
    if (flag == 1) {
        WATCH (v > vth + a * da) 2
    } else if (flag == 2) {
        net_event(t)
        nspike = nspike + 1
        tlast = t
        v = vreset
        a = a + 1
    } else {
        v = v + 1000 * w
    }
}
