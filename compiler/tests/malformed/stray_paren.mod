BREAKPOINT {
    ina = gna * (v - ena))
}
