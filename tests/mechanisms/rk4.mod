TITLE Two coupled gates advanced by NEURON's fourth-order Runge-Kutta step (METHOD runge)

COMMENT
Test data for METHOD runge: m relaxes to a voltage-dependent steady state through a time
constant that depends on h, and is pushed by a sinusoid of time, so that the stages of the step
must read t at t, t + dt/2 and t + dt; h recovers and is consumed by m. The current is linear in
v, so the exact slope di/dv equals NEURON's finite difference.
ENDCOMMENT

NEURON {
    SUFFIX rk4
    NONSPECIFIC_CURRENT i
    RANGE gbar, e, w, per, minf
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.002 (S/cm2)
    e = -80 (mV)
    w = 0.3 (/ms)
    per = 7 (ms)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    minf
}

STATE { m h }

INITIAL {
    rates(v)
    m = minf
    h = 1
}

BREAKPOINT {
    SOLVE states METHOD runge
    i = gbar * m * m * h * (v - e)
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / (1 + h) + 0.1 * sin(2 * 3.141592653589793 * t / per)
    h' = w * (1 - h) - 0.5 * m * h * h
}

PROCEDURE rates(v (mV)) {
    minf = 1 / (1 + exp(-(v + 40) / 5))
}
