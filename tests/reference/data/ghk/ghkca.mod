COMMENT
A calcium current through the GHK flux equation, nonlinear in v, for the test of --slope neuron
(tests/reference/ghk_slope.py makes NEURON's trace of ghk.toml with it).
ENDCOMMENT

NEURON {
    SUFFIX ghkca
    USEION ca READ cai, cao WRITE ica
    RANGE pbar
}
UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (mM) = (milli/liter)
    FARADAY = 96485.309 (coul)
    R = (k-mole) (joule/degC)
}
PARAMETER { pbar = 1e-4 (cm/s) }
ASSIGNED { v (mV) celsius (degC) ica (mA/cm2) cai (mM) cao (mM) }
BREAKPOINT {
    ica = pbar * ghk(v, cai, cao)
}
FUNCTION ghk(v(mV), ci(mM), co(mM)) (.001 coul/cm3) {
    LOCAL z, eci, eco
    z = (1e-3)*2*FARADAY*v/(R*(celsius+273.15))
    eco = co*efun(z)
    eci = ci*efun(-z)
    ghk = (.001)*2*FARADAY*(eci - eco)
}
FUNCTION efun(z) {
    if (fabs(z) < 1e-4) {
        efun = 1 - z/2
    } else {
        efun = z/(exp(z) - 1)
    }
}
