TITLE A gated current whose steady state and time constant are tables given at run time

COMMENT
Test data for FUNCTION_TABLE: ninf is given at points of v (NEURON's table_ninf_ftab(y, x)),
ntau at points equally spaced from vmin to vmax (table_ntau_ftab(y, vmin, vmax)) and scale as a
constant (table_scale_ftab(c)); the run interpolates them as NEURON does. The current is linear
in v, so the exact slope di/dv equals NEURON's finite difference.
ENDCOMMENT

NEURON {
    SUFFIX ftab
    NONSPECIFIC_CURRENT i
    RANGE gbar, e
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.003 (S/cm2)
    e = -80 (mV)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
}

STATE { n }

FUNCTION_TABLE ninf(v (mV))
FUNCTION_TABLE ntau(v (mV)) (ms)
FUNCTION_TABLE scale(v (mV))

INITIAL {
    n = ninf(v)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * scale(v) * n * (v - e)
}

DERIVATIVE states {
    n' = (ninf(v) - n) / ntau(v)
}
