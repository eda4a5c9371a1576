TITLE A gate whose steady state is a series summed by a FUNCTION that calls itself

COMMENT
Test data for recursion (gammastim.mod of PyNN draws from a gamma distribution this way):
series(x, k) = 1 + x + ... + x^k by k nested calls, and a PROCEDURE that counts down by
calling itself. gradmod inlines such calls up to eight deep (docs/DESIGN.md, "Recursion"):
with n = 5 the run is NEURON's; with n = 12 a call beyond the cut-off gives NaN and the run
stops. The current is linear in v, so the exact slope equals NEURON's finite difference.
ENDCOMMENT

NEURON {
    SUFFIX recur
    NONSPECIFIC_CURRENT i
    RANGE gbar, e, a, n, s, c
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.001 (S/cm2)
    e = -70 (mV)
    a = 0.9
    n = 5
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    s
    c
}

STATE { m }

INITIAL {
    c = 0
    countdown(n)
    m = series(a * (1 + v / 200), n) / c
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    s = series(a * (1 + v / 200), n)
    i = gbar * m * (v - e)
}

DERIVATIVE states {
    m' = (series(a * (1 + v / 200), n) / c - m) / 5
}

FUNCTION series(x, k) {
    if (k < 1) {
        series = 1
    } else {
        series = 1 + x * series(x, k - 1)
    }
}

PROCEDURE countdown(k) {
    if (k >= 1) {
        c = c + 1
        countdown(k - 1)
    }
}
