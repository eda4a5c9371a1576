COMMENT
A voltage process as Arbor's built-in v_limit: after the voltage solve of every step it holds the
membrane potential between v_low and v_high. The bounds are chosen so that, on the protocol of
tests/it/vm_equivalence.rs (a passive soma resting toward -70 mV with a current step to about
-54 mV), both bounds take effect. tests/reference/arbor/voltage_process.py runs Arbor's own
v_limit (tests/it/voltage_process.rs).
ENDCOMMENT

NEURON {
    VOLTAGE_PROCESS vlimit
    GLOBAL v_low, v_high
}

PARAMETER {
    v_high = -60 (mV)
    v_low = -68 (mV)
}

BREAKPOINT {
    v = max(min(v, v_high), v_low)
}
