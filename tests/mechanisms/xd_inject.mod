COMMENT
Adds alpha * weight to the diffusive concentration xd (mM) of its CV at the step after an
event, as Arbor's built-in point process `inject` does (tests/it/diffusion.rs).
ENDCOMMENT

NEURON {
    POINT_PROCESS xd_inject
    USEION x WRITE xd
    RANGE alpha, beta
}

PARAMETER { alpha = 200 (mM) }

ASSIGNED { beta (mM) }

INITIAL { beta = 0 }

BREAKPOINT {
    xd = xd + beta
    beta = 0
}

NET_RECEIVE(weight) {
    beta = alpha * weight
}
