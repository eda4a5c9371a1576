NEURON {
    SUFFIX na
    USEION READ ena
}
