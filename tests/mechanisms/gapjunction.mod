: A gap junction half written with a POINTER, as published gap-junction models write it: the
: current g (vgap - v) flows in from the partner location, whose potential vgap points to.
NEURON {
    POINT_PROCESS GapJunction
    POINTER vgap
    ELECTRODE_CURRENT i
    RANGE g, i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    g = 0.002 (uS)
}

ASSIGNED {
    v (mV)
    vgap (mV)
    i (nA)
}

BREAKPOINT {
    i = g * (vgap - v)
}
