: Test mechanism for net_move: an artificial cell whose pending self-event (sent every 3 ms)
: each event from a connection postpones to 2 ms after that event.

NEURON {
    ARTIFICIAL_CELL Mover
    RANGE n, tlast
}

ASSIGNED {
    n
    tlast (ms)
}

INITIAL {
    n = 0
    tlast = -1
    net_send(3, 1)
}

NET_RECEIVE (w) {
    if (flag == 0) {
        net_move(t + 2)
    } else {
        n = n + 1
        tlast = t
        net_send(3, 1)
    }
}
