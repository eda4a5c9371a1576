TITLE io_leak.mod: leak current of the inferior-olive cell

COMMENT
The leak of the inferior-olive model: I = g (v - e), with e = 10 mV as in the gradient-diffusion
paper's variant of de Gruijl et al. (2012). One mechanism for soma, dendrite and axon; their
conductances (g_ls, g_ld, g_la) are set per region. Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_leak
    NONSPECIFIC_CURRENT i
    RANGE g, e, i
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    g = 1.3e-6 (S/cm2) <0, 1e9>
    e = 10 (mV)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
}

BREAKPOINT {
    i = g*(v - e)
}
