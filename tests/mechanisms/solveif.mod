TITLE A gate whose SOLVE sits inside an if of BREAKPOINT

COMMENT
Test data for a SOLVE inside a conditional of BREAKPOINT: NEURON's nocmodl moves the SOLVE into
nrn_state, which runs every step whatever the condition (here false: on = 0), and leaves the
condition empty; gradmod does the same (docs/DESIGN.md, "SOLVE inside if"). The current, outside
the if, is linear in v.
ENDCOMMENT

NEURON {
    SUFFIX solveif
    NONSPECIFIC_CURRENT i
    RANGE gbar, e, on
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.001 (S/cm2)
    e = -70 (mV)
    on = 0
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
}

STATE { m }

INITIAL {
    m = 0
}

BREAKPOINT {
    if (on) {
        SOLVE states METHOD cnexp
    }
    i = gbar * (1 + m) * (v - e)
}

DERIVATIVE states {
    m' = (1 / (1 + exp(-(v + 40) / 5)) - m) / 3
}
