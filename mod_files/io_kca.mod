TITLE io_kca.mod: calcium-activated potassium current of the inferior-olive dendrite

COMMENT
The dendrite's calcium-activated potassium current of the inferior-olive model (Schweighofer et
al. 1999, de Gruijl et al. 2012): I = g s (v - ek), alpha_s = min(2e-5 Ca, 0.01),
beta_s = 0.015 per ms, with Ca the concentration of the private species `cal` kept by io_cad.
The reversal potential is a fixed parameter (-75 mV). Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_kca
    USEION cal READ cali VALENCE 2
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
    gbar = 0.025 (S/cm2) <0, 1e9>
    ek = -75 (mV)
}

STATE {
    s
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    cali
    sinf
    taus (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar*s*(v - ek)
}

INITIAL {
    rates(cali)
    s = sinf
}

DERIVATIVE states {
    rates(cali)
    s' = (sinf - s)/taus
}

PROCEDURE rates(ca) {
    LOCAL alpha, beta
    UNITSOFF
    : alpha = min(2e-5 ca, 0.01), written with if, which NEURON's nocmodl accepts (it has no
    : min); on a tie both forms take 2e-5 ca, and its derivative.
    alpha = 2e-5*ca
    if (alpha > 0.01) {
        alpha = 0.01
    }
    beta = 0.015
    sinf = alpha/(alpha + beta)
    taus = 1/(alpha + beta)
    UNITSON
}
