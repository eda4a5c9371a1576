TITLE Random draws in loops: a number of their own in every iteration

COMMENT
Test data for draws in loops: INITIAL draws n uniforms in a FROM loop of run-time bounds (kept
in u, summed in sum and sumsq) and m * m more in two nested loops (summed in nested); every
event draws uniforms in a while loop until one falls below p, counting the draws in tries (a
geometric count with mean 1/p per event), as pyNN's quantal_stp.mod and rejection samplers do.
ENDCOMMENT

NEURON {
    POINT_PROCESS LoopDraws
    RANGE n, m, p, u, sum, sumsq, nested, tries, events
}

PARAMETER {
    n = 64
    m = 8
    p = 0.25
}

ASSIGNED {
    u[64]
    sum
    sumsq
    nested
    tries
    events
}

INITIAL {
    LOCAL k, i, j, x
    sum = 0
    sumsq = 0
    FROM k = 0 TO n - 1 {
        x = scop_random()
        u[k] = x
        sum = sum + x
        sumsq = sumsq + x * x
    }
    nested = 0
    FROM i = 1 TO m {
        FROM j = 1 TO m {
            nested = nested + scop_random()
        }
    }
    tries = 0
    events = 0
}

NET_RECEIVE (w) {
    events = events + 1
    tries = tries + 1
    while (scop_random() >= p) {
        tries = tries + 1
    }
}
