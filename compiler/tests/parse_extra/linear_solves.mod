: A small mechanism for the solves of LINEAR and NONLINEAR blocks in INITIAL and BREAKPOINT, and
: for METHOD sparse on a DERIVATIVE block (Arbor's dialect; backward Euler by Newton): the tangent
: tests check their tangents against finite differences.

NEURON {
    SUFFIX linear_solves
    NONSPECIFIC_CURRENT i
    RANGE a, b, k, gbar, c
}

PARAMETER {
    a = 2
    b = 0.5
    k = 0.3
    gbar = 0.001 (S/cm2)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    c
}

STATE { x y z u }

INITIAL {
    SOLVE start
    SOLVE cubic
}

BREAKPOINT {
    SOLVE dyn METHOD sparse
    SOLVE balance
    i = gbar*(x + z*y + u)*(v + 70)
}

LINEAR start {
    ~ a*x + y = 1
    ~ x - b*y = k*(v + 70)/100
}

NONLINEAR cubic {
    ~ z*z*z + z = a
}

LINEAR balance {
    LOCAL s
    s = a + k
    ~ s*u = b + k*(v + 70)/100
    c = 2*u
}

DERIVATIVE dyn {
    x' = -a*x*x + b*y
    y' = k*(1 - y) - x*y
    z' = b - z
}
