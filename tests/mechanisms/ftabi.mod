TITLE ftab.mod's gated current, its state solved by derivimplicit

COMMENT
Test data for FUNCTION_TABLE reads in a block solved implicitly: ftab.mod with METHOD
derivimplicit. The reads depend on v only, so they run once before the Newton iterations, with
the values NEURON's iterations read at every iterate.
ENDCOMMENT

NEURON {
    SUFFIX ftabi
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
    SOLVE states METHOD derivimplicit
    i = gbar * scale(v) * n * (v - e)
}

DERIVATIVE states {
    n' = (ninf(v) - n) / ntau(v)
}
