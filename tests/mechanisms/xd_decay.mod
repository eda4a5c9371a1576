COMMENT
First-order decay of the diffusive concentration xd at rate tau (/ms), as Arbor's built-in
density mechanism `decay` (tests/it/diffusion.rs).
ENDCOMMENT

NEURON {
    SUFFIX xd_decay
    USEION x WRITE xd
    RANGE tau
}

PARAMETER { tau = 0.5 (/ms) }

BREAKPOINT {
    SOLVE dX METHOD cnexp
}

DERIVATIVE dX {
    xd' = -tau * xd
}
