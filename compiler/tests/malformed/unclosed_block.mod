NEURON {
    SUFFIX leak
    RANGE g, e

PARAMETER {
    g = 0.001 (S/cm2)
}
