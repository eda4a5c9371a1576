TITLE io_cad.mod: calcium concentration of the inferior-olive dendrite

COMMENT
The dendritic calcium concentration of the inferior-olive model (de Gruijl et al. 2012), fed by
the high-threshold calcium current of io_cah through the private ion species `cal`:
dCa/dt = -3 I_CaH - 0.075 Ca in the paper's code, with I_CaH in A/m2 and t in ms. Here the current
ical is in mA/cm2 (1 mA/cm2 = 10 A/m2), hence the factor 30. The concentration is in the model's
own arbitrary units (it only gates io_kca). Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX io_cad
    USEION cal READ ical WRITE cali VALENCE 2
    RANGE cai0, influx, decay
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
}

PARAMETER {
    cai0 = 3.715
    influx = 30 (/mA)
    decay = 0.075 (/ms)
}

STATE {
    cali
}

ASSIGNED {
    ical (mA/cm2)
}

INITIAL {
    cali = cai0
}

BREAKPOINT {
    SOLVE state METHOD cnexp
}

DERIVATIVE state {
    UNITSOFF
    cali' = -influx*ical - decay*cali
    UNITSON
}
