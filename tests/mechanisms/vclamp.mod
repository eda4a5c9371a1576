COMMENT
A voltage process as Arbor's built-in v_clamp: after the voltage solve of every step it sets the
membrane potential to v0 (tests/it/voltage_process.rs, against Arbor's own v_clamp).
ENDCOMMENT

NEURON {
    VOLTAGE_PROCESS vclamp
    GLOBAL v0
}

PARAMETER {
    v0 = -60 (mV)
}

BREAKPOINT {
    v = v0
}
