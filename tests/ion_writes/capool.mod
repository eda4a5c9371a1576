: A calcium current that its own state update reads back (as NEURON's demo capmpr.mod reads `ica`
: in its KINETIC block): ica is written, not declared READ, so the DERIVATIVE block reads the
: mechanism's own copy, the current its last BREAKPOINT computed, as NEURON does, not the ion's
: total (which another mechanism writing ica adds to).

NEURON {
    SUFFIX capool
    USEION ca WRITE ica
    RANGE gp, k, tau
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (S) = (siemens)
}

PARAMETER {
    gp = 1e-3 (S/cm2)
    k = 20 (cm2/mA-ms)
    tau = 5 (ms)
}

ASSIGNED {
    v (mV)
    ica (mA/cm2)
}

STATE {
    c
}

INITIAL {
    c = 1
}

BREAKPOINT {
    SOLVE pool METHOD cnexp
    ica = gp * c * (v + 60)
}

DERIVATIVE pool {
    c' = -k * ica - (c - 1) / tau
}
