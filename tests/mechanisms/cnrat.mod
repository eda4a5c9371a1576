TITLE Two gates solved by cnexp, one of them with its state in a denominator (derivimplicit in NEURON)

COMMENT
Test data for METHOD cnexp on a block with an equation that is not a polynomial in its state
(m saturates as m/(m + kd)): NEURON 9's nocmodl solves the whole block by derivimplicit, the
linear equation for h included, and so does gradmod (docs/DESIGN.md, "cnexp of a nonlinear
equation"). The current is linear in v.
ENDCOMMENT

NEURON {
    SUFFIX cnrat
    NONSPECIFIC_CURRENT i
    RANGE gbar, e, kd
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.001 (S/cm2)
    e = -70 (mV)
    kd = 0.3
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
}

STATE { m h }

INITIAL {
    m = 0.2
    h = 0.9
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * m * h * (v - e)
}

DERIVATIVE states {
    m' = (1 + v / 100) * 0.1 - 0.2 * m / (m + kd)
    h' = (1 - h) / 5 - 0.01 * h * m
}
