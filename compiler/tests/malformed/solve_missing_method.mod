BREAKPOINT {
    SOLVE states METHOD
    i = g*v
}
