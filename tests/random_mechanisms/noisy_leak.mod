COMMENT
A leak whose conductance fluctuates: each step it is gbar (1 + cv z) with z = normrand(0, 1)
drawn afresh, plus a uniform jitter of the reversal potential by scop_random() and an
exponential one by exprand(1). A test mechanism of gradmod's random draws in BREAKPOINT.
ENDCOMMENT

NEURON {
    SUFFIX noisy_leak
    NONSPECIFIC_CURRENT i
    RANGE gbar, e, cv, i
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.001 (S/cm2)
    e = -70 (mV)
    cv = 0.2
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
}

BREAKPOINT {
    i = gbar * (1 + cv * normrand(0, 1)) * (v - (e + scop_random() - exprand(1)))
}
