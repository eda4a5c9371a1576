NEURON {
    SUFFIX na
    USEION na READ ena WRITE
}
