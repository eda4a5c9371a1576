NEURON {
    SUFFIX x
    RANGEE g
    USEION na READ ena WRITE ina VALENCE
}

PARAMETER {
    g = 0.12.5 (S/cm2)
    e = -70 (mV)
    tau = (ms)
}

UNITS {
    (mV) (millivolt)
    (mA) = (milliamp)
}
