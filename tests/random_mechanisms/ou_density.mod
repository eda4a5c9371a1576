COMMENT
An Ornstein-Uhlenbeck process per instance with no current, written with Arbor's
WHITE_NOISE: dx = (mu - x)/tau dt + sigma sqrt(2/tau) dW (stationary mean mu, standard
deviation sigma), integrated by Euler-Maruyama (METHOD stochastic). A test mechanism of
gradmod's random streams: its statistics and the independence of its instances.
ENDCOMMENT

NEURON {
    SUFFIX ou_density
    RANGE mu, sigma, tau
}

PARAMETER {
    mu = 1
    sigma = 0.5
    tau = 2 (ms)
}

STATE {
    x
}

WHITE_NOISE {
    W
}

INITIAL {
    x = mu
}

BREAKPOINT {
    SOLVE ou METHOD stochastic
}

DERIVATIVE ou {
    x' = (mu - x) / tau + sigma * sqrt(2 / tau) * W
}
