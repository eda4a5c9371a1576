TITLE excitability.mod: a smooth measure of how close v runs to spike threshold

COMMENT
A soft indicator S = (1 + tanh((v - vs)/(2 ks)))/2 (the logistic function of (v - vs)/ks), wide
and centred below threshold, followed with a short time constant taua. Its tangent dS/dp =
S'(v) dv/dp weighs the voltage sensitivity most where v comes near threshold, between spikes as
well as at them, so it is dense: unlike the tangent of a filtered spike count, it does not come
only from the rare spikes that barely fire or barely fail. A homeostatic controller in tracking
mode can take its step direction from the running mean of this tangent (the direction that makes
the cell more excitable) while the rate error still comes from the rate estimate; the pure shift
of a spike in time adds nothing to that mean, since S rises and falls by the same amount at each
spike. Only v is read; no current is written. Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX excitability
    RANGE vs, ks, taua
    THREADSAFE
}

UNITS {
    (mV) = (millivolt)
}

PARAMETER {
    vs = -50 (mV)
    ks = 5 (mV) <1e-9, 1e9>
    taua = 1 (ms) <1e-9, 1e9>
}

STATE {
    a
}

ASSIGNED {
    v (mV)
}

INITIAL {
    a = soft_indicator(v)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
}

DERIVATIVE states {
    a' = (soft_indicator(v) - a)/taua
}

FUNCTION soft_indicator(v (mV)) {
    soft_indicator = (1 + tanh((v - vs)/(2*ks)))/2
}
