: Writes the calcium reversal potential, in INITIAL and in BREAKPOINT, from a parameter and the
: inner concentration (as Arbor's write_eX test mechanism writes eX).

NEURON {
    SUFFIX ecaw
    USEION ca READ cai WRITE eca
    RANGE e0
}

UNITS {
    (mV) = (millivolt)
    (mM) = (milli/liter)
}

PARAMETER {
    e0 = 80 (mV)
}

ASSIGNED {
    cai (mM)
    eca (mV)
}

INITIAL {
    eca = e0 + 1000 * cai
}

BREAKPOINT {
    eca = e0 + 1000 * cai
}
