: Test mechanism for ARTIFICIAL_CELL: counts the events it receives and sums weight * t over them
: (t is the delivery time). The net_event under a constant false condition is never executed.

NEURON {
    ARTIFICIAL_CELL EventCounter
    RANGE n, total
}

ASSIGNED {
    n
    total
}

INITIAL {
    n = 0
    total = 0
}

NET_RECEIVE (w) {
    n = n + 1
    total = total + w * t
    if (0) {
        net_event(t)
    }
}
