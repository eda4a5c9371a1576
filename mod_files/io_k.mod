TITLE io_k.mod: potassium current x^4 of the inferior-olive soma and axon

COMMENT
The potassium current of the inferior-olive soma and axon (Schweighofer et al. 1999, de Gruijl et
al. 2012): I = g x^4 (v - ek), with alpha_x = 0.13 (v + 25)/(1 - exp(-(v + 25)/10)) and
beta_x = 1.69 exp(-0.0125 (v + 35)) per ms. The removable singularity of alpha_x at v = -25 mV is
continued by its Taylor expansion. The reversal potential is a fixed parameter (-75 mV). The same
mechanism serves soma and axon; their conductances are set per region. Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_k
    NONSPECIFIC_CURRENT i
    RANGE gbar, ek, i
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.002 (S/cm2) <0, 1e9>
    ek = -75 (mV)
}

STATE {
    x
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    xinf
    taux (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar*x*x*x*x*(v - ek)
}

INITIAL {
    rates(v)
    x = xinf
}

DERIVATIVE states {
    rates(v)
    x' = (xinf - x)/taux
}

PROCEDURE rates(v (mV)) {
    LOCAL alpha, beta
    UNITSOFF
    alpha = 0.13*vtrap(v + 25, 10)
    beta = 1.69*exp(-0.0125*(v + 35))
    xinf = alpha/(alpha + beta)
    taux = 1/(alpha + beta)
    UNITSON
}

FUNCTION vtrap(x, y) {
    : x/(1 - exp(-x/y)), continued through its removable singularity at x = 0.
    if (fabs(x/y) < 1e-6) {
        vtrap = y*(1 + x/y/2)
    } else {
        vtrap = x/(1 - exp(-x/y))
    }
}
