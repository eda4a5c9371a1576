COMMENT
Draws from NEURON 9's RANDOM stream the way NetStim does (random_negexp, restarted by
random_setseq(r, 0) in INITIAL), one draw per step in x (tests/it/random_setseq.rs).
ENDCOMMENT

NEURON {
    SUFFIX negexp_draw
    RANDOM r
    RANGE x, mean
}

PARAMETER { mean = 1 }

ASSIGNED { x }

PROCEDURE seed(p) {
    random_setseq(r, p)
}

INITIAL {
    seed(0)
    x = 0
}

BREAKPOINT {
    x = mean * random_negexp(r)
}
