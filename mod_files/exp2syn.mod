TITLE exp2syn.mod: a synapse with exponential rise and decay

COMMENT
A point process with two conductance states A and B decaying with time constants tau1 < tau2; the
conductance g = B - A rises with tau1 and decays with tau2. Each event adds weight*factor to both,
where the factor normalises the peak of g to the weight (uS). This is NEURON's Exp2Syn as written:
the factor is computed once in INITIAL and kept for NET_RECEIVE, and gradmod carries its tangent
with respect to tau1 and tau2 from one block to the other. As in NEURON, tau1 is kept below
0.9999 tau2 (the factor is undefined when they are equal). The current i = g (v - e) is outward
positive.
ENDCOMMENT

NEURON {
    POINT_PROCESS Exp2Syn
    RANGE tau1, tau2, e, i, g
    NONSPECIFIC_CURRENT i
    THREADSAFE
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    tau1 = 0.1 (ms) <1e-9, 1e9>
    tau2 = 10 (ms) <1e-9, 1e9>
    e = 0 (mV)
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
    factor
}

STATE {
    A (uS)
    B (uS)
}

INITIAL {
    LOCAL tp
    if (tau1/tau2 > 0.9999) {
        tau1 = 0.9999*tau2
    }
    if (tau1/tau2 < 1e-9) {
        tau1 = tau2*1e-9
    }
    A = 0
    B = 0
    : The time of the peak of exp(-t/tau2) - exp(-t/tau1), and the factor making that peak 1.
    tp = (tau1*tau2)/(tau2 - tau1)*log(tau2/tau1)
    factor = -exp(-tp/tau1) + exp(-tp/tau2)
    factor = 1/factor
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g = B - A
    i = g*(v - e)
}

DERIVATIVE state {
    A' = -A/tau1
    B' = -B/tau2
}

NET_RECEIVE(weight (uS)) {
    A = A + weight*factor
    B = B + weight*factor
}
