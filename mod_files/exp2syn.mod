TITLE exp2syn.mod: a synapse with exponential rise and decay

COMMENT
A point process with two conductance states A and B decaying with time constants tau1 < tau2; the
conductance g = B - A rises with tau1 and decays with tau2. Each event adds weight*factor to both,
where the factor normalises the peak of g to the weight (uS), as NEURON's Exp2Syn. tau1 must be smaller
than tau2: the factor is undefined when they are equal. Its current i = g (v - e) is outward
positive. Written for gradmod from the equations.
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
}

STATE {
    A (uS)
    B (uS)
}

INITIAL {
    A = 0
    B = 0
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
    : The factor is computed here rather than kept from INITIAL, so that its dependence on tau1
    : and tau2 reaches the tangents of A and B.
    A = A + weight*peak_factor()
    B = B + weight*peak_factor()
}

FUNCTION peak_factor() {
    LOCAL tp
    : Time of the peak of exp(-t/tau2) - exp(-t/tau1), and the factor making that peak 1.
    tp = (tau1*tau2)/(tau2 - tau1)*log(tau2/tau1)
    peak_factor = 1/(exp(-tp/tau2) - exp(-tp/tau1))
}
