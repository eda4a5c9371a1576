TITLE caleak.mod: a linear calcium current, for the LONGITUDINAL_DIFFUSION tests

COMMENT
ica = gca (v - erev) with a fixed reversal potential: a steady inward calcium current at rest
that an IClamp modulates, painted on part of a cell so that calcium differs along the cable.
ENDCOMMENT

NEURON {
    SUFFIX caleak
    USEION ca WRITE ica
    RANGE gca, erev
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gca = 1e-4 (S/cm2)
    erev = 60 (mV)
}

ASSIGNED {
    v (mV)
    ica (mA/cm2)
}

BREAKPOINT {
    ica = gca * (v - erev)
}
