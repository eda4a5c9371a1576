: Sets the inner calcium concentration in INITIAL only, from a parameter (as neurodamus's
: TTXDynamicsSwitch sets ttxi): the concentration stays at cai0 for the whole run.

NEURON {
    SUFFIX cainit
    USEION ca WRITE cai
    RANGE cai0
}

UNITS {
    (mM) = (milli/liter)
}

PARAMETER {
    cai0 = 2e-3 (mM)
}

ASSIGNED {
    cai (mM)
}

INITIAL {
    cai = cai0
}
