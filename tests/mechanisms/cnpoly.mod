TITLE A gate whose cnexp equation is a polynomial in its state (NEURON's cnexp step)

COMMENT
Test data for METHOD cnexp on an equation that is not linear in its state but a polynomial in
it: NEURON 9's nocmodl still writes its cnexp step, m = m + (1 - exp(dt*a))*(-m) with
a = df/dm at the current m, and drops the terms free of m (the 0.001 below has no effect in
NEURON). gradmod takes the same step (docs/DESIGN.md, "cnexp of a nonlinear equation"). The
current is linear in v, so the exact slope equals NEURON's finite difference.
ENDCOMMENT

NEURON {
    SUFFIX cnpoly
    NONSPECIFIC_CURRENT i
    RANGE gbar, e, k
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.001 (S/cm2)
    e = -70 (mV)
    k = 0.05 (/ms)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
}

STATE { m }

INITIAL {
    m = 0.5
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * m * (v - e)
}

DERIVATIVE states {
    m' = k * (1 + v / 100) * (1 - m) * m - 0.02 * m + 0.001
}
