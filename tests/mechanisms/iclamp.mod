TITLE iclamp.mod: a current clamp written as an electrode current

COMMENT
The runtime's IClamp as a point process: amp nA injected while del <= t < del + dur (t is the
middle of the step during the current phase, as the runtime's IClamp tests it). An
ELECTRODE_CURRENT is inward positive, so the generated code adds it with the opposite sign.
For gradmod's end-to-end tests.
ENDCOMMENT

NEURON {
    POINT_PROCESS Clamp
    ELECTRODE_CURRENT i
    RANGE del, dur, amp, i
}

UNITS {
    (nA) = (nanoamp)
}

PARAMETER {
    del = 0 (ms)
    dur = 0 (ms) <0, 1e9>
    amp = 0 (nA)
}

ASSIGNED {
    i (nA)
}

BREAKPOINT {
    if (t >= del && t < del + dur) {
        i = amp
    } else {
        i = 0
    }
}
