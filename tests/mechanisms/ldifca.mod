TITLE ldifca.mod: calcium in shells diffusing along the cable, for the LONGITUDINAL_DIFFUSION tests

COMMENT
Calcium in NANN shells under the membrane with radial exchange between them, in the style of
NEURON's cadif.mod, and a second species b made from the outer shell's calcium. The array species
ca diffuses along the cable with the coefficient DFree*frat[i] in the volume diam*diam*vrat[i] of
each shell, the scalar b with Dfb*diam in diam*diam (LONGITUDINAL_DIFFUSION): NEURON moves both
between neighbouring segments after every state update. For gradmod's tests against NEURON
(tests/reference/ldiff/). The diffusion constant of b is Dfb rather than Db: NEURON's generated
code names the derivative of a state b `Db`, which would clash with a PARAMETER of that name.
ENDCOMMENT

NEURON {
    SUFFIX ldifca
    USEION ca READ cai, ica WRITE cai
    RANGE DFree, Dfb, kp, kr
}

DEFINE NANN 3

UNITS {
    (mM) = (milli/liter)
    (um) = (micron)
    (mA) = (milliamp)
    FARADAY = (faraday) (10000 coulomb)
    PI = (pi) (1)
}

PARAMETER {
    DFree = 0.6 (um2/ms)
    Dfb = 0.3 (um2/ms)
    kp = 0.01 (/ms)
    kr = 0.02 (/ms)
}

ASSIGNED {
    diam (um)
    ica (mA/cm2)
    cai (mM)
    vrat[NANN] (1)
    frat[NANN] (1)
}

STATE {
    ca[NANN] (mM)
    b (mM)
}

BREAKPOINT {
    SOLVE state METHOD sparse
}

INITIAL {
    FROM i = 0 TO NANN - 1 {
        vrat[i] = (i + 1) * 0.1
        frat[i] = 1 / (i + 1)
    }
    FROM i = 0 TO NANN - 1 {
        ca[i] = cai
    }
    b = 0.001
}

KINETIC state {
    COMPARTMENT i, diam * diam * vrat[i] {ca}
    COMPARTMENT diam * diam {b}
    LONGITUDINAL_DIFFUSION i, DFree * frat[i] {ca}
    LONGITUDINAL_DIFFUSION Dfb * diam {b}
    ~ ca[0] << (-ica * PI * diam / (2 * FARADAY))
    FROM i = 0 TO NANN - 2 {
        ~ ca[i] <-> ca[i + 1] (DFree * frat[i + 1], DFree * frat[i + 1])
    }
    ~ ca[0] <-> b (kp * diam * diam, kr * diam * diam)
    cai = ca[0]
}
