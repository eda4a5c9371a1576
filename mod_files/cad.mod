TITLE cad.mod: calcium accumulation in a submembrane shell, with decay and a saturating pump

COMMENT
Calcium entering through the membrane (ica) accumulates in a shell of the given depth under the
membrane and returns to its resting level cainf with time constant taur (Destexhe et al. 1994),
while a Michaelis-Menten pump (maximal rate vmax, half-activation kd) removes it. The pump makes
the equation nonlinear in cai, so it is solved by backward Euler with Newton's method
(METHOD derivimplicit). Only inward currents load the shell. Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX cad
    USEION ca READ ica, cai WRITE cai
    RANGE depth, taur, cainf, vmax, kd
    THREADSAFE
}

UNITS {
    (molar) = (1/liter)
    (mM) = (millimolar)
    (um) = (micron)
    (mA) = (milliamp)
    (msM) = (ms mM)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    depth = 0.1 (um) <1e-9, 1e9>
    taur = 200 (ms) <1e-9, 1e9>
    cainf = 1e-4 (mM) <0, 1e9>
    vmax = 1e-4 (mM/ms) <0, 1e9>
    kd = 5e-4 (mM) <1e-12, 1e9>
}

STATE {
    cai (mM) <1e-10>
}

ASSIGNED {
    ica (mA/cm2)
    drive (mM/ms)
}

INITIAL {
    cai = cainf
}

BREAKPOINT {
    SOLVE state METHOD derivimplicit
}

DERIVATIVE state {
    : The current in mA/cm2 becomes a flux of calcium into a shell of depth um: 1e4 converts um to cm.
    drive = -(1e4)*ica/(2*FARADAY*depth)
    if (drive <= 0) {
        drive = 0
    }
    cai' = drive + (cainf - cai)/taur - vmax*cai/(cai + kd)
}
