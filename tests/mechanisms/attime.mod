: Test mechanism for at_time(): with NEURON's fixed step, at_time(te) is 1 in the one step whose
: current time t (t_n + dt/2 in BREAKPOINT) satisfies t - dt < te - 1e-11 <= t, and 0 otherwise.
: A one-step pulse of amp at del and of 2 amp at del2 (a time on the grid of t), and a step of base
: from del2 on, written as the published clamps write it (at_time as a statement, then a test of t).

NEURON {
    POINT_PROCESS AtTimePulse
    RANGE del, del2, amp, base, i
    ELECTRODE_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
}

PARAMETER {
    del = 1 (ms)
    del2 = 3.0125 (ms)
    amp = 2 (nA)
    base = 0.05 (nA)
}

ASSIGNED {
    i (nA)
}

BREAKPOINT {
    at_time(del2)
    i = amp * at_time(del) + 2 * amp * at_time(del2)
    if (t >= del2) {
        i = i + base
    }
}
