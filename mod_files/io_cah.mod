TITLE io_cah.mod: high-threshold calcium current of the inferior-olive dendrite

COMMENT
The dendrite's high-threshold calcium current of the inferior-olive model (Schweighofer et al.
1999, de Gruijl et al. 2012): I = g r^2 (v - eca), alpha_r = 1.7/(1 + exp(-(v - 5)/13.9)),
beta_r = 0.02 (v + 8.5)/(exp((v + 8.5)/5) - 1), r relaxing to alpha/(alpha + beta) with
tau_r = 5/(alpha + beta) ms. The removable singularity of beta_r at v = -8.5 mV is continued by its
Taylor expansion. The reversal potential is a fixed parameter (120 mV).

The current flows in the membrane current and is also written as the current `ical` of a private
ion species `cal` (valence 2), which io_cad turns into the dendritic calcium concentration read by
io_kca. A separate species keeps the `ca` ion (and its reversal potential) untouched. Written for
gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_cah
    USEION cal WRITE ical VALENCE 2
    RANGE gbar, eca
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.016 (S/cm2) <0, 1e9>
    eca = 120 (mV)
}

STATE {
    r
}

ASSIGNED {
    v (mV)
    ical (mA/cm2)
    rinf
    taur (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ical = gbar*r*r*(v - eca)
}

INITIAL {
    rates(v)
    r = rinf
}

DERIVATIVE states {
    rates(v)
    r' = (rinf - r)/taur
}

PROCEDURE rates(v (mV)) {
    LOCAL alpha, beta
    UNITSOFF
    alpha = 1.7/(1 + exp(-(v - 5)/13.9))
    beta = 0.02*vtrap(v + 8.5, 5)
    rinf = alpha/(alpha + beta)
    taur = 5/(alpha + beta)
    UNITSON
}

FUNCTION vtrap(x, y) {
    : x/(exp(x/y) - 1), continued through its removable singularity at x = 0.
    if (fabs(x/y) < 1e-6) {
        vtrap = y*(1 - x/y/2)
    } else {
        vtrap = x/(exp(x/y) - 1)
    }
}
