TITLE rate_observer.mod: a differentiable firing-rate estimate from the membrane potential alone

COMMENT
A smooth spike indicator H = (1 + tanh((v - vth)/(2 k)))/2 (the logistic function of (v - vth)/k)
goes from 0 to 1 and back once per action potential. A fast low-pass copy hd of H (time constant
tauh) makes its rate of change (H - hd)/tauh available without a previous v. The rectified rate of
change counts each rise of H from 0 to 1 as one spike, whatever the spike's shape, so a low-pass
filter with time constant tauf of 1000 times that count (1/ms to Hz) estimates the firing rate f
in Hz. The rectifier x (1 + tanh(x/eps))/2 is smooth and vanishes for x < 0 up to exponentially
small terms. Only v is read; no current is written. Written for gradmod.
ENDCOMMENT

NEURON {
    SUFFIX rate_obs
    RANGE vth, k, tauh, tauf, eps
    THREADSAFE
}

UNITS {
    (mV) = (millivolt)
}

PARAMETER {
    vth = -20 (mV)
    k = 2 (mV) <1e-9, 1e9>
    tauh = 0.25 (ms) <1e-9, 1e9>
    tauf = 1000 (ms) <1e-9, 1e9>
    eps = 0.01 (/ms) <1e-12, 1e9>
}

STATE {
    hd
    f (Hz)
}

ASSIGNED {
    v (mV)
}

INITIAL {
    hd = spike_indicator(v)
    f = 0
}

BREAKPOINT {
    SOLVE states METHOD cnexp
}

DERIVATIVE states {
    f' = (1000*rectify((spike_indicator(v) - hd)/tauh) - f)/tauf
    hd' = (spike_indicator(v) - hd)/tauh
}

FUNCTION spike_indicator(v (mV)) {
    spike_indicator = (1 + tanh((v - vth)/(2*k)))/2
}

FUNCTION rectify(x (/ms)) (/ms) {
    rectify = x*(1 + tanh(x/eps))/2
}
