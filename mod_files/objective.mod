TITLE objective.mod: the rate observer with the homeostatic objective e' = (f - ftarget)^2/2

COMMENT
The firing-rate estimate f of rate_observer.mod (a smooth spike indicator of v, its rectified rate
of change counted as spikes, low-pass filtered with time constant tauf, in Hz), and the objective
state e with e' = (f - ftarget)^2/2. An online controller reads de/dp, the tangent of e, for the
parameters it adapts: with a forgetting rate lambda, -de/dp is the exponentially weighted recent
gradient of the squared rate error. NMODL mechanisms cannot read each other's states, so the
observer's equations are repeated here rather than shared. Only v is read; no current is written.
Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX rate_objective
    RANGE ftarget, vth, k, tauh, tauf, eps
    THREADSAFE
}

UNITS {
    (mV) = (millivolt)
}

PARAMETER {
    ftarget = 5 (Hz) <0, 1e9>
    vth = -20 (mV)
    k = 2 (mV) <1e-9, 1e9>
    tauh = 0.25 (ms) <1e-9, 1e9>
    tauf = 1000 (ms) <1e-9, 1e9>
    eps = 0.01 (/ms) <1e-12, 1e9>
}

STATE {
    hd
    f (Hz)
    e (Hz2 ms)
}

ASSIGNED {
    v (mV)
}

INITIAL {
    hd = spike_indicator(v)
    f = ftarget
    e = 0
}

BREAKPOINT {
    SOLVE states METHOD cnexp
}

DERIVATIVE states {
    e' = (f - ftarget)*(f - ftarget)/2
    f' = (1000*rectify((spike_indicator(v) - hd)/tauh) - f)/tauf
    hd' = (spike_indicator(v) - hd)/tauh
}

FUNCTION spike_indicator(v (mV)) {
    : The logistic function of (v - vth)/k, written with tanh so that it cannot overflow.
    spike_indicator = (1 + tanh((v - vth)/(2*k)))/2
}

FUNCTION rectify(x (/ms)) (/ms) {
    : A smooth positive part: x for x >> eps, exponentially small for x << -eps.
    rectify = x*(1 + tanh(x/eps))/2
}
