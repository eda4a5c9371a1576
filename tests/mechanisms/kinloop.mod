TITLE A kinetic synapse whose transmitter is summed over past spikes in a FROM loop

COMMENT
Test data for a loop in a block solved implicitly: the KINETIC block first sums the transmitter
left by the n spikes received so far (a FROM loop with run-time bounds over arrays indexed at run
time, as the dbbs GABA and NMDA synapses do in a FUNCTION the block calls), then states its
reactions. The loop reads no STATE, so the solver runs it once, before its Newton iterations.
ENDCOMMENT

NEURON {
    POINT_PROCESS KinLoop
    RANGE tau, kon, koff, gmax, e, n, i, T
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
    (mM) = (milli/liter)
}

PARAMETER {
    tau = 2 (ms)
    kon = 5 (/mM /ms)
    koff = 0.5 (/ms)
    gmax = 0.001 (uS)
    e = 0 (mV)
}

ASSIGNED {
    v (mV)
    i (nA)
    n
    T (mM)
    amp[4] (mM)
    ts[4] (ms)
}

STATE { C O }

INITIAL {
    LOCAL k
    n = 3
    FROM k = 0 TO 3 {
        amp[k] = 0.5 * (k + 1)
        ts[k] = -2 * k
    }
    C = 1
    O = 0
}

BREAKPOINT {
    SOLVE kstates METHOD sparse
    i = gmax * O * (v - e)
}

FUNCTION transmitter() {
    LOCAL k, sum
    sum = 0
    FROM k = 0 TO n - 1 {
        sum = sum + amp[k] * exp(-(t - ts[k]) / tau)
    }
    transmitter = sum
}

KINETIC kstates {
    T = transmitter()
    ~ C <-> O (kon * T, koff)
    CONSERVE C + O = 1
}
