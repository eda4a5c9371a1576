NEURON { SUFFIX x }
VERBATIM
static double y;
