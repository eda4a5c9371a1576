BREAKPOINT {
    SOLVE states METHOD cnexp
