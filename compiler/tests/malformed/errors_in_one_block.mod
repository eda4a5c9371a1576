BREAKPOINT {
    SOLVE states METHOD cnexp
    ina = gna * (v - ena
    il = gl*(v - el)
    if (v > ) {
        x = 1
    }
    y = 2
}

DERIVATIVE states {
    m' = (minf - m)/mtau
    h' = (hinf - h)/
}
