COMMENT
Reads ion valences by name (Arbor's `VALENCE zx`) and writes the Nernst potential of the ion x
with them, as Arbor's built-in `nernst` does (tests/it/valence.rs).
ENDCOMMENT

NEURON {
    SUFFIX valence_read
    USEION ca READ cai VALENCE zca
    USEION x READ xi, xo WRITE ex VALENCE zx
    RANGE zc, zxx
}

PARAMETER {
    R = 8.31446261815324 (joule/kelvin/mole)
    F = 96485.3321233100184 (coulomb/mole)
    celsius (degC)
}

ASSIGNED { zc  zxx }

INITIAL {
    zc = zca
    zxx = zx
}

BREAKPOINT {
    ex = R * (celsius + 273.15) / (zx * F) * 1000 * log(xo / xi)
}
