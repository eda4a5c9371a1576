COMMENT
An Ornstein-Uhlenbeck current, written with Arbor's WHITE_NOISE: dx = (mu - x)/tau dt +
sigma sqrt(2/tau) dW, stationary mean mu and standard deviation sigma; injected as an
electrode current (depolarising when positive). Integrated by Euler-Maruyama (METHOD
stochastic). A test mechanism of gradmod's random streams.
ENDCOMMENT

NEURON {
    POINT_PROCESS ou_current
    ELECTRODE_CURRENT i
    RANGE mu, sigma, tau, i
}

UNITS {
    (nA) = (nanoamp)
}

PARAMETER {
    mu = 0.05 (nA)
    sigma = 0.1 (nA)
    tau = 5 (ms)
}

ASSIGNED {
    i (nA)
}

STATE {
    x (nA)
}

WHITE_NOISE {
    W
}

INITIAL {
    x = mu
}

BREAKPOINT {
    SOLVE ou METHOD stochastic
    i = x
}

DERIVATIVE ou {
    x' = (mu - x) / tau + sigma * sqrt(2 / tau) * W
}
